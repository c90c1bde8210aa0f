package io.streamlet.config;

import java.util.function.Function;

/**
 * The parts a webapp's listener shares with its servlets and filters, stored as context attributes named
 * by their class; taking a lookup function keeps servlet types out of this package.
 */
public final class ContextAttributes {
    private ContextAttributes() {}

    /** The attribute name under which a part of {@code type} is stored. */
    public static String nameOf(Class<?> type) {
        return type.getName();
    }

    /** The part of {@code type} from {@code attributes} ({@code context::getAttribute}). */
    public static <T> T require(Function<String, Object> attributes, Class<T> type) {
        Object part = attributes.apply(nameOf(type));
        if (part == null) throw new IllegalStateException(type.getSimpleName() + " is not in the context: is the listener "
                + "io.streamlet.webapp.StreamletListener registered in web.xml?");
        return type.cast(part);
    }
}
