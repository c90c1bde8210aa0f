package io.streamlet.output;

import io.streamlet.flv.FlvTag;
import io.streamlet.live.LiveCursor;
import io.streamlet.live.LiveTag;
import io.streamlet.live.TagEncoding;
import io.streamlet.rtmp.ChunkEncoder;
import io.streamlet.rtmp.MessageType;
import io.streamlet.rtmp.RtmpMessage;
import java.util.Arrays;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * The chunk stream an RTMP player receives: its connection's control messages (onStatus, acknowledgements,
 * ping answers), each already cut into chunks by the connection, and between them the media the cursor
 * yields. Media chunks are made once per tag for all players ({@link #MEDIA}, cached on the tag); a player
 * only patches the header fields that differ: the timestamp and its message stream id.
 *
 * <p>Every media message starts with a fmt 0 header, so no chunk-stream state is shared between messages
 * and control pieces can go between any two of them.
 */
public final class RtmpEncoder implements StreamEncoder {
    /** Chunk streams of media, as Adobe's servers and SRS use them. */
    static final int AUDIO_CSID = 4;
    static final int VIDEO_CSID = 6;
    static final int DATA_CSID = 5;
    private static final int TIMESTAMP_FIELD = 1; // after a one-byte basic header (csid < 64)
    private static final int STREAM_ID_FIELD = 8;
    private static final ConcurrentHashMap<Integer, TagEncoding<Chunks>> BY_CHUNK_SIZE = new ConcurrentHashMap<>();
    private static final ConcurrentHashMap<Integer, TagEncoding<Chunks>> EXTENDED_BY_CHUNK_SIZE = new ConcurrentHashMap<>();

    /** One tag as a chunked message with timestamp and stream id left to patch, and where the patches go. */
    record Chunks(byte[] bytes, int[] extendedTimestampFields) {}

    private final LiveCursor cursor;
    private final int chunkSize;
    private final int streamId;
    private final TagEncoding<Chunks> media;
    private final TagEncoding<Chunks> extendedMedia;
    private final Queue<byte[]> control = new ConcurrentLinkedQueue<>();
    /** Control pieces to send once the stream has ended (the end's onStatus). */
    private final byte[][] ending;
    private int endingNext;

    // The piece being copied out (a piece may span several reads).
    private byte[] piece;
    private int[] extendedFields;
    private boolean pieceIsMedia;
    private int pieceTimestamp;
    private int piecePos;

    /**
     * @param chunkSize the chunk size the connection announced to the player
     * @param streamId the message stream id the player plays on
     * @param ending control pieces sent after the last media, before the stream ends
     */
    public RtmpEncoder(LiveCursor cursor, int chunkSize, int streamId, byte[]... ending) {
        this.cursor = cursor;
        this.chunkSize = chunkSize;
        this.streamId = streamId;
        this.media = BY_CHUNK_SIZE.computeIfAbsent(chunkSize, size -> TagEncoding.of(tag -> chunk(tag, size, false)));
        this.extendedMedia = EXTENDED_BY_CHUNK_SIZE.computeIfAbsent(chunkSize, size -> TagEncoding.of(tag -> chunk(tag, size, true)));
        this.ending = ending;
    }

    @Override
    public LiveCursor cursor() {
        return cursor;
    }

    /** Queues a control message already cut into chunks; it goes out before the next media message. Any thread. */
    public void sendControl(byte[] chunks) {
        control.add(chunks);
    }

    @Override
    public int read(byte[] buf, int off, int len) {
        int n = 0;
        while (n < len) {
            if (piece == null && !nextPiece()) break;
            int count = Math.min(piece.length - piecePos, len - n);
            System.arraycopy(piece, piecePos, buf, off + n, count);
            if (pieceIsMedia) patch(buf, off + n - piecePos, piecePos, piecePos + count);
            piecePos += count;
            n += count;
            if (piecePos == piece.length) piece = null;
        }
        cursor.countBytesOut(n);
        return n > 0 ? n : cursor.isEnded() && endingNext == ending.length && control.isEmpty() ? -1 : 0;
    }

    private boolean nextPiece() {
        byte[] next = control.poll();
        if (next != null) {
            setPiece(next, null, false, 0);
            return true;
        }
        if (cursor.advance()) {
            int timestamp = cursor.timestamp();
            Chunks chunks = cursor.tag().encoded(ChunkEncoder.isExtended(timestamp & 0xFFFFFFFFL) ? extendedMedia : media);
            setPiece(chunks.bytes(), chunks.extendedTimestampFields(), true, timestamp);
            return true;
        }
        if (cursor.isEnded() && endingNext < ending.length) {
            setPiece(ending[endingNext++], null, false, 0);
            return true;
        }
        return false;
    }

    private void setPiece(byte[] bytes, int[] extended, boolean isMedia, int timestamp) {
        piece = bytes;
        extendedFields = extended;
        pieceIsMedia = isMedia;
        pieceTimestamp = timestamp;
        piecePos = 0;
    }

    /**
     * Writes this player's timestamp and stream id into the copy of the piece's bytes [from, to), which
     * starts at {@code base + from} in {@code buf}. Fields may be split across reads: each byte is written
     * where it falls.
     */
    private void patch(byte[] buf, int base, int from, int to) {
        if (extendedFields.length == 0) {
            putBigEndian(buf, base, from, to, TIMESTAMP_FIELD, 3, pieceTimestamp);
        } else {
            for (int field : extendedFields) putBigEndian(buf, base, from, to, field, 4, pieceTimestamp);
        }
        putLittleEndian(buf, base, from, to, STREAM_ID_FIELD, streamId);
    }

    private static void putBigEndian(byte[] buf, int base, int from, int to, int field, int size, int value) {
        for (int i = 0; i < size; i++) {
            int at = field + i;
            if (at >= from && at < to) buf[base + at] = (byte) (value >>> (8 * (size - 1 - i)));
        }
    }

    private static void putLittleEndian(byte[] buf, int base, int from, int to, int field, int value) {
        for (int i = 0; i < 4; i++) {
            int at = field + i;
            if (at >= from && at < to) buf[base + at] = (byte) (value >>> (8 * i));
        }
    }

    /** The tag as one chunked message, timestamp and stream id zero (or, extended, the 0xFFFFFF marker). */
    static Chunks chunk(LiveTag tag, int chunkSize, boolean extended) {
        int type = switch (tag.type()) {
            case FlvTag.AUDIO -> MessageType.AUDIO;
            case FlvTag.VIDEO -> MessageType.VIDEO;
            default -> MessageType.DATA_AMF0;
        };
        int csid = switch (tag.type()) {
            case FlvTag.AUDIO -> AUDIO_CSID;
            case FlvTag.VIDEO -> VIDEO_CSID;
            default -> DATA_CSID;
        };
        byte[] body = Arrays.copyOfRange(tag.bodyArray(), tag.bodyOffset(), tag.bodyOffset() + tag.bodyLength());
        byte[] bytes = ChunkEncoder.encode(new RtmpMessage(csid, type, extended ? 0xFFFFFF : 0, 0, body), chunkSize);
        if (!extended) return new Chunks(bytes, new int[0]);
        // The extended timestamp follows the first chunk's 11-byte header and every continuation's basic header.
        int chunks = Math.max(1, (body.length + chunkSize - 1) / chunkSize);
        int[] fields = new int[chunks];
        int basic = ChunkEncoder.basicHeaderSize(csid);
        fields[0] = basic + 11;
        for (int k = 1; k < chunks; k++) fields[k] = fields[k - 1] + 4 + chunkSize + basic;
        return new Chunks(bytes, fields);
    }
}
