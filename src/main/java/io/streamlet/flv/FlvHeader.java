package io.streamlet.flv;

/** The FLV file header (E.2) followed by PreviousTagSize0: the first 13 bytes a player receives. */
public final class FlvHeader {
    public static final int SIZE = 13;
    public static final int FLAG_AUDIO = 0x04;
    public static final int FLAG_VIDEO = 0x01;

    private static final byte[][] BY_FLAGS = new byte[6][];

    static {
        for (int flags : new int[] {0, FLAG_VIDEO, FLAG_AUDIO, FLAG_AUDIO | FLAG_VIDEO}) {
            BY_FLAGS[flags] = new byte[] {'F', 'L', 'V', 1, (byte) flags, 0, 0, 0, 9, 0, 0, 0, 0};
        }
    }

    private FlvHeader() {}

    /** The shared, immutable header bytes; callers must not modify them. */
    public static byte[] of(boolean audio, boolean video) {
        return BY_FLAGS[(audio ? FLAG_AUDIO : 0) | (video ? FLAG_VIDEO : 0)];
    }
}
