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
        byte[] payload = message.payload();
        int csid = message.csid();
        boolean extended = message.timestamp() >= TIMESTAMP_EXTENDED;
        int basicHeaderSize = csid < 64 ? 1 : csid < 320 ? 2 : 3;
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

        if (message.type() == MessageType.SET_CHUNK_SIZE && payload.length >= 4) {
            long newSize = ProtocolControl.readUint32(payload, 0);
            // A size the peer must refuse (a test may send one on purpose) leaves ours unchanged.
            if (newSize >= 1 && newSize <= ProtocolControl.MAX_CHUNK_SIZE) chunkSize = (int) newSize;
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
