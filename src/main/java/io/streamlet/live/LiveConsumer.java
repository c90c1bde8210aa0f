package io.streamlet.live;

import io.streamlet.flv.FlvHeader;
import io.streamlet.flv.FlvTag;

/**
 * One player's cursor into a {@link LiveSource}: produces the exact FLV byte stream that player must
 * receive, in the order of shared/DESIGN.md: header with the real track flags, metadata, sequence
 * headers, the cached GOP from its keyframe, then live tags; timestamps rebased to start at 0 and never
 * going backwards; whole-GOP skips when the player falls behind.
 *
 * <p>{@link #read} is called by one thread at a time (the player's write loop); the source's publisher
 * thread only calls {@link #signal}. Per tag, the only per-player work is copying the shared bytes into
 * the caller's buffer and writing the 4 timestamp bytes there.
 */
public final class LiveConsumer implements AutoCloseable {
    /** How a consumer tells its player that data arrived. */
    public interface Listener {
        /** Something arrived after {@link #read} had found nothing. On the publisher's thread: return quickly. */
        void onDataAvailable();

        /**
         * Whether a wake-up that may wait should wait now. Audio of a stream with live video may: the next
         * video frame, a frame interval later, carries it along. A player whose threads are busy says yes,
         * halving its write cycles under load; an idle one says no, so nothing waits when there is no need.
         */
        default boolean deferWakeups() {
            return false;
        }
    }

    private final LiveSource source;
    private final TagLog log;
    private final String id;
    private final Listener listener;
    private final long queueLengthMs;
    private final long maxQueueBytes;

    /** Set when {@link #read} found nothing; the publisher clears it and calls the listener. */
    private volatile boolean wantSignal;
    private volatile boolean closed;

    private boolean started;
    private boolean ended;
    private boolean hasAudio;
    private boolean hasVideo;
    private long cursor;
    /** Skipping until a video keyframe (after falling behind with no join point to skip to). */
    private boolean awaitKeyframe;

    // Timestamp rebasing: out = time - base, re-anchored after a skip so time continues by a small step.
    private long base;
    private long lastOut;
    private boolean rebase = true;
    private boolean firstTag = true;

    // Headers this player has received, to re-send only those that changed while it skipped.
    private LiveTag sentMetadata;
    private LiveTag sentVideoHeader;
    private LiveTag sentAudioHeader;

    /** Pieces to send before the next log tag (FLV header, metadata, sequence headers). */
    private final byte[][] pending = new byte[4][];
    private final boolean[] pendingIsTag = new boolean[4];
    private int pendingNext;
    private int pendingCount;

    // The piece being copied out (a piece may span several reads).
    private byte[] piece;
    private boolean pieceIsTag;
    private int pieceTimestamp;
    private int piecePos;

    // Written by the reading thread only; the HTTP API and metrics read them from others.
    private long skips;
    private long droppedTags;
    private long tagsOut;
    private long bytesOut;

    LiveConsumer(LiveSource source, String id, Listener listener) {
        this.source = source;
        this.log = source.log();
        this.id = id;
        this.listener = listener;
        this.queueLengthMs = source.config().queueLengthMs();
        this.maxQueueBytes = source.config().maxQueueBytes();
    }

    public String id() {
        return id;
    }

    public LiveSource source() {
        return source;
    }

    /** How many times this player fell behind and skipped forward. */
    public long skips() {
        return skips;
    }

    /** Tags this player never received because it skipped ahead or waited for a keyframe. */
    public long droppedTags() {
        return droppedTags;
    }

    /** FLV tags delivered (whole or started) to this player. */
    public long tagsOut() {
        return tagsOut;
    }

    public long bytesOut() {
        return bytesOut;
    }

    /**
     * Copies the next bytes of this player's FLV stream into {@code buf}.
     *
     * @return the number of bytes copied; 0 when nothing is available now (the listener will be called
     *     when something is); -1 once the stream has ended and everything was delivered
     */
    public int read(byte[] buf, int off, int len) {
        if (len < FlvTag.HEADER_SIZE) throw new IllegalArgumentException("buffer smaller than a tag header");
        int n = 0;
        while (n < len) {
            if (piece == null && !nextPiece()) break;
            int start = off + n;
            if (piecePos == 0 && pieceIsTag && len - n < FlvTag.HEADER_SIZE) break; // keep a tag header whole
            int count = Math.min(piece.length - piecePos, len - n);
            System.arraycopy(piece, piecePos, buf, start, count);
            if (piecePos == 0 && pieceIsTag) {
                FlvTag.writeTimestamp(buf, start, pieceTimestamp);
                tagsOut++;
            }
            piecePos += count;
            n += count;
            if (piecePos == piece.length) piece = null;
        }
        bytesOut += n;
        return n > 0 ? n : ended ? -1 : 0;
    }

    /**
     * Called by the publisher's thread after each tag and at the end of the stream; {@code deferrable}
     * when the tag may wait for the next one to wake the player (see {@link Listener#deferWakeups}).
     */
    void signal(boolean deferrable) {
        if (wantSignal && !(deferrable && listener.deferWakeups())) {
            wantSignal = false;
            listener.onDataAvailable();
        }
    }

