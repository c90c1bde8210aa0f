package io.streamlet.output;

import io.streamlet.flv.FlvHeader;
import io.streamlet.flv.FlvTag;
import io.streamlet.live.LiveCursor;
import io.streamlet.live.LiveTag;

/**
 * The FLV file a player receives (HTTP-FLV and WebSocket-FLV alike): the header with the tracks the
 * stream really has, then each tag the cursor yields. Tags are shared bytes; the only per-player work is
 * copying them into the caller's buffer and writing the 4 timestamp bytes there.
 */
public final class FlvEncoder implements StreamEncoder {
    private final LiveCursor cursor;
    private boolean headerSent;
    /** A tag held back while the FLV header goes first. */
    private LiveTag held;
    private int heldTimestamp;

    // The piece being copied out (a piece may span several reads).
    private byte[] piece;
    private boolean pieceIsTag;
    private int pieceTimestamp;
    private int piecePos;

    public FlvEncoder(LiveCursor cursor) {
        this.cursor = cursor;
    }

    @Override
    public LiveCursor cursor() {
        return cursor;
    }

    @Override
    public int read(byte[] buf, int off, int len) {
        if (len < FlvTag.HEADER_SIZE) throw new IllegalArgumentException("buffer smaller than a tag header");
        int n = 0;
        while (n < len) {
            if (piece == null && !nextPiece()) break;
            int start = off + n;
            if (piecePos == 0 && pieceIsTag && len - n < FlvTag.HEADER_SIZE) break; // keep a tag header whole
            int count = Math.min(piece.length - piecePos, len - n);
            System.arraycopy(piece, piecePos, buf, start, count);
            if (piecePos == 0 && pieceIsTag) FlvTag.writeTimestamp(buf, start, pieceTimestamp);
            piecePos += count;
            n += count;
            if (piecePos == piece.length) piece = null;
        }
        cursor.countBytesOut(n);
        return n > 0 ? n : cursor.isEnded() ? -1 : 0;
    }

    /** Makes the next piece current; false when there is none now (or the stream ended). */
    private boolean nextPiece() {
        if (held != null) {
            setPiece(held.flvFrame(), true, heldTimestamp);
            held = null;
            return true;
        }
        if (!cursor.advance()) return false;
        if (!headerSent) {
            headerSent = true;
            held = cursor.tag();
            heldTimestamp = cursor.timestamp();
            setPiece(FlvHeader.of(cursor.hasAudio(), cursor.hasVideo()), false, 0);
            return true;
        }
        setPiece(cursor.tag().flvFrame(), true, cursor.timestamp());
        return true;
    }

    private void setPiece(byte[] bytes, boolean isTag, int timestamp) {
        piece = bytes;
        pieceIsTag = isTag;
        pieceTimestamp = timestamp;
        piecePos = 0;
    }
}
