package io.streamlet.live;

import io.streamlet.flv.FlvHeader;
import io.streamlet.flv.FlvTag;

/**
 * One consumer's place in a {@link LiveSource} (joy4's cursor into a shared queue), whatever the output
 * format: it yields, in the order of shared/DESIGN.md, the metadata and sequence headers of its join point,
 * the cached GOP from its keyframe, then live tags; timestamps rebased to start at 0 and never going
 * backwards. An encoder turns what it yields into one output's bytes.
 *
 * <p>A {@link Mode#LOSSY} cursor (a player) that falls behind skips whole GOPs to the newest keyframe and
 * re-sends headers that changed; a {@link Mode#LOSSLESS} one (a recorder, a segmenter) starts where it was
 * attached, however late it first reads (from the first keyframe when attached as the publish starts), and
 * never skips: falling out of the source's window ends it with a {@link #failure()}.
 *
 * <p>{@link #advance} is called by one thread at a time (the consumer's drain); the publisher's thread
 * only calls {@link #signal}. Per tag, nothing here allocates.
 */
public final class LiveCursor implements AutoCloseable {
    /** How a cursor tells its consumer that data arrived. */
    public interface Listener {
        /** Something arrived after {@link #advance} had found nothing. On the publisher's thread: return quickly. */
        void onDataAvailable();

        /**
         * Whether a wake-up that may wait should wait now. Audio of a stream with live video may: the next
         * video frame, a frame interval later, carries it along. A consumer whose threads are busy says yes,
         * halving its write cycles under load; an idle one says no, so nothing waits when there is no need.
         */
        default boolean deferWakeups() {
            return false;
        }
    }

    /** Whether a consumer may skip when it falls behind. */
    public enum Mode { LOSSY, LOSSLESS }

    private final LiveSource source;
    private final TagLog log;
    private final String id;
    private final Mode mode;
    private final Listener listener;
    private final long queueLengthMs;
    private final long maxQueueBytes;
    private final JoinPoint pinnedStart;

    /** Set when {@link #advance} found nothing; the publisher clears it and calls the listener. */
    private volatile boolean wantSignal;
    private volatile boolean closed;

    private boolean started;
    private boolean ended;
    private String failure;
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

    // Headers this consumer has received, to re-send only those that changed while it skipped.
    private LiveTag sentMetadata;
    private LiveTag sentVideoHeader;
    private LiveTag sentAudioHeader;

    /** Headers to yield before the next log tag. */
    private final LiveTag[] pending = new LiveTag[3];
    private int pendingNext;
    private int pendingCount;

    private LiveTag current;
    private int currentTimestamp;

    // Written by the advancing thread only; the HTTP API and metrics read them from others.
    private long skips;
    private long droppedTags;
    private long tagsOut;
    private long bytesOut;
    private int sessionStarts;

