package io.streamlet;

import io.streamlet.auth.IpRange;
import io.streamlet.auth.Secret;
import io.streamlet.config.KnobNames;
import io.streamlet.servlet.FlvMount;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;

/**
 * Every knob of the server, parsed and validated once at start.
 *
 * <p>Each knob has a name such as {@code streamlet.rtmp.port}. Its value comes from, in order of
 * precedence: the JVM system property of that name, the environment variable of that name in upper snake
 * case ({@code STREAMLET_RTMP_PORT}, {@code STREAMLET_AUTH_PLAY_SECRET}), the {@code web.xml} context
 * parameter of that name, and last the default here (see {@link KnobNames}). A bad value fails {@link #load} with a message naming the knob.
 *
 * <p>Durations take {@code ms}, {@code s} or {@code m} suffixes (a bare number is milliseconds); sizes
 * take {@code KiB}, {@code MiB} or {@code GiB} (a bare number is bytes).
 */
public record StreamletConfig(
        boolean rtmpEnabled,
        String rtmpHost,
        int rtmpPort,
        boolean rtmpFailOnBindError,
        int rtmpMaxConnections,
        int rtmpOutChunkSize,
        int rtmpMaxMessageSize,
        int rtmpAckWindow,
        long rtmpHandshakeTimeoutMs,
        long rtmpIdleTimeoutMs,
        long queueLengthMs,
        long maxQueueBytes,
        int gopCacheMaxFrames,
        int logCapacity,
        long logMaxBytes,
        long trackGuessMs,
        Tracks tracks,
        long republishGraceMs,
        long stalePublisherMs,
        int writeBatchBytes,
        FlvMount flvMount,
        long playerStallTimeoutMs,
        int fanoutThreads,
        long shutdownDrainMs,
        String apiUsername,
        Secret apiPassword,
        boolean corsEnabled,
        List<String> corsAllowOrigins,
        Secret authPublishSecret,
        Secret authPlaySecret,
        List<IpRange> authPublishAllow,
        List<IpRange> authPublishDeny,
        List<IpRange> authPlayAllow,
        List<IpRange> authPlayDeny,
        List<URI> hooksOnPublish,
        List<URI> hooksOnUnpublish,
        List<URI> hooksOnPlay,
        List<URI> hooksOnStop,
        long hooksTimeoutMs) {

    public StreamletConfig {
        if ((apiUsername == null) != (apiPassword == null)) {
            throw new InvalidConfigException("streamlet.api.username and streamlet.api.password must be set together"
                    + " (Basic auth for the HTTP API and /metrics), or neither");
        }
    }

    /** The tracks the FLV header announces: guessed per stream, or fixed for the deployment. */
    public enum Tracks {
        AUTO, AUDIO_VIDEO, AUDIO, VIDEO;

        /** The knob's spelling: {@code auto}, {@code audio+video}, {@code audio}, {@code video}. */
        String knobValue() {
            return name().toLowerCase(Locale.ROOT).replace('_', '+');
        }
    }

    /** Where a knob's raw value comes from (context parameters, properties, environment). */
    @FunctionalInterface
    public interface Source extends Function<String, String> {
        /**
         * System property, then environment variable, then {@code contextParams}; the returned source records
         * the names asked for, to find the settings that no knob reads ({@link KnobNames#unknownNames}).
         */
        static KnobNames layered(Function<String, String> contextParams) {
            return new KnobNames(contextParams);
        }
    }

    /** Thrown when a knob has a value that cannot work; the message names the knob. */
    public static final class InvalidConfigException extends RuntimeException {
        InvalidConfigException(String message) {
            super(message);
        }
    }

    /** Defaults for everything: what `mvn jetty:run` and the tests start from. */
    public static StreamletConfig defaults() {
        return load(name -> null);
    }

    public static StreamletConfig load(Function<String, String> source) {
        Reader r = new Reader(source);
        return new StreamletConfig(
                r.bool("streamlet.rtmp.enabled", true),
                r.string("streamlet.rtmp.host", "0.0.0.0"),
                r.integer("streamlet.rtmp.port", 1935, 0, 65535),
                r.bool("streamlet.rtmp.failOnBindError", true),
                r.integer("streamlet.rtmp.maxConnections", 256, 1, 100_000),
                (int) r.size("streamlet.rtmp.outChunkSize", 60000, 128, 16 * 1024 * 1024),
                (int) r.size("streamlet.rtmp.maxMessageSize", 8 * 1024 * 1024, 1024, 64 * 1024 * 1024),
                (int) r.size("streamlet.rtmp.ackWindow", 2_500_000, 1024, Integer.MAX_VALUE),
                r.duration("streamlet.rtmp.handshakeTimeout", 10_000, 100, 600_000),
                r.duration("streamlet.rtmp.idleTimeout", 20_000, 100, 3_600_000),
                r.duration("streamlet.live.queueLength", 10_000, 500, 600_000),
                r.size("streamlet.live.maxQueueBytes", 32L * 1024 * 1024, 64 * 1024, 1L << 40),
                r.integer("streamlet.live.gopCacheMaxFrames", 2500, 1, 1_000_000),
                powerOfTwo(r.integer("streamlet.live.logCapacity", 8192, 64, 1 << 24)),
                r.size("streamlet.live.logMaxBytes", 64L * 1024 * 1024, 64 * 1024, 1L << 40),
                r.duration("streamlet.live.trackGuess", 1_000, 0, 60_000),
                r.choice("streamlet.live.tracks", Tracks.AUTO, Tracks.class),
                r.duration("streamlet.live.republishGrace", 0, 0, 600_000),
                r.duration("streamlet.live.stalePublisher", 3_000, 100, 600_000),
                (int) r.size("streamlet.http.writeBatch", 16 * 1024, 512, 16 * 1024 * 1024),
                r.parsed("streamlet.http.flvMount", FlvMount.DEFAULT, FlvMount::parse),
                r.duration("streamlet.http.playerStallTimeout", 20_000, 100, 3_600_000),
                r.integer("streamlet.http.fanoutThreads", Runtime.getRuntime().availableProcessors(), 1, 1024),
                r.duration("streamlet.http.shutdownDrain", 5_000, 0, 600_000),
                r.string("streamlet.api.username", null),
                r.secret("streamlet.api.password"),
                r.bool("streamlet.cors.enabled", true),
                r.list("streamlet.cors.allowOrigins", "*"),
                r.secret("streamlet.auth.publishSecret"),
                r.secret("streamlet.auth.playSecret"),
                r.ipRanges("streamlet.auth.publishAllow"),
                r.ipRanges("streamlet.auth.publishDeny"),
                r.ipRanges("streamlet.auth.playAllow"),
                r.ipRanges("streamlet.auth.playDeny"),
                r.httpUrls("streamlet.hooks.onPublish"),
                r.httpUrls("streamlet.hooks.onUnpublish"),
                r.httpUrls("streamlet.hooks.onPlay"),
                r.httpUrls("streamlet.hooks.onStop"),
                r.duration("streamlet.hooks.timeout", 3_000, 10, 60_000));
    }

    private static int powerOfTwo(int n) {
        return Integer.highestOneBit(n - 1) << 1;
    }

    /** Parses one knob at a time, naming it in every error. */
    private static final class Reader {
        private final Function<String, String> source;

        Reader(Function<String, String> source) {
            this.source = source;
        }

        String string(String name, String dflt) {
            String v = source.apply(name);
            return v == null ? dflt : v;
        }

        boolean bool(String name, boolean dflt) {
            String v = source.apply(name);
            if (v == null) return dflt;
            return switch (v.toLowerCase(Locale.ROOT)) {
                case "true", "on", "yes" -> true;
                case "false", "off", "no" -> false;
                default -> throw bad(name, v, "expected true or false");
            };
        }

        int integer(String name, int dflt, int min, int max) {
            String v = source.apply(name);
            if (v == null) return dflt;
            try {
                return (int) inRange(name, v, Long.parseLong(v), min, max);
            } catch (NumberFormatException e) {
                throw bad(name, v, "expected a whole number");
            }
        }

        long duration(String name, long dfltMs, long min, long max) {
            String v = source.apply(name);
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

        long size(String name, long dflt, long min, long max) {
            String v = source.apply(name);
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
        <T> T parsed(String name, String dflt, Function<String, T> parser) {
            String v = string(name, dflt);
            try {
                return parser.apply(v);
            } catch (IllegalArgumentException e) {
                throw bad(name, v, e.getMessage());
            }
        }

        <E extends Enum<E>> E choice(String name, E dflt, Class<E> type) {
            String v = source.apply(name);
            if (v == null) return dflt;
            List<String> spellings = new ArrayList<>();
            for (E e : type.getEnumConstants()) {
                String spelling = e instanceof Tracks t ? t.knobValue() : e.name().toLowerCase(Locale.ROOT);
                if (spelling.equalsIgnoreCase(v)) return e;
                spellings.add(spelling);
            }
            throw bad(name, v, "expected one of " + String.join(", ", spellings));
        }

        List<String> list(String name, String dflt) {
            List<String> out = new ArrayList<>();
            for (String part : string(name, dflt).split(",")) {
                if (!part.isBlank()) out.add(part.trim());
            }
            return List.copyOf(out);
        }

        /** Null when unset: the feature the secret turns on stays off. */
        Secret secret(String name) {
            String v = source.apply(name);
            return v == null ? null : new Secret(v);
        }

        List<IpRange> ipRanges(String name) {
            List<IpRange> out = new ArrayList<>();
            for (String part : list(name, "")) {
                try {
                    out.add(IpRange.parse(part));
                } catch (IllegalArgumentException e) {
                    throw bad(name, part, e.getMessage());
                }
            }
            return List.copyOf(out);
        }

        List<URI> httpUrls(String name) {
            List<URI> out = new ArrayList<>();
            for (String part : list(name, "")) {
                try {
                    URI url = new URI(part);
                    if (!"http".equals(url.getScheme()) && !"https".equals(url.getScheme()) || url.getHost() == null) {
                        throw bad(name, part, "expected http:// or https:// URLs separated by commas");
                    }
                    out.add(url);
                } catch (URISyntaxException e) {
                    throw bad(name, part, e.getMessage());
                }
            }
            return List.copyOf(out);
        }

        private long inRange(String name, String raw, long value, long min, long max) {
            if (value < min || value > max) throw bad(name, raw, "must be between " + min + " and " + max);
            return value;
        }

        private InvalidConfigException bad(String name, String raw, String why) {
            return new InvalidConfigException("invalid value '" + raw + "' for " + name + ": " + why);
        }
    }
}
