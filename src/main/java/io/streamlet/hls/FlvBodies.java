package io.streamlet.hls;

import io.streamlet.flv.CodecDetails;
import io.streamlet.flv.MediaInfo;
import io.streamlet.hls.Media.Kind;
import java.util.Arrays;
import java.util.Map;

/** How the codec data sits in FLV tag bodies (FLV 10.1 E.4.2-E.4.3, Enhanced RTMP v2). */
final class FlvBodies {
    private static final int LEGACY_AVC = 7;
    private static final int LEGACY_HEVC = 12;
    private static final int VIDEO_COMMAND_FRAME = 5;
    private static final int SEQUENCE_START = 0;
    private static final int CODED_FRAMES = 1;
    private static final int CODED_FRAMES_X = 3;
    private static final int AUDIO_AAC = 10;
    private static final int AUDIO_MP3 = 2;
    private static final int AUDIO_MP3_8K = 14;
    private static final int AUDIO_EX_HEADER = 9;

    private FlvBodies() {}

    static Media video(long timestamp, byte[] body, Map<String, Object> metadata) {
        MediaInfo info = MediaInfo.video(body);
        int frameType = (body[0] >>> 4) & 0x07;
        if (frameType == VIDEO_COMMAND_FRAME) return null;
        int packetType;
        int dataAt;
        int compositionTime = 0;
        if ((body[0] & 0x80) == 0) {
            int codecId = body[0] & 0x0F;
            if (codecId != LEGACY_AVC && codecId != LEGACY_HEVC) return null;
            require(body, 5, "legacy AVC/HEVC video tag");
            packetType = body[1];
            compositionTime = signed24(body, 2);
            dataAt = 5;
        } else {
            packetType = body[0] & 0x0F;
            dataAt = 5; // after the FourCC; MediaInfo has rejected a shorter body
            boolean withCompositionTime = packetType == CODED_FRAMES && (info.codec().equals("avc1") || info.codec().equals("hvc1"));
            if (withCompositionTime) {
                require(body, 8, "Enhanced RTMP CodedFrames tag");
                compositionTime = signed24(body, 5);
                dataAt = 8;
            }
        }
        byte[] data = Arrays.copyOfRange(body, dataAt, body.length);
        if (packetType == SEQUENCE_START) {
            CodecDetails.Video details = CodecDetails.Video.parse(body, metadata);
            return new CodecConfig(Kind.VIDEO, info.codec(), data, details.width(), details.height(), 0, 0);
        }
        if (packetType != CODED_FRAMES && packetType != CODED_FRAMES_X) return null;
        return new MediaFrame(Kind.VIDEO, info.codec(), timestamp, compositionTime, info.keyframe(), data);
    }

    static Media audio(long timestamp, byte[] body) {
        MediaInfo info = MediaInfo.audio(body);
        int soundFormat = (body[0] & 0xF0) >>> 4;
        byte[] data;
        boolean config;
        switch (soundFormat) {
            case AUDIO_AAC -> {
                config = body[1] == 0;
                data = Arrays.copyOfRange(body, 2, body.length);
            }
            case AUDIO_MP3, AUDIO_MP3_8K -> {
                config = false;
                data = Arrays.copyOfRange(body, 1, body.length);
            }
            case AUDIO_EX_HEADER -> {
                int packetType = body[0] & 0x0F;
                if (packetType != SEQUENCE_START && packetType != CODED_FRAMES) return null;
                config = packetType == SEQUENCE_START;
                data = Arrays.copyOfRange(body, 5, body.length);
            }
            default -> {
                return null;
            }
        }
        if (!config) return new MediaFrame(Kind.AUDIO, info.codec(), timestamp, 0, false, data);
        // An Enhanced RTMP AAC SequenceStart holds the same AudioSpecificConfig as the legacy header.
        byte[] legacy = info.codec().equals("mp4a") && soundFormat == AUDIO_EX_HEADER ? legacyAacHeader(data) : body;
        CodecDetails.Audio details = CodecDetails.Audio.parse(legacy);
        return new CodecConfig(Kind.AUDIO, info.codec(), data, 0, 0, details.sampleRate(), details.channels());
    }

    private static byte[] legacyAacHeader(byte[] audioSpecificConfig) {
        byte[] body = new byte[2 + audioSpecificConfig.length];
        body[0] = (byte) 0xAF; // AAC, 44 kHz, 16-bit, stereo: what FLV requires of AAC
        System.arraycopy(audioSpecificConfig, 0, body, 2, audioSpecificConfig.length);
        return body;
    }

    private static int signed24(byte[] b, int at) {
        return (b[at] << 16) | (b[at + 1] & 0xFF) << 8 | b[at + 2] & 0xFF;
    }

    private static void require(byte[] body, int length, String what) {
        if (body.length < length) throw new IllegalArgumentException(what + " of " + body.length + " bytes");
    }
}
