package io.streamlet.testing;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * FLV tag bodies (= RTMP audio and video payloads) that carry {@link EncodedMedia} as encoders send it:
 * Enhanced RTMP ({@code ExVideoTagHeader}: the ex-header bit, frame type, packet type, FourCC;
 * {@code ExAudioTagHeader}: SoundFormat 9, packet type, FourCC), and the legacy HEVC form with codec
 * id 12 that many encoders used before (AVC's layout with another codec id).
 */
public final class EnhancedRtmpTags {
    public static final int FRAME_KEY = 1;
    public static final int FRAME_INTER = 2;

    // Packet types, video and audio alike for these.
    public static final int SEQUENCE_START = 0;
    public static final int CODED_FRAMES = 1;
    public static final int SEQUENCE_END = 2;
    /** Video only: CodedFrames without the composition time offset, which is then 0. */
    public static final int CODED_FRAMES_X = 3;
    public static final int MOD_EX = 7;

    private static final int IS_EX_VIDEO_HEADER = 0x80;
    private static final int EX_AUDIO_SOUND_FORMAT = 9;
    private static final int LEGACY_HEVC = 12;

    private EnhancedRtmpTags() {}

    /** Video SequenceStart: the configuration record ({@code hvcC} / {@code av1C}). */
    public static byte[] sequenceStart(EncodedMedia video) {
        return exVideo(FRAME_KEY, SEQUENCE_START, video.codec.fourCc, video.configurationRecord);
    }

    /** Video CodedFrames: for HEVC with a composition time offset (0: the test streams have no B-frames). */
    public static byte[] codedFrames(EncodedMedia video, int index) {
        EncodedMedia.Frame frame = video.frames.get(index);
        byte[] compositionTime = video.codec == EncodedMedia.Codec.HEVC ? new byte[3] : new byte[0];
        return exVideo(frameType(frame), CODED_FRAMES, video.codec.fourCc, compositionTime, frame.data());
    }

    /** Video CodedFramesX (AVC and HEVC only). */
    public static byte[] codedFramesX(EncodedMedia video, int index) {
        if (video.codec != EncodedMedia.Codec.HEVC) throw new IllegalArgumentException("CodedFramesX is for AVC and HEVC");
        EncodedMedia.Frame frame = video.frames.get(index);
        return exVideo(frameType(frame), CODED_FRAMES_X, video.codec.fourCc, frame.data());
    }

    /** Video SequenceEnd, with the key frame type as ffmpeg's FLV muxer writes it. */
    public static byte[] sequenceEnd(EncodedMedia video) {
        return exVideo(FRAME_KEY, SEQUENCE_END, video.codec.fourCc);
    }

    /** An ex-header video body: header byte, FourCC (any four characters, or fewer to make it malformed), then the parts. */
    public static byte[] exVideo(int frameType, int packetType, String fourCc, byte[]... parts) {
        return body(IS_EX_VIDEO_HEADER | frameType << 4 | packetType, fourCc, parts);
    }

    /** Audio SequenceStart (for Opus the ID header, {@code OpusHead}). */
    public static byte[] audioSequenceStart(EncodedMedia audio) {
        return exAudio(SEQUENCE_START, audio.codec.fourCc, audio.configurationRecord);
    }

    public static byte[] audioCodedFrames(EncodedMedia audio, int index) {
        return exAudio(CODED_FRAMES, audio.codec.fourCc, audio.frames.get(index).data());
    }

    /** An ex-header audio body: SoundFormat 9 and the packet type, FourCC, then the parts. */
    public static byte[] exAudio(int packetType, String fourCc, byte[]... parts) {
        return body(EX_AUDIO_SOUND_FORMAT << 4 | packetType, fourCc, parts);
    }

    /** Legacy codec id 12: keyframe, AVCPacketType 0 (sequence header), composition time 0, {@code hvcC}. */
    public static byte[] legacyHevcSequenceHeader(EncodedMedia video) {
        return legacyHevc(FRAME_KEY, SEQUENCE_START, video.configurationRecord);
    }

    /** Legacy codec id 12: AVCPacketType 1 (NAL units), composition time 0, length-prefixed NAL units. */
    public static byte[] legacyHevcFrame(EncodedMedia video, int index) {
        EncodedMedia.Frame frame = video.frames.get(index);
        return legacyHevc(frameType(frame), CODED_FRAMES, frame.data());
    }

    /** Legacy codec id 12: AVCPacketType 2 (end of sequence), with the key frame type as encoders write it. */
    public static byte[] legacyHevcSequenceEnd() {
        return legacyHevc(FRAME_KEY, SEQUENCE_END, new byte[0]);
    }

    private static byte[] legacyHevc(int frameType, int avcPacketType, byte[] data) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.write(frameType << 4 | LEGACY_HEVC);
        body.write(avcPacketType);
        EncodedMedia.writeUint(body, 0, 3); // composition time
        body.writeBytes(data);
        return body.toByteArray();
    }

    private static byte[] body(int firstByte, String fourCc, byte[]... parts) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.write(firstByte);
        body.writeBytes(fourCc.getBytes(StandardCharsets.US_ASCII));
        for (byte[] part : parts) body.writeBytes(part);
        return body.toByteArray();
    }

    public static int frameType(EncodedMedia.Frame frame) {
        return frame.keyframe() ? FRAME_KEY : FRAME_INTER;
    }

    /** A FourCC as the number {@code onMetaData}'s {@code videocodecid} / {@code audiocodecid} carry for E-RTMP codecs. */
    public static double fourCcNumber(String fourCc) {
        byte[] b = fourCc.getBytes(StandardCharsets.US_ASCII);
        return (double) ((b[0] & 0xFFL) << 24 | (b[1] & 0xFF) << 16 | (b[2] & 0xFF) << 8 | (b[3] & 0xFF));
    }
}
