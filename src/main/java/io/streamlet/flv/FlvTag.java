package io.streamlet.flv;

/**
 * FLV tag framing (FLV v10.1, E.4.1): an 11-byte header, the body, then the 4-byte PreviousTagSize.
 *
 * <p>A framed tag is built once per published message and shared by every player; each player only
 * rewrites the 4 timestamp bytes of the header in its own copy ({@link #writeTimestamp}).
 */
public final class FlvTag {
    public static final int AUDIO = 8;
    public static final int VIDEO = 9;
    public static final int SCRIPT = 18;

    /** Bytes before the body. */
    public static final int HEADER_SIZE = 11;
    /** Bytes after the body (PreviousTagSize). */
    public static final int TRAILER_SIZE = 4;
    /** Tag DataSize is a 24-bit field. */
    public static final int MAX_BODY_SIZE = 0xFFFFFF;

    private FlvTag() {}

    /** Frames {@code body} as a whole tag of {@code type} with timestamp 0 and its PreviousTagSize. */
    public static byte[] frame(int type, byte[] body) {
        int n = body.length;
        if (n > MAX_BODY_SIZE) throw new IllegalArgumentException("tag body of " + n + " bytes exceeds FLV's 24-bit size");
        byte[] out = new byte[HEADER_SIZE + n + TRAILER_SIZE];
        out[0] = (byte) type;
        out[1] = (byte) (n >>> 16);
        out[2] = (byte) (n >>> 8);
        out[3] = (byte) n;
        // bytes 4..7 timestamp (per player), 8..10 stream id, always 0
        System.arraycopy(body, 0, out, HEADER_SIZE, n);
        writeInt(out, HEADER_SIZE + n, HEADER_SIZE + n);
        return out;
    }

    /** Writes the FLV tag timestamp (lower 24 bits, then the extended upper 8) of the header at {@code off}. */
    public static void writeTimestamp(byte[] tag, int off, int timestamp) {
        tag[off + 4] = (byte) (timestamp >>> 16);
        tag[off + 5] = (byte) (timestamp >>> 8);
        tag[off + 6] = (byte) timestamp;
        tag[off + 7] = (byte) (timestamp >>> 24);
    }

    /** Reads the timestamp of the tag header at {@code off}, as an unsigned 32-bit value. */
    public static long readTimestamp(byte[] tag, int off) {
        return ((tag[off + 7] & 0xFFL) << 24) | ((tag[off + 4] & 0xFFL) << 16) | ((tag[off + 5] & 0xFFL) << 8)
                | (tag[off + 6] & 0xFFL);
    }

    static void writeInt(byte[] b, int off, int v) {
        b[off] = (byte) (v >>> 24);
        b[off + 1] = (byte) (v >>> 16);
        b[off + 2] = (byte) (v >>> 8);
        b[off + 3] = (byte) v;
    }
}
