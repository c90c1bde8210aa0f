package io.streamlet.rtmp;

/**
 * One RTMP message, reassembled from (or to be cut into) chunks.
 *
 * @param csid the chunk stream it travels on (2 to 65599)
 * @param type a {@link MessageType} id
 * @param timestamp milliseconds, unsigned 32 bits: it wraps after about 49.7 days
 * @param streamId the message stream id (0 for the connection), unsigned 32 bits kept in an int
 * @param payload the message body; shared, not copied
 */
public record RtmpMessage(int csid, int type, long timestamp, int streamId, byte[] payload) {
    public static final int MIN_CSID = 2;
    public static final int MAX_CSID = 65599;
    /** Timestamps and the byte counts in acknowledgements are unsigned 32-bit and wrap with this mask. */
    public static final long UINT32_MASK = 0xFFFF_FFFFL;

    public RtmpMessage {
        if (csid < MIN_CSID || csid > MAX_CSID) throw new IllegalArgumentException("chunk stream id out of range: " + csid);
        if (type < 0 || type > 0xFF) throw new IllegalArgumentException("message type out of range: " + type);
        if (timestamp < 0 || timestamp > UINT32_MASK) throw new IllegalArgumentException("timestamp not unsigned 32-bit: " + timestamp);
        if (payload == null) throw new IllegalArgumentException("payload is null");
    }

    @Override
    public String toString() {
        return "RtmpMessage[csid=" + csid + ", type=" + type + ", timestamp=" + timestamp + ", streamId="
                + Integer.toUnsignedString(streamId) + ", length=" + payload.length + "]";
    }
}
