package io.streamlet.testing;

import io.streamlet.amf.Amf0;
import java.io.IOException;
import java.util.Map;

/**
 * FLV tag bodies (= RTMP media payloads) of an H.264 + AAC stream, for tests of the paths that route
 * media without decoding it. The bytes carry the right FLV/AVC/AAC headers; the codec data is filler.
 */
public final class SyntheticMedia {
    private SyntheticMedia() {}

    /** AVC sequence header; {@code version} varies the configuration record so changes are visible. */
    public static byte[] avcSequenceHeader(int version) {
        return new byte[] {0x17, 0, 0, 0, 0, 1, 0x42, 0, (byte) version, (byte) 0xFF, (byte) 0xE1, 0, 4, 0x67, 0x42, 0, 0x1E,
            1, 0, 2, 0x68, (byte) 0xCE};
    }

    public static byte[] avcFrame(boolean keyframe, int size) {
        byte[] b = new byte[Math.max(size, 9)];
        b[0] = (byte) (keyframe ? 0x17 : 0x27);
        b[1] = 1; // NALU
        b[5] = 0;
        b[8] = (byte) (keyframe ? 0x65 : 0x41);
        return b;
    }

    public static byte[] aacSequenceHeader() {
        return new byte[] {(byte) 0xAF, 0, 0x12, 0x10};
    }

    public static byte[] aacFrame(int size) {
        byte[] b = new byte[Math.max(size, 3)];
        b[0] = (byte) 0xAF;
        b[1] = 1;
        return b;
    }

    /** {@code @setDataFrame onMetaData {...}} as encoders send it over RTMP, with a duration to be dropped. */
    public static byte[] setDataFrame(Map<String, Object> properties) {
        return Amf0.encode("@setDataFrame", "onMetaData", new Amf0.EcmaArray(properties));
    }

    public static byte[] metadata(boolean audio, boolean video) {
        Amf0.EcmaArray m = new Amf0.EcmaArray();
        m.put("duration", 0.0);
        if (video) {
            m.put("width", 640.0);
            m.put("height", 360.0);
            m.put("videocodecid", 7.0);
        }
        if (audio) m.put("audiocodecid", 10.0);
        return setDataFrame(m);
    }

    /** Sends onMetaData (with a duration to be dropped) and the AVC and AAC sequence headers at 0. */
    public static void sendHeaders(RtmpTestPublisher p) throws IOException {
        p.sendMetadata(Map.of("width", 640.0, "height", 360.0, "videocodecid", 7.0, "audiocodecid", 10.0, "duration", 0.0));
        p.sendVideo(0, avcSequenceHeader(1));
        p.sendAudio(0, aacSequenceHeader());
    }

    /** Sends frames [from, to) of a 30 fps stream with a keyframe every 30 frames, audio in between. */
    public static void sendFrames(RtmpTestPublisher p, long t0, int from, int to, int videoSize) throws IOException {
        for (int f = from; f < to; f++) {
            long t = t0 + f * 1000L / 30;
            p.sendVideo(t, avcFrame(f % 30 == 0, videoSize));
            p.sendAudio(t + 10, aacFrame(40));
        }
    }
}
