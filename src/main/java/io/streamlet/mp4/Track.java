package io.streamlet.mp4;

import java.nio.charset.StandardCharsets;

/**
 * One track of a fragmented MP4: its codec, the codec's configuration record as the sample entry carries
 * it, and the time scale its sample times count in.
 *
 * @param config {@code avcC}, {@code hvcC} or {@code av1C} record; AAC's AudioSpecificConfig; Opus's ID
 *     header ({@code OpusHead}, RFC 7845 5.1), which the muxer turns into a {@code dOps} box
 * @param width the picture width in pixels (video), 0 for audio; {@code height} likewise
 * @param sampleRate Hz (audio), 0 for video; {@code channels} likewise
 */
public record Track(int id, Codec codec, byte[] config, int timescale, int width, int height, int sampleRate, int channels) {
    /** Video counts in 90 kHz, as MPEG does: milliseconds convert exactly. */
    public static final int VIDEO_TIMESCALE = 90_000;

    public enum Codec {
        AVC("avc1", "avcC", true),
        HEVC("hvc1", "hvcC", true),
        AV1("av01", "av1C", true),
        AAC("mp4a", "esds", false),
        OPUS("Opus", "dOps", false);

        final String sampleEntry;
        final String configBox;
        final boolean video;

        Codec(String sampleEntry, String configBox, boolean video) {
            this.sampleEntry = sampleEntry;
            this.configBox = configBox;
            this.video = video;
        }
    }

    public Track {
        if (id < 1) throw new IllegalArgumentException("track ids start at 1");
        if (timescale < 1) throw new IllegalArgumentException("time scale " + timescale);
        if (codec == Codec.OPUS && (config.length < 19 || !new String(config, 0, 8, StandardCharsets.US_ASCII).equals("OpusHead"))) {
            throw new IllegalArgumentException("Opus configuration is not an OpusHead");
        }
    }

    public static Track video(int id, Codec codec, byte[] config, int width, int height) {
        if (!codec.video) throw new IllegalArgumentException(codec + " is not video");
        return new Track(id, codec, config, VIDEO_TIMESCALE, width, height, 0, 0);
    }

    /**
     * An audio track counting time in samples. Opus always decodes at 48 kHz (RFC 7845 5.1), whatever the
     * input rate, and its channel count is the OpusHead's: {@code sampleRate} and {@code channels} are ignored.
     */
    public static Track audio(int id, Codec codec, byte[] config, int sampleRate, int channels) {
        if (codec.video) throw new IllegalArgumentException(codec + " is not audio");
        if (codec == Codec.OPUS) {
            // The OpusHead gives the channel count (byte 9); the constructor checks that it is one.
            return new Track(id, codec, config, 48_000, 0, 0, 48_000, config.length > 9 ? config[9] & 0xFF : 0);
        }
        return new Track(id, codec, config, sampleRate, 0, 0, sampleRate, channels);
    }

    public boolean isVideo() {
        return codec.video;
    }
}
