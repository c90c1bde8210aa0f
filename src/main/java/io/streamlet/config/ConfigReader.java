package io.streamlet.config;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;

/**
 * Reads typed knobs from a source of raw values ({@link KnobNames} in a webapp), one at a time, naming the knob in every error. Each
 * module reads its own part of the configuration with it ({@code LiveConfig.read(reader)}, ...).
 *
 * <p>Durations take {@code ms}, {@code s} or {@code m} suffixes (a bare number is milliseconds); sizes
 * take {@code KiB}, {@code MiB} or {@code GiB} (a bare number is bytes).
 */
public final class ConfigReader {
    private final Function<String, String> source;

    public ConfigReader(Function<String, String> source) {
        this.source = source;
    }

    private String raw(String name) {
        String v = source.apply(name);
        return v == null || v.isBlank() ? null : v.trim();
    }

    public String string(String name, String dflt) {
        String v = raw(name);
        return v == null ? dflt : v;
    }

    public boolean bool(String name, boolean dflt) {
        String v = raw(name);
        if (v == null) return dflt;
        return switch (v.toLowerCase(Locale.ROOT)) {
            case "true", "on", "yes" -> true;
            case "false", "off", "no" -> false;
            default -> throw bad(name, v, "expected true or false");
        };
    }

    public int integer(String name, int dflt, int min, int max) {
        String v = raw(name);
        if (v == null) return dflt;
        try {
            return (int) inRange(name, v, Long.parseLong(v), min, max);
        } catch (NumberFormatException e) {
            throw bad(name, v, "expected a whole number");
        }
    }

    /** A whole number rounded up to a power of two (ring sizes). */
    public int powerOfTwo(String name, int dflt, int min, int max) {
        int n = integer(name, dflt, min, max);
        return Integer.highestOneBit(n - 1) << 1;
    }

    public long duration(String name, long dfltMs, long min, long max) {
        String v = raw(name);
        if (v == null) return dfltMs;
        String s = v.toLowerCase(Locale.ROOT);
        long unit = 1;
        if (s.endsWith("ms")) {
            s = s.substring(0, s.length() - 2);
        } else if (s.endsWith("s")) {
            s = s.substring(0, s.length() - 1);
            unit = 1000;
        } else if (s.endsWith("m")) {
            s = s.substring(0, s.length() - 1);
            unit = 60_000;
        }
        try {
            return inRange(name, v, Math.multiplyExact(Long.parseLong(s.trim()), unit), min, max);
        } catch (NumberFormatException | ArithmeticException e) {
            throw bad(name, v, "expected a duration such as 500ms, 10s or 2m");
        }
    }

    public long size(String name, long dflt, long min, long max) {
        String v = raw(name);
        if (v == null) return dflt;
        String s = v.toLowerCase(Locale.ROOT);
        long unit = 1;
        for (String[] suffix : new String[][] {{"kib", "1024"}, {"mib", "1048576"}, {"gib", "1073741824"}}) {
            if (s.endsWith(suffix[0])) {
                s = s.substring(0, s.length() - 3);
                unit = Long.parseLong(suffix[1]);
            }
        }
        try {
            return inRange(name, v, Math.multiplyExact(Long.parseLong(s.trim()), unit), min, max);
        } catch (NumberFormatException | ArithmeticException e) {
            throw bad(name, v, "expected a size such as 65536, 64KiB or 8MiB");
        }
    }

    /** A value parsed by {@code parser}, whose IllegalArgumentException says why it cannot work. */
    public <T> T parsed(String name, String dflt, Function<String, T> parser) {
        String v = string(name, dflt);
        try {
            return parser.apply(v);
        } catch (IllegalArgumentException e) {
            throw bad(name, v, e.getMessage());
        }
    }

    /** One of an enum's constants, spelled as {@code spelling} gives it (case-insensitive). */
    public <E extends Enum<E>> E choice(String name, E dflt, Class<E> type, Function<E, String> spelling) {
        String v = raw(name);
        if (v == null) return dflt;
        List<String> spellings = new ArrayList<>();
        for (E e : type.getEnumConstants()) {
            if (spelling.apply(e).equalsIgnoreCase(v)) return e;
            spellings.add(spelling.apply(e));
        }
        throw bad(name, v, "expected one of " + String.join(", ", spellings));
    }

    /** A comma-separated list; blank parts are dropped. */
    public List<String> list(String name, String dflt) {
        List<String> out = new ArrayList<>();
        for (String part : string(name, dflt).split(",")) {
            if (!part.isBlank()) out.add(part.trim());
        }
        return List.copyOf(out);
    }

    /** A comma-separated list whose every part {@code parser} accepts. */
    public <T> List<T> parsedList(String name, Function<String, T> parser) {
        List<T> out = new ArrayList<>();
        for (String part : list(name, "")) {
            try {
                out.add(parser.apply(part));
            } catch (IllegalArgumentException e) {
                throw bad(name, part, e.getMessage());
            }
        }
        return List.copyOf(out);
    }

    /** Null when unset: the feature the secret turns on stays off. */
    public Secret secret(String name) {
        String v = raw(name);
        return v == null ? null : new Secret(v);
    }

    public List<URI> httpUrls(String name) {
        return parsedList(name, part -> {
            try {
                URI url = new URI(part);
                if (!"http".equals(url.getScheme()) && !"https".equals(url.getScheme()) || url.getHost() == null) {
                    throw new IllegalArgumentException("expected http:// or https:// URLs separated by commas");
                }
                return url;
            } catch (URISyntaxException e) {
                throw new IllegalArgumentException(e.getMessage());
            }
        });
    }

    private long inRange(String name, String raw, long value, long min, long max) {
        if (value < min || value > max) throw bad(name, raw, "must be between " + min + " and " + max);
        return value;
    }

    private static InvalidConfigException bad(String name, String raw, String why) {
        return new InvalidConfigException("invalid value '" + raw + "' for " + name + ": " + why);
    }
}
