package io.streamlet.config;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * Where a knob's raw value comes from, and the check of the names a deployment sets. A value is the JVM
 * system property of the knob's name ({@code streamlet.auth.playSecret}), else its environment variable
 * in the conventional form ({@code STREAMLET_AUTH_PLAY_SECRET}) or upper-cased as it is
 * ({@code STREAMLET_AUTH_PLAYSECRET}), else the context parameter, else null.
 *
 * <p>Every name asked for is recorded, so the knobs are whatever the configuration reads, not a list kept
 * here. Once it has read them all, {@link #unknownNames} finds the {@code streamlet.*} names that were set
 * but that nothing read (a typo silently leaves a default in force), each with the nearest knob.
 */
public final class KnobNames implements Function<String, String> {
    private static final String PREFIX = "streamlet.";
    private static final String ENV_PREFIX = "STREAMLET_";
    /** Read by the executable WAR's launcher (io.streamlet.launcher.Main) before the webapp starts. */
    private static final Set<String> LAUNCHER_KNOBS = Set.of("streamlet.http.port", "streamlet.http.host");

    private final Function<String, String> contextParams;
    private final Map<String, String> environment;
    private final Properties systemProperties;
    private final Set<String> asked = ConcurrentHashMap.newKeySet();

    public KnobNames(Function<String, String> contextParams) {
        this(contextParams, System.getenv(), System.getProperties());
    }

    KnobNames(Function<String, String> contextParams, Map<String, String> environment, Properties systemProperties) {
        this.contextParams = contextParams;
        this.environment = environment;
        this.systemProperties = systemProperties;
    }

    /** The knob's raw value, trimmed; null when unset or blank. */
    @Override
    public String apply(String name) {
        asked.add(name);
        String v = systemProperties.getProperty(name);
        if (v == null) v = environment.get(environmentName(name));
        if (v == null) v = environment.get(name.toUpperCase(Locale.ROOT).replace('.', '_'));
        if (v == null) v = contextParams.apply(name);
        return v == null || v.isBlank() ? null : v.trim();
    }

    /** {@code streamlet.auth.playSecret} as an environment variable: {@code STREAMLET_AUTH_PLAY_SECRET}. */
    public static String environmentName(String knob) {
        return knob.replaceAll("([a-z0-9])([A-Z])", "$1_$2").toUpperCase(Locale.ROOT).replace('.', '_');
    }

    /** A setting that no knob reads: where it was set, its name, and the knob it is nearest to. */
    public record Unknown(String where, String name, String nearest) {
        @Override
        public String toString() {
            return "Streamlet ignores the " + where + " " + name + ": no knob has that name (did you mean " + nearest + "?)";
        }
    }

    /**
     * The {@code streamlet.*} system properties and context parameters and the {@code STREAMLET_*} environment
     * variables that nothing asked for; call once the configuration is read.
     */
    public List<Unknown> unknownNames(Iterable<String> contextParamNames) {
        List<String> knobs = new ArrayList<>(asked);
        knobs.addAll(LAUNCHER_KNOBS);
        knobs.sort(null);
        List<String> envNames = new ArrayList<>();
        for (String knob : knobs) envNames.add(environmentName(knob));
        List<Unknown> unknown = new ArrayList<>();
        for (String name : systemProperties.stringPropertyNames().stream().sorted().toList()) {
            if (name.startsWith(PREFIX) && !knobs.contains(name)) unknown.add(new Unknown("system property", name, nearest(name, knobs)));
        }
        for (String name : environment.keySet().stream().sorted().toList()) {
            if (!name.startsWith(ENV_PREFIX) || envNames.contains(name)) continue;
            if (knobs.stream().anyMatch(k -> k.toUpperCase(Locale.ROOT).replace('.', '_').equals(name))) continue;
            unknown.add(new Unknown("environment variable", name, nearest(name, envNames)));
        }
        for (String name : contextParamNames) {
            if (name.startsWith(PREFIX) && !knobs.contains(name)) unknown.add(new Unknown("context parameter", name, nearest(name, knobs)));
        }
        return unknown;
    }

    /** The candidate fewest edits away from {@code name}, ignoring case. */
    static String nearest(String name, List<String> candidates) {
        return candidates.stream()
                .min(Comparator.comparingInt((String c) -> editDistance(name.toLowerCase(Locale.ROOT), c.toLowerCase(Locale.ROOT))))
                .orElse("none");
    }

    /** Levenshtein distance: insertions, deletions and substitutions. */
    static int editDistance(String a, String b) {
        int[] previous = new int[b.length() + 1];
        int[] current = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) previous[j] = j;
        for (int i = 1; i <= a.length(); i++) {
            current[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int substitution = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                current[j] = Math.min(substitution, Math.min(previous[j], current[j - 1]) + 1);
            }
            int[] swap = previous;
            previous = current;
            current = swap;
        }
        return previous[b.length()];
    }
}