    /**
     * @param pinnedStart where a lossless cursor starts (see {@code LiveSource#pinStart}); null for a player,
     *     which starts at the newest join point when it first reads
     */
    LiveCursor(LiveSource source, String id, Mode mode, Listener listener, JoinPoint pinnedStart) {
        this.source = source;
        this.pinnedStart = pinnedStart;
        this.log = source.log();
        this.id = id;
        this.mode = mode;
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

    public Mode mode() {
        return mode;
    }

    /** How many times this consumer fell behind and skipped forward. */
    public long skips() {
        return skips;
    }

    /** Tags this consumer never received because it skipped ahead or waited for a keyframe. */
    public long droppedTags() {
        return droppedTags;
    }

    /** Tags yielded so far. */
    public long tagsOut() {
        return tagsOut;
    }

    /** Bytes its encoder made of the tags yielded, as it reported them ({@link #countBytesOut}). */
    public long bytesOut() {
        return bytesOut;
    }

    /** The encoder's report of {@code n} more bytes handed to the transport; on the advancing thread. */
    public void countBytesOut(int n) {
        bytesOut += n;
    }

    /**
     * Publisher sessions that began after this cursor's first (republishes within the grace window,
     * take-overs) which it has moved into: a segmenter marks a discontinuity when this changes.
     */
    public int sessionStarts() {
        return sessionStarts;
    }

    /** Whether the stream has audio; known once the first {@link #advance} returned true. */
    public boolean hasAudio() {
        return hasAudio;
    }

    /** Whether the stream has video; known once the first {@link #advance} returned true. */
    public boolean hasVideo() {
        return hasVideo;
    }

    /**
     * Moves to the next tag this consumer must receive.
     *
     * @return true when {@link #tag()} and {@link #timestamp()} hold it; false when nothing is available now
     *     (the listener will be called when something is) or the stream has ended ({@link #isEnded()})
     */
    public boolean advance() {
        current = null;
        if (!nextTag()) return false;
        tagsOut++;
        return true;
    }

    /** The tag of the last successful {@link #advance}. */
    public LiveTag tag() {
        return current;
    }

    /** Its timestamp for this consumer, in ms: 0 for the first tag, never going backwards. */
    public int timestamp() {
        return currentTimestamp;
    }

    /** True once the stream ended and everything was yielded, or a lossless cursor failed. */
    public boolean isEnded() {
        return ended;
    }

    /** Why a lossless cursor ended before the stream did, or null. */
    public String failure() {
        return failure;
    }

    /**
     * Called by the publisher's thread after each tag and at the end of the stream; {@code deferrable}
     * when the tag may wait for the next one to wake the consumer (see {@link Listener#deferWakeups}).
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

    private boolean nextTag() {
        while (true) {
            if (pendingNext < pendingCount) {
                setCurrent(pending[pendingNext++], (int) lastOut);
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

    /**
     * Starts once the tracks are known: a player at the source's newest join point (false while it has none), a
     * lossless cursor where it was pinned (failing if that left the log meanwhile).
     */
    private boolean start() {
        int flags = source.trackFlags();
        JoinPoint jp = pinnedStart != null ? pinnedStart : source.joinPoint();
        if (flags < 0 || jp == null) return false;
        LiveTag first = log.get(jp.seq());
        if (first == null && (pinnedStart == null || jp.seq() != log.head())) {
            if (pinnedStart == null) return false;
            failure = "its start left the source's window before the tracks were known (streamlet.live.trackGuess)";
            ended = true;
            return false;
        }
        hasAudio = (flags & FlvHeader.FLAG_AUDIO) != 0;
        hasVideo = (flags & FlvHeader.FLAG_VIDEO) != 0;
        pendingNext = pendingCount = 0;
        queueHeaders(jp);
        cursor = jp.seq();
        // Video starts at a keyframe: after an audio join point (audio came first), or a pinned start before one.
        awaitKeyframe = hasVideo && (first == null || !first.keyframe);
        started = true;
        return true;
    }

    /** Queues the join point's metadata and sequence headers that this consumer has not received. */
    private void queueHeaders(JoinPoint jp) {
        if (jp.metadata() != null && jp.metadata() != sentMetadata) {
            sentMetadata = jp.metadata();
            pending[pendingCount++] = sentMetadata;
        }
        if (hasVideo && jp.videoHeader() != null && jp.videoHeader() != sentVideoHeader) {
            sentVideoHeader = jp.videoHeader();
            pending[pendingCount++] = sentVideoHeader;
        }
        if (hasAudio && jp.audioHeader() != null && jp.audioHeader() != sentAudioHeader) {
            sentAudioHeader = jp.audioHeader();
            pending[pendingCount++] = sentAudioHeader;
        }
    }

    /** Takes the tag at the cursor (or skips forward when behind); false when it was not for this consumer. */
    private boolean takeFromLog() {
        LiveTag tag = log.get(cursor);
        if (tag == null || mode == Mode.LOSSY && isLagging(tag)) {
            if (mode == Mode.LOSSLESS) {
                failure = "fell out of the source's window (streamlet.live.logCapacity / logMaxBytes)";
                ended = true;
                return false;
            }
            skip();
            return false;
        }
        cursor++;
        if (tag.sessionStart) { // a republish: resume at its first keyframe
            awaitKeyframe = hasVideo;
            sessionStarts++;
        }
        if (!wanted(tag)) return false;
        if (tag.header) {
            switch (tag.type) {
                case FlvTag.AUDIO -> sentAudioHeader = tag;
                case FlvTag.VIDEO -> sentVideoHeader = tag;
                default -> sentMetadata = tag;
            }
        }
        setCurrent(tag, timestampOf(tag));
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
        if (rebase && tag.header) return (int) lastOut; // headers before the first frame do not set the base
        if (rebase) {
            base = firstTag ? tag.time : tag.time - (lastOut + SourceClock.STEP_MS);
            rebase = false;
            firstTag = false;
        }
        lastOut = Math.max(lastOut, tag.time - base);
        return (int) lastOut;
    }

    private void setCurrent(LiveTag tag, int timestamp) {
        current = tag;
        currentTimestamp = timestamp;
    }
}
