package io.streamlet.config;

import java.util.Locale;
import java.util.function.Function;

/** Where a knob's raw value comes from (context parameters, properties, environment); null when unset. */
@FunctionalInterface
public interface ConfigSource extends Function<String, String> {

    /**
     * The JVM system property of the knob's name, then the environment variable of that name upper-cased
     * with dots as underscores ({@code STREAMLET_RTMP_PORT}), then {@code contextParams}.
     */
    static ConfigSource layered(Function<String, String> contextParams) {
        return name -> {
            String v = System.getProperty(name);
            if (v == null) v = System.getenv(name.toUpperCase(Locale.ROOT).replace('.', '_'));
            if (v == null) v = contextParams.apply(name);
            return v == null || v.isBlank() ? null : v.trim();
        };
    }
}