    /** Detaches from the source. Idempotent. */
    @Override
    public void close() {
        if (!closed) {
            closed = true;
            source.unsubscribe(this);
        }
    }

    /** Makes the next piece current; false when there is none now (signal armed) or the stream ended. */
    private boolean nextPiece() {
        while (true) {
            if (pendingNext < pendingCount) {
                int i = pendingNext++;
                setPiece(pending[i], pendingIsTag[i], (int) lastOut);
                return true;
            }
            if (ended || closed) return false;
            boolean sourceEnded = source.isEnded(); // read before head: a tag appended before the end is seen
            if (!started) {
                if (start()) continue;
            } else {
                long head = log.head();
                if (cursor < head) {
                    if (takeFromLog()) return true;
                    continue;
                }
            }
            if (sourceEnded) {
                ended = true;
                return false;
            }
            if (wantSignal) return false;
            wantSignal = true;
            // Re-check after arming: the publisher may have appended between our check and the flag.
        }
    }

    /** Starts at the source's join point once the tracks are known; false while it has none. */
    private boolean start() {
        int flags = source.trackFlags();
        JoinPoint jp = source.joinPoint();
        if (flags < 0 || jp == null || log.get(jp.seq()) == null) return false;
        hasAudio = (flags & FlvHeader.FLAG_AUDIO) != 0;
        hasVideo = (flags & FlvHeader.FLAG_VIDEO) != 0;
        pendingNext = pendingCount = 0;
        addPending(FlvHeader.of(hasAudio, hasVideo), false);
        queueHeaders(jp);
        cursor = jp.seq();
        started = true;
        return true;
    }

    /** Queues the join point's metadata and sequence headers that this player has not received. */
    private void queueHeaders(JoinPoint jp) {
        if (jp.metadata() != null && jp.metadata() != sentMetadata) {
            sentMetadata = jp.metadata();
            addPending(sentMetadata.frame, true);
        }
        if (hasVideo && jp.videoHeader() != null && jp.videoHeader() != sentVideoHeader) {
            sentVideoHeader = jp.videoHeader();
            addPending(sentVideoHeader.frame, true);
        }
        if (hasAudio && jp.audioHeader() != null && jp.audioHeader() != sentAudioHeader) {
            sentAudioHeader = jp.audioHeader();
            addPending(sentAudioHeader.frame, true);
        }
    }

    private void addPending(byte[] bytes, boolean isTag) {
        pending[pendingCount] = bytes;
        pendingIsTag[pendingCount] = isTag;
        pendingCount++;
    }

    /** Takes the tag at the cursor (or skips forward when behind); false when it was not for this player. */
    private boolean takeFromLog() {
        LiveTag tag = log.get(cursor);
        if (tag == null || isLagging(tag)) {
            skip();
            return false;
        }
        cursor++;
        if (tag.sessionStart) awaitKeyframe = hasVideo; // a republish: resume at its first keyframe
        if (!wanted(tag)) return false;
        if (tag.header) {
            switch (tag.type) {
                case FlvTag.AUDIO -> sentAudioHeader = tag;
                case FlvTag.VIDEO -> sentVideoHeader = tag;
                default -> sentMetadata = tag;
            }
        }
        setPiece(tag.frame, true, timestampOf(tag));
        return true;
    }

    private boolean isLagging(LiveTag tag) {
        return source.lastTime() - tag.time > queueLengthMs || source.bytesIn() - tag.byteEnd > maxQueueBytes;
    }

    private boolean wanted(LiveTag tag) {
        if (tag.type == FlvTag.AUDIO && !hasAudio || tag.type == FlvTag.VIDEO && !hasVideo) return false;
        if (awaitKeyframe) {
            if (tag.keyframe) {
                awaitKeyframe = false;
            } else {
                if (!tag.header) droppedTags++;
                return tag.header;
            }
        }
        return true;
    }

    /**
     * Fell behind (out of the log's window, or past the queue bounds): jump to the newest join point,
     * re-sending headers that changed meanwhile; with none ahead, drop everything until the next keyframe.
     */
    private void skip() {
        skips++;
        JoinPoint jp = source.joinPoint();
        if (jp != null && jp.seq() > cursor && log.get(jp.seq()) != null) {
            droppedTags += jp.seq() - cursor;
            cursor = jp.seq();
            pendingNext = pendingCount = 0;
            queueHeaders(jp);
        } else {
            droppedTags += log.head() - cursor;
            cursor = log.head();
            awaitKeyframe = hasVideo;
        }
        rebase = true;
    }

    private int timestampOf(LiveTag tag) {
        if (rebase) {
            base = firstTag ? tag.time : tag.time - (lastOut + SourceClock.STEP_MS);
            rebase = false;
            firstTag = false;
        }
        lastOut = Math.max(lastOut, tag.time - base);
        return (int) lastOut;
    }

    private void setPiece(byte[] bytes, boolean isTag, int timestamp) {
        piece = bytes;
        pieceIsTag = isTag;
        pieceTimestamp = timestamp;
        piecePos = 0;
    }
}
