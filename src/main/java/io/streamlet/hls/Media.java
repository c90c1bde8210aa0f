package io.streamlet.hls;

import io.streamlet.flv.FlvTag;
import io.streamlet.flv.MediaInfo;
import java.util.Map;

/**
 * What the {@link Segmenter} takes: a codec's configuration ({@link CodecConfig}) or a frame of media
 * ({@link MediaFrame}). {@link #fromFlvTag} reads both from FLV / RTMP tag bodies, legacy and Enhanced RTMP.
 */
public sealed interface Media permits CodecConfig, MediaFrame {
    enum Kind { VIDEO, AUDIO }

    Kind kind();

    /** The codec as {@link MediaInfo} names it: {@code avc1}, {@code hvc1}, {@code av01}, {@code mp4a}, {@code .mp3}, {@code Opus}... */
    String codec();

    /**
     * The media an audio or video tag carries, or null for a tag that carries none (script data, sequence
     * end, video info/command frames, Enhanced RTMP metadata, multitrack and ModEx bodies, and legacy codecs
     * from before AVC, which HLS cannot carry).
     *
     * @param timestamp the tag's decode time in milliseconds
     * @param metadata the stream's {@code onMetaData}, whose {@code width}/{@code height} stand in for
     *     the picture size where the configuration record does not give it
     * @throws IllegalArgumentException a body too short for its header
     */
    static Media fromFlvTag(int tagType, long timestamp, byte[] body, Map<String, Object> metadata) {
        return switch (tagType) {
            case FlvTag.VIDEO -> FlvBodies.video(timestamp, body, metadata);
            case FlvTag.AUDIO -> FlvBodies.audio(timestamp, body);
            default -> null;
        };
    }
}
