package io.streamlet.rtmp;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Reassembles RTMP messages from the chunk stream (RTMP 1.0 section 5.3), incrementally.
 *
 * <p>{@link #decode} consumes all of its input whatever the split: a header cut short is kept here
 * until its remaining bytes arrive, and a payload is copied as it comes. Set Chunk Size and Abort are
 * applied here and not passed on; every other complete message goes to the consumer.
 *
 * <p>Defences: a message longer than the configured maximum, a chunk size outside 1..16 MiB, a header
 * that continues a message never started, and more than a bounded number of chunk streams are all
 * protocol errors. A message's buffer starts small and grows only as its bytes arrive, so a declared
 * length costs nothing until it is really sent. After an exception the decoder is unusable.
 */
public final class ChunkDecoder {
    public static final int DEFAULT_CHUNK_SIZE = 128;
    public static final int DEFAULT_MAX_CHUNK_STREAMS = 64;

    private static final int[] MESSAGE_HEADER_SIZES = {11, 7, 3, 0};
    private static final int MAX_HEADER_SIZE = 3 + 11 + 4;
    private static final int INITIAL_PAYLOAD_CAPACITY = 4096;
    private static final long TIMESTAMP_EXTENDED = 0xFFFFFF;

    /** What a chunk stream remembers from its previous headers, and the message it is assembling. */
    private static final class ChunkStream {
        final int csid;
        long timestamp;
        /** The last timestamp or delta field as sent (after any extended timestamp): fmt 3 repeats it. */
        long timestampField;
        int length;
        int type;
        int streamId;
        boolean extended;
        long extendedField;
        /** The message being assembled, or null between messages. */
        byte[] payload;
        int received;

        ChunkStream(int csid) {
            this.csid = csid;
        }
    }

    private final int maxMessageSize;
    private final int maxChunkStreams;
    private final Map<Integer, ChunkStream> streams = new HashMap<>();
    private int chunkSize = DEFAULT_CHUNK_SIZE;
    private long bytesReceived;

    /** Bytes of a chunk header that arrived without the rest of it. */
    private final byte[] headerStash = new byte[MAX_HEADER_SIZE];
    private int stashed;

    /** The chunk stream whose chunk payload is being read, or null when a header comes next. */
    private ChunkStream current;
    private int chunkRemaining;

    public ChunkDecoder(int maxMessageSize) {
        this(maxMessageSize, DEFAULT_MAX_CHUNK_STREAMS);
    }

    public ChunkDecoder(int maxMessageSize, int maxChunkStreams) {
        if (maxMessageSize < 1) throw new IllegalArgumentException("maxMessageSize must be positive");
        if (maxChunkStreams < 1) throw new IllegalArgumentException("maxChunkStreams must be positive");
        this.maxMessageSize = maxMessageSize;
        this.maxChunkStreams = maxChunkStreams;
    }

    /** The peer's current chunk size. */
    public int chunkSize() {
        return chunkSize;
    }

    /** Every byte given to {@link #decode} so far: the sequence number of acknowledgements. */
    public long bytesReceived() {
        return bytesReceived;
    }

    /** Consumes all of {@code in}, giving each message completed on the way to {@code out}. */
    public void decode(ByteBuffer in, Consumer<RtmpMessage> out) throws RtmpProtocolException {
        bytesReceived += in.remaining();
        while (in.hasRemaining()) {
            if (current != null) {
                readPayload(in, out);
            } else if (stashed == 0) {
                int start = in.position();
                if (!readHeader(in, out)) {
                    in.position(start);
                    stashed = in.remaining(); // less than a full header, or the header would have parsed
                    in.get(headerStash, 0, stashed);
                }
            } else {
                int added = Math.min(MAX_HEADER_SIZE - stashed, in.remaining());
                in.get(in.position(), headerStash, stashed, added);
                ByteBuffer header = ByteBuffer.wrap(headerStash, 0, stashed + added);
                if (readHeader(header, out)) {
                    in.position(in.position() + header.position() - stashed);
                    stashed = 0;
                } else {
                    in.position(in.position() + added);
                    stashed += added;
                }
            }
        }
    }

    /**
     * Reads one chunk header and makes it current; returns false, having changed nothing, when
     * {@code buf} ends before the header does.
     */
    private boolean readHeader(ByteBuffer buf, Consumer<RtmpMessage> out) throws RtmpProtocolException {
        int first = buf.get() & 0xFF;
        int fmt = first >>> 6;
        int csid = first & 0x3F;
        if (csid == 0) {
            if (buf.remaining() < 1) return false;
            csid = 64 + (buf.get() & 0xFF);
        } else if (csid == 1) {
            if (buf.remaining() < 2) return false;
            csid = 64 + (buf.get() & 0xFF) + ((buf.get() & 0xFF) << 8);
        }
        if (buf.remaining() < MESSAGE_HEADER_SIZES[fmt]) return false;

        ChunkStream cs = streams.get(csid);
        if (cs == null) {
            // librtmp starts some control chunk streams with fmt 1 (SRS issue 98); fmt 2 and 3 need a
            // previous header to inherit the length and type from, so they cannot start a chunk stream.
            if (fmt >= 2) {
                throw new RtmpProtocolException("chunk stream " + csid + " starts with a fmt " + fmt
                        + " header, which continues a message never started");
            }
            if (streams.size() >= maxChunkStreams) {
                throw new RtmpProtocolException("more than " + maxChunkStreams + " chunk streams in use");
            }
        }
        boolean firstChunk = cs == null || cs.payload == null;
        if (!firstChunk && fmt != 3) {
            throw new RtmpProtocolException("chunk stream " + csid + ": fmt " + fmt
                    + " header while its previous message is still incomplete");
        }

        long timestampField = fmt <= 2 ? readUint24(buf) : cs.timestampField;
        int length = fmt <= 1 ? (int) readUint24(buf) : cs.length;
        int type = fmt <= 1 ? buf.get() & 0xFF : cs.type;
        int streamId = fmt == 0 ? Integer.reverseBytes(buf.getInt()) : cs == null ? 0 : cs.streamId;
        boolean extended = fmt <= 2 ? timestampField == TIMESTAMP_EXTENDED : cs.extended;
        long extendedField = cs == null ? 0 : cs.extendedField;
        if (extended) {
            if (buf.remaining() < 4) return false;
            long field = buf.getInt(buf.position()) & RtmpMessage.UINT32_MASK;
            // On a continuation chunk the extended timestamp is optional in practice: ffmpeg and Adobe
            // repeat it, others do not. Repeated, it equals the stored one; otherwise it is payload.
            if (firstChunk || field == extendedField) {
                buf.position(buf.position() + 4);
                extendedField = field;
                if (firstChunk) timestampField = field;
            }
        }
        if (firstChunk && length > maxMessageSize) {
            throw new RtmpProtocolException("message of " + length + " bytes on chunk stream " + csid
                    + " exceeds the limit of " + maxMessageSize);
        }

        if (cs == null) {
            cs = new ChunkStream(csid);
            streams.put(csid, cs);
        }
        cs.extended = extended;
        cs.extendedField = extendedField;
        if (firstChunk) {
            cs.timestamp = fmt == 0 ? timestampField : (cs.timestamp + timestampField) & RtmpMessage.UINT32_MASK;
            cs.timestampField = timestampField;
            cs.length = length;
            cs.type = type;
            cs.streamId = streamId;
            cs.payload = new byte[Math.min(length, INITIAL_PAYLOAD_CAPACITY)];
            cs.received = 0;
        }
        chunkRemaining = Math.min(chunkSize, cs.length - cs.received);
        if (chunkRemaining == 0) {
            complete(cs, out); // an empty message: its one chunk has no payload
        } else {
            current = cs;
        }
        return true;
    }

    private void readPayload(ByteBuffer in, Consumer<RtmpMessage> out) throws RtmpProtocolException {
        ChunkStream cs = current;
        int n = Math.min(chunkRemaining, in.remaining());
        int needed = cs.received + n;
        if (needed > cs.payload.length) {
            cs.payload = Arrays.copyOf(cs.payload, (int) Math.min(cs.length, Math.max(needed, 2L * cs.payload.length)));
        }
        in.get(cs.payload, cs.received, n);
        cs.received = needed;
        chunkRemaining -= n;
        if (chunkRemaining == 0) {
            current = null;
            if (cs.received == cs.length) complete(cs, out);
        }
    }

    private void complete(ChunkStream cs, Consumer<RtmpMessage> out) throws RtmpProtocolException {
        RtmpMessage message = new RtmpMessage(cs.csid, cs.type, cs.timestamp, cs.streamId, cs.payload);
        cs.payload = null;
        switch (cs.type) {
            case MessageType.SET_CHUNK_SIZE -> chunkSize = ProtocolControl.parseChunkSize(message);
            case MessageType.ABORT -> {
                ChunkStream aborted = streams.get((int) ProtocolControl.parseUint32(message));
                if (aborted != null) aborted.payload = null;
            }
            default -> out.accept(message);
        }
    }

    private static long readUint24(ByteBuffer buf) {
        return ((buf.get() & 0xFF) << 16) | ((buf.get() & 0xFF) << 8) | (buf.get() & 0xFF);
    }
}
