package io.streamlet.config;

/** A secret from the configuration; its {@code toString} never shows it, so it cannot end up in a log. */
public record Secret(String value) {
    public Secret {
        if (value.isEmpty()) throw new IllegalArgumentException("empty secret");
    }

    @Override
    public String toString() {
        return "(secret)";
    }
}
