package io.streamlet.rtmp;

/**
 * Builds and parses the protocol control messages (types 1 to 6; RTMP 1.0 sections 5.4 and 7.1.7).
 * They travel on chunk stream 2, message stream 0.
 */
public final class ProtocolControl {
    public static final int CONTROL_CSID = 2;
    /** Largest chunk size either side may set: more would only serve to exhaust memory. */
    public static final int MAX_CHUNK_SIZE = 16 * 1024 * 1024;

    /** Set Peer Bandwidth limit types. */
    public static final int LIMIT_HARD = 0;
    public static final int LIMIT_SOFT = 1;
    public static final int LIMIT_DYNAMIC = 2;

    /** User control event types. */
    public static final int STREAM_BEGIN = 0;
    public static final int STREAM_EOF = 1;
    public static final int STREAM_DRY = 2;
    public static final int SET_BUFFER_LENGTH = 3;
    public static final int STREAM_IS_RECORDED = 4;
    public static final int PING_REQUEST = 6;
    public static final int PING_RESPONSE = 7;

    /** A parsed user control message: its event type and the 32-bit value that follows (0 if none). */
    public record UserControl(int event, long value) {}

    private ProtocolControl() {}

    public static RtmpMessage setChunkSize(int size) {
        if (size < 1 || size > MAX_CHUNK_SIZE) throw new IllegalArgumentException("chunk size out of range: " + size);
        return control(MessageType.SET_CHUNK_SIZE, uint32(size));
    }

    public static RtmpMessage abort(int csid) {
        return control(MessageType.ABORT, uint32(csid));
    }

    /** @param sequenceNumber the total bytes received so far (it wraps at 2^32) */
    public static RtmpMessage acknowledgement(long sequenceNumber) {
        return control(MessageType.ACKNOWLEDGEMENT, uint32(sequenceNumber));
    }

    public static RtmpMessage windowAckSize(long size) {
        return control(MessageType.WINDOW_ACK_SIZE, uint32(size));
    }

    public static RtmpMessage setPeerBandwidth(long size, int limitType) {
        byte[] payload = new byte[5];
        System.arraycopy(uint32(size), 0, payload, 0, 4);
        payload[4] = (byte) limitType;
        return control(MessageType.SET_PEER_BANDWIDTH, payload);
    }

    public static RtmpMessage userControl(int event, long value) {
        byte[] payload = new byte[6];
        payload[0] = (byte) (event >>> 8);
        payload[1] = (byte) event;
        System.arraycopy(uint32(value), 0, payload, 2, 4);
        return control(MessageType.USER_CONTROL, payload);
    }

    public static RtmpMessage streamBegin(int streamId) {
        return userControl(STREAM_BEGIN, Integer.toUnsignedLong(streamId));
    }

    /** A player's buffer for a stream (section 7.1.7, event 3): stream id, then milliseconds. */
    public static RtmpMessage setBufferLength(int streamId, long millis) {
        byte[] payload = new byte[10];
        payload[1] = SET_BUFFER_LENGTH;
        System.arraycopy(uint32(Integer.toUnsignedLong(streamId)), 0, payload, 2, 4);
        System.arraycopy(uint32(millis), 0, payload, 6, 4);
        return control(MessageType.USER_CONTROL, payload);
    }

    public static RtmpMessage pingResponse(long timestamp) {
        return userControl(PING_RESPONSE, timestamp);
    }

    /** The chunk size of a Set Chunk Size message: 1 to {@link #MAX_CHUNK_SIZE}. */
    public static int parseChunkSize(RtmpMessage message) throws RtmpProtocolException {
        long size = parseUint32(message);
        if (size == 0 || size > MAX_CHUNK_SIZE) {
            throw new RtmpProtocolException("Set Chunk Size " + size + " outside 1.." + MAX_CHUNK_SIZE
                    + ((size & 0x8000_0000L) != 0 ? " (bit 31 must be zero)" : ""));
        }
        return (int) size;
    }

    /** The 32-bit value that starts the payload of Set Chunk Size, Abort, Acknowledgement, Window Ack Size. */
    public static long parseUint32(RtmpMessage message) throws RtmpProtocolException {
        byte[] p = message.payload();
        if (p.length < 4) {
            throw new RtmpProtocolException("control message type " + message.type() + " has " + p.length + " bytes, needs 4");
        }
        return readUint32(p, 0);
    }

    public static UserControl parseUserControl(RtmpMessage message) throws RtmpProtocolException {
        byte[] p = message.payload();
        if (p.length < 2) throw new RtmpProtocolException("user control message has " + p.length + " bytes, needs 2");
        int event = ((p[0] & 0xFF) << 8) | (p[1] & 0xFF);
        return new UserControl(event, p.length >= 6 ? readUint32(p, 2) : 0);
    }

    static long readUint32(byte[] p, int offset) {
        return ((long) (p[offset] & 0xFF) << 24) | ((p[offset + 1] & 0xFF) << 16)
                | ((p[offset + 2] & 0xFF) << 8) | (p[offset + 3] & 0xFF);
    }

    private static byte[] uint32(long v) {
        return new byte[] {(byte) (v >>> 24), (byte) (v >>> 16), (byte) (v >>> 8), (byte) v};
    }

    private static RtmpMessage control(int type, byte[] payload) {
        return new RtmpMessage(CONTROL_CSID, type, 0, 0, payload);
    }
}
