package io.streamlet.ts;

/** The elementary streams the muxer carries, with their PMT stream_type (ISO/IEC 13818-1 Table 2-34). */
public enum StreamType {
    H264(0x1B, true),
    HEVC(0x24, true),
    /** AAC in ADTS frames (ISO/IEC 13818-7). */
    AAC(0x0F, false),
    /** MPEG-1 audio (MP3 at 32, 44.1 and 48 kHz). */
    MPEG1_AUDIO(0x03, false),
    /** MPEG-2 audio, the lower sampling frequencies of MP3 (16, 22.05 and 24 kHz). */
    MPEG2_AUDIO(0x04, false);

    final int code;
    final boolean video;

    StreamType(int code, boolean video) {
        this.code = code;
        this.video = video;
    }

    /**
     * The type of an MP3 stream, from its first frame header: the version bits say MPEG-1 (11) or
     * MPEG-2 / 2.5 (10, 00). @throws IllegalArgumentException if {@code frame} does not start with a frame sync
     */
    public static StreamType ofMp3(byte[] frame) {
        if (frame.length < 2 || (frame[0] & 0xFF) != 0xFF || (frame[1] & 0xE0) != 0xE0) {
            throw new IllegalArgumentException("MP3 data does not start with a frame header");
        }
        return (frame[1] & 0x18) == 0x18 ? MPEG1_AUDIO : MPEG2_AUDIO;
    }
}
