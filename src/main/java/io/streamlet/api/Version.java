package io.streamlet.api;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;

/** Streamlet's version, as the Maven build wrote it into {@code version.properties}. */
final class Version {
    private Version() {}

    static String get() {
        Properties p = new Properties();
        try (InputStream in = Version.class.getResourceAsStream("version.properties")) {
            if (in != null) p.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read version.properties", e);
        }
        String v = p.getProperty("version", "");
        return v.isEmpty() || v.startsWith("${") ? "0.0.0-unknown" : v; // unfiltered: run outside the Maven build
    }
}
