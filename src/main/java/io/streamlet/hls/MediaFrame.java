package io.streamlet.hls;

/**
 * One frame of media: a video access unit as FLV and MP4 carry it (NAL units each after its length for
 * H.264 / HEVC; OBUs for AV1) or one audio frame (raw AAC, MP3, an Opus packet).
 *
 * @param dts decode time in milliseconds
 * @param cts composition time offset in milliseconds (presentation = dts + cts; B-frames make it positive)
 * @param keyframe a video frame decodable on its own; always false for audio, every frame of which is
 */
public record MediaFrame(Kind kind, String codec, long dts, int cts, boolean keyframe, byte[] data) implements Media {}
