package io.streamlet.live;

import io.streamlet.config.ConfigReader;
import java.util.Locale;

/**
 * The live core's knobs ({@code streamlet.live.*}): how much of a stream a source keeps and how far a
 * player may lag before it skips.
 */
public record LiveConfig(
        long queueLengthMs,
        long maxQueueBytes,
        int gopCacheMaxFrames,
        int logCapacity,
        long logMaxBytes,
        long trackGuessMs,
        Tracks tracks,
        long republishGraceMs,
        long stalePublisherMs) {

    /** The tracks the FLV header announces: guessed per stream, or fixed for the deployment. */
    public enum Tracks {
        AUTO, AUDIO_VIDEO, AUDIO, VIDEO;

        /** The knob's spelling: {@code auto}, {@code audio+video}, {@code audio}, {@code video}. */
        public String knobValue() {
            return name().toLowerCase(Locale.ROOT).replace('_', '+');
        }
    }

    public static LiveConfig read(ConfigReader r) {
        return new LiveConfig(
                r.duration("streamlet.live.queueLength", 10_000, 500, 600_000),
                r.size("streamlet.live.maxQueueBytes", 32L * 1024 * 1024, 64 * 1024, 1L << 40),
                r.integer("streamlet.live.gopCacheMaxFrames", 2500, 1, 1_000_000),
                r.powerOfTwo("streamlet.live.logCapacity", 8192, 64, 1 << 24),
                r.size("streamlet.live.logMaxBytes", 64L * 1024 * 1024, 64 * 1024, 1L << 40),
                r.duration("streamlet.live.trackGuess", 1_000, 0, 60_000),
                r.choice("streamlet.live.tracks", Tracks.AUTO, Tracks.class, Tracks::knobValue),
                r.duration("streamlet.live.republishGrace", 0, 0, 600_000),
                r.duration("streamlet.live.stalePublisher", 3_000, 100, 600_000));
    }

    public static LiveConfig defaults() {
        return read(new ConfigReader(name -> null));
    }
}
