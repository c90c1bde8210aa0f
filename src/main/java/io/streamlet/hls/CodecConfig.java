package io.streamlet.hls;

/**
 * A codec's configuration, as a sequence header carries it: {@code avcC}, {@code hvcC} or {@code av1C}
 * for video, the AudioSpecificConfig for AAC, the {@code OpusHead} for Opus.
 *
 * @param width the picture size in pixels (video; 0 when unknown), {@code height} likewise
 * @param sampleRate Hz (audio; 0 when unknown), {@code channels} likewise
 */
public record CodecConfig(Kind kind, String codec, byte[] record, int width, int height, int sampleRate, int channels)
        implements Media {}
