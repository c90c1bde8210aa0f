package io.streamlet.rtmp;

/**
 * Cuts messages into chunks: a fmt 0 header on the first chunk, fmt 3 on the continuations, and the
 * extended timestamp repeated on every chunk when the timestamp needs it (as Adobe's servers and
 * ffmpeg expect). Sending a Set Chunk Size message changes the chunk size of the messages after it.
 */
public final class ChunkEncoder {
    private static final long TIMESTAMP_EXTENDED = 0xFFFFFF;

    private int chunkSize = ChunkDecoder.DEFAULT_CHUNK_SIZE;

    public int chunkSize() {
        return chunkSize;
    }

    public byte[] encode(RtmpMessage message) {
        byte[] out = encode(message, chunkSize);
        if (message.type() == MessageType.SET_CHUNK_SIZE && message.payload().length >= 4) {
            long newSize = ProtocolControl.readUint32(message.payload(), 0);
            // A size the peer must refuse (a test may send one on purpose) leaves ours unchanged.
            if (newSize >= 1 && newSize <= ProtocolControl.MAX_CHUNK_SIZE) chunkSize = (int) newSize;
        }
        return out;
    }

    /** Whether a message with {@code timestamp} carries it in the extended field (on every chunk). */
    public static boolean isExtended(long timestamp) {
        return timestamp >= TIMESTAMP_EXTENDED;
    }

    /** Bytes of the basic header of chunk stream {@code csid}. */
    public static int basicHeaderSize(int csid) {
        return csid < 64 ? 1 : csid < 320 ? 2 : 3;
    }

    /** {@code message} cut into chunks of {@code chunkSize}, as a peer that was sent that chunk size reads them. */
    public static byte[] encode(RtmpMessage message, int chunkSize) {
        byte[] payload = message.payload();
        int csid = message.csid();
        boolean extended = isExtended(message.timestamp());
        int basicHeaderSize = basicHeaderSize(csid);
        int extendedSize = extended ? 4 : 0;
        int chunks = Math.max(1, (payload.length + chunkSize - 1) / chunkSize);
        int size = basicHeaderSize + 11 + chunks * extendedSize + (chunks - 1) * basicHeaderSize + payload.length;
        byte[] out = new byte[size];

        int pos = writeBasicHeader(out, 0, 0, csid);
        long timestampField = extended ? TIMESTAMP_EXTENDED : message.timestamp();
        pos = writeUint24(out, pos, timestampField);
        pos = writeUint24(out, pos, payload.length);
        out[pos++] = (byte) message.type();
        pos = writeInt(out, pos, Integer.reverseBytes(message.streamId())); // the only little-endian field
        for (int sent = 0; ; ) {
            if (extended) pos = writeInt(out, pos, (int) message.timestamp());
            int n = Math.min(chunkSize, payload.length - sent);
            System.arraycopy(payload, sent, out, pos, n);
            pos += n;
            sent += n;
            if (sent == payload.length) break;
            pos = writeBasicHeader(out, pos, 3, csid);
        }
        return out;
    }

    private static int writeBasicHeader(byte[] out, int pos, int fmt, int csid) {
        if (csid < 64) {
            out[pos++] = (byte) (fmt << 6 | csid);
        } else if (csid < 320) {
            out[pos++] = (byte) (fmt << 6);
            out[pos++] = (byte) (csid - 64);
        } else {
            out[pos++] = (byte) (fmt << 6 | 1);
            out[pos++] = (byte) (csid - 64);
            out[pos++] = (byte) ((csid - 64) >>> 8);
        }
        return pos;
    }

    private static int writeUint24(byte[] out, int pos, long v) {
        out[pos] = (byte) (v >>> 16);
        out[pos + 1] = (byte) (v >>> 8);
        out[pos + 2] = (byte) v;
        return pos + 3;
    }

    private static int writeInt(byte[] out, int pos, int v) {
        out[pos] = (byte) (v >>> 24);
        out[pos + 1] = (byte) (v >>> 16);
        out[pos + 2] = (byte) (v >>> 8);
        out[pos + 3] = (byte) v;
        return pos + 4;
    }
}
