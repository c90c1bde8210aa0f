package io.streamlet.flv;

/**
 * What the live core needs to know about one audio or video tag body (FLV E.4.2/E.4.3 and Enhanced
 * RTMP v2): is it a keyframe (a join point), a codec configuration (sequence header / SequenceStart,
 * cached for new players), and which codec, as a FourCC-style name.
 */
public record MediaInfo(boolean keyframe, boolean sequenceHeader, String codec) {

    private static final String[] LEGACY_VIDEO = {
        null, "jpeg", "h263", "scr1", "vp6f", "vp6a", "scr2", "avc1", "vp8", "vp9", null, null, "hvc1", "av01"
    };
    private static final String[] LEGACY_AUDIO = {
        "lpcm", "adpcm", ".mp3", "lpcm", "nell", "nell", "nell", "alaw", "ulaw", null, "mp4a", "spx", null, null,
        ".mp3", "device"
    };

    // Enhanced RTMP video packet types (the low nibble when the ex-header bit is set).
    private static final int VIDEO_SEQUENCE_START = 0;
    private static final int VIDEO_CODED_FRAMES = 1;
    private static final int VIDEO_CODED_FRAMES_X = 3;
    private static final int VIDEO_METADATA = 4;
    /** AV1's configuration as its MPEG-2 TS descriptor: a sequence header like SequenceStart. */
    private static final int VIDEO_MPEG2TS_SEQUENCE_START = 5;
    private static final int VIDEO_MULTITRACK = 6;
    private static final int VIDEO_MOD_EX = 7;
    // Enhanced RTMP audio packet types.
    private static final int AUDIO_SEQUENCE_START = 0;
    private static final int AUDIO_MULTITRACK = 5;
    private static final int AUDIO_MOD_EX = 7;
    private static final int AUDIO_EX_HEADER = 9;
    private static final int FRAME_KEY = 1;
    private static final int FRAME_COMMAND = 5;

    /** Inspects a video tag body. @throws IllegalArgumentException a body too short for its header */
    public static MediaInfo video(byte[] body) {
        require(body, 1, "empty video tag");
        int b0 = body[0] & 0xFF;
        int frameType = (b0 >>> 4) & 0x07;
        if ((b0 & 0x80) == 0) {
            int codecId = b0 & 0x0F;
            String codec = codecId < LEGACY_VIDEO.length ? LEGACY_VIDEO[codecId] : null;
            // AVC, HEVC (codec id 12) and AV1 (13) carry an AVCPacketType byte: 0 is the configuration record,
            // 1 coded frames, 2 the end of sequence (which encoders flag as a keyframe, but nothing follows it).
            boolean hasPacketType = codecId == 7 || codecId == 12 || codecId == 13;
            if (hasPacketType) require(body, 2, "video tag without AVCPacketType");
            boolean config = hasPacketType && body[1] == 0;
            boolean frames = !hasPacketType || body[1] == 1;
            return new MediaInfo(frameType == FRAME_KEY && frames, config, codec == null ? "video" + codecId : codec);
        }
        ExHeader ex = ExHeader.parse(body, VIDEO_MOD_EX, VIDEO_MULTITRACK, "video");
        int packetType = ex.packetType();
        String fourCc = ex.fourCc();
        if (frameType == FRAME_COMMAND && packetType != VIDEO_METADATA) return new MediaInfo(false, false, fourCc);
        boolean config = packetType == VIDEO_SEQUENCE_START || packetType == VIDEO_MPEG2TS_SEQUENCE_START;
        // Only coded frames are join points: SequenceEnd and Metadata come with the key frame type too.
        boolean frames = packetType == VIDEO_CODED_FRAMES || packetType == VIDEO_CODED_FRAMES_X;
        return new MediaInfo(frameType == FRAME_KEY && frames, config, fourCc);
    }

    /** Inspects an audio tag body. @throws IllegalArgumentException a body too short for its header */
    public static MediaInfo audio(byte[] body) {
        require(body, 1, "empty audio tag");
        int soundFormat = (body[0] & 0xF0) >>> 4;
        if (soundFormat != AUDIO_EX_HEADER) {
            boolean aac = soundFormat == 10;
            if (aac) require(body, 2, "AAC tag without AACPacketType");
            String codec = LEGACY_AUDIO[soundFormat];
            return new MediaInfo(false, aac && body[1] == 0, codec == null ? "audio" + soundFormat : codec);
        }
        ExHeader ex = ExHeader.parse(body, AUDIO_MOD_EX, AUDIO_MULTITRACK, "audio");
        return new MediaInfo(false, ex.packetType() == AUDIO_SEQUENCE_START, ex.fourCc());
    }

    /**
     * An Enhanced RTMP audio or video ex-header: the packet type in the first byte's low nibble, then any
     * ModEx blocks (each ending in the next packet type), then for Multitrack the AvMultitrackType byte
     * (whose low nibble is the real packet type), then the FourCC.
     */
    private record ExHeader(int packetType, String fourCc) {
        static ExHeader parse(byte[] body, int modEx, int multitrack, String kind) {
            int at = 1;
            int packetType = body[0] & 0x0F;
            while (packetType == modEx) {
                at = skipModEx(body, at);
                packetType = body[at - 1] & 0x0F;
            }
            if (packetType == multitrack) {
                require(body, at + 1, "truncated multitrack " + kind + " header");
                packetType = body[at] & 0x0F;
                at++;
            }
            require(body, at + 4, "truncated enhanced " + kind + " header");
            return new ExHeader(packetType, MediaInfo.fourCc(body, at));
        }
    }

    /**
     * Skips one ModEx block starting at {@code at} (size, data, then the byte whose low nibble is the
     * next packet type) and returns the offset after it.
     */
    private static int skipModEx(byte[] body, int at) {
        require(body, at + 1, "truncated ModEx size");
        int size = (body[at++] & 0xFF) + 1;
        if (size == 256) {
            require(body, at + 2, "truncated ModEx size");
            size = (((body[at] & 0xFF) << 8) | (body[at + 1] & 0xFF)) + 1;
            at += 2;
        }
        require(body, at + size + 1, "truncated ModEx data");
        return at + size + 1;
    }

    private static String fourCc(byte[] b, int at) {
        char[] c = new char[4];
        for (int i = 0; i < 4; i++) {
            int ch = b[at + i] & 0xFF;
            c[i] = ch >= 0x20 && ch < 0x7F ? (char) ch : '?';
        }
        return new String(c);
    }

    private static void require(byte[] body, int length, String what) {
        if (body.length < length) throw new IllegalArgumentException(what + " (" + body.length + " bytes)");
    }
}
