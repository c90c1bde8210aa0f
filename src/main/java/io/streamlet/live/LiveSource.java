package io.streamlet.live;

import io.streamlet.flv.CodecDetails;
import io.streamlet.flv.FlvHeader;
import io.streamlet.flv.FlvTag;
import io.streamlet.flv.MediaInfo;
import io.streamlet.flv.ScriptData;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;

/**
 * One live stream while it is published (SRS's live source): turns the publisher's messages into
 * shared {@link LiveTag}s in a {@link TagLog}, keeps what a new player needs first (metadata, the
 * latest sequence headers, the current GOP as a {@link JoinPoint} into the log), and wakes the
 * {@link LiveCursor}s that wait for data.
 *
 * <p>Publishing costs O(1) per tag in the number of players, except for waking the players that are
 * parked: a volatile read each.
 *
 * <p>Threads: messages arrive on the publisher's thread, under this source's lock (uncontended except
 * while a new publisher session takes over); consumers read from any thread without locking.
 */
public final class LiveSource {
    /** Audio-only streams have no keyframes: a player joins at most this far behind the newest audio. */
    static final long AUDIO_ONLY_JOIN_MS = 1_000;
    /** Audio waits for the next video frame to wake players only while video came this recently. */
    private static final long VIDEO_CARRIES_AUDIO_NANOS = 100_000_000;

    private final StreamKey key;
    private final LiveConfig config;
    private final Consumer<Publication> onPublisherGone;
    private final TagLog log;
    private final SourceClock clock = new SourceClock();
    /**
     * Not a copy-on-write list: under a join storm every subscribe copied the whole list under its lock,
     * and hundreds of container threads queued for it (up to 213 ms each, 1,000 joining in a second).
     * The publisher's walk over it per tag costs about the same.
     */
    private final Set<LiveCursor> consumers = ConcurrentHashMap.newKeySet();
    private final long publishedAtMillis = System.currentTimeMillis();
    private final String id = ClientIds.next();

    private LiveTag metadata;
    private LiveTag videoHeader;
    private LiveTag audioHeader;
    private Map<String, Object> metadataProperties = Map.of();
    private volatile JoinPoint joinPoint;
    private int tagsSinceJoinPoint;

    private boolean audioSeen;
    private boolean videoSeen;
    private long firstMediaTime = -1;
    /** FLV header flags, or -1 while the tracks are not yet known; fixed once decided. */
    private volatile int trackFlags = -1;

    private volatile long lastTime;
    private volatile long bytesIn;
    /** Video frames published (sequence headers excluded), SRS's {@code frames}; written by the publisher's thread only. */
    private volatile long videoFrames;
    /** Read from the latest sequence headers, for the HTTP API; null until one arrives. */
    private volatile CodecDetails.Video videoDetails;
    private volatile CodecDetails.Audio audioDetails;
    /** Bytes sent to players that have left; with the current players' counts, the stream's bytes out. */
    private final LongAdder bytesOutOfGonePlayers = new LongAdder();
    private volatile boolean ended;

    /** The publisher's session, or null while the source waits for a republish. */
    private volatile Publication publication;
    /** The last session started, kept after it ends: tells one wait for a republish from a later one. */
    private volatile Publication latestSession;
    private volatile long lastMessageNanos = System.nanoTime();
    private long lastVideoNanos;
    /** The next tag is the first of a new publisher session: players resume at its keyframe. */
    private boolean sessionStart;
    /** The session whose messages were appended last; a different one starts a new session. */
    private Publication clockOwner;

    LiveSource(StreamKey key, LiveConfig config, Consumer<Publication> onPublisherGone) {
        this.key = key;
        this.config = config;
        this.onPublisherGone = onPublisherGone;
        this.log = new TagLog(config.logCapacity());
    }

    public StreamKey key() {
        return key;
    }

    /** The current publisher's client id, or null while the source waits for a republish. */
    public String publisherId() {
        Publication p = publication;
        return p == null ? null : p.publisherId();
    }

    /** A process-unique id for the HTTP API (SRS's stream id). */
    public String id() {
        return id;
    }

    public long videoFrames() {
        return videoFrames;
    }

    /** The video codec's details from the latest sequence header, or null before one. */
    public CodecDetails.Video videoDetails() {
        return videoDetails;
    }

    /** The audio codec's details from the latest sequence header, or null before one. */
    public CodecDetails.Audio audioDetails() {
        return audioDetails;
    }

    public long publishedAtMillis() {
        return publishedAtMillis;
    }

    public boolean isEnded() {
        return ended;
    }

    /** Bytes sent to this stream's players so far, those gone included (for the HTTP API). */
    public long bytesOut() {
        long sum = bytesOutOfGonePlayers.sum();
        for (LiveCursor c : consumers) sum += c.bytesOut();
        return sum;
    }

    /** Players attached now: lossy consumers. Sinks (HLS, recording), which are lossless, are not counted. */
    public int consumerCount() {
        int players = 0;
        for (LiveCursor c : consumers) {
            if (c.mode() == LiveCursor.Mode.LOSSY) players++;
        }
        return players;
    }

    /** Number of media and data messages published so far. */
    public long tagsIn() {
        return log.head();
    }

    /** Bytes of FLV tags published so far. */
    public long bytesIn() {
        return bytesIn;
    }

    /**
     * One media message from the publisher, on the publisher's thread, in arrival order.
     *
     * @param type 8 audio, 9 video, 18 AMF0 data (possibly wrapped in {@code @setDataFrame}); others are ignored
     * @param timestamp RTMP timestamp in ms, unsigned 32 bits (it wraps)
     * @param payload the FLV tag body (RTMP audio/video/data payloads are exactly that); not copied:
     *     the caller must not modify it afterwards
     * @throws IllegalArgumentException media that cannot be accepted (the publisher is closed)
     */
    synchronized void onMessage(Publication from, int type, long timestamp, byte[] payload) {
        if (from != publication || ended) return; // a replaced session may still be mid-message: the lock orders it
        if (from != clockOwner) {
            if (clockOwner != null) resetSession();
            clockOwner = from;
        }
        lastMessageNanos = System.nanoTime();
        boolean keyframe = false;
        boolean header;
        byte[] body = payload;
        long time;
        switch (type) {
            case FlvTag.AUDIO -> {
                header = MediaInfo.audio(payload).sequenceHeader();
                if (header) audioDetails = CodecDetails.Audio.parse(payload);
                audioSeen = true;
                time = clock.map(0, timestamp);
            }
            case FlvTag.VIDEO -> {
                MediaInfo info = MediaInfo.video(payload);
                header = info.sequenceHeader();
                if (header) {
                    videoDetails = CodecDetails.Video.parse(payload, metadataProperties);
                } else {
                    videoFrames++; // single writer: the publisher's thread, under this source's lock
                }
                keyframe = info.keyframe();
                videoSeen = true;
                lastVideoNanos = lastMessageNanos;
                time = clock.map(1, timestamp);
            }
            case FlvTag.SCRIPT -> {
                ScriptData data = ScriptData.parse(payload);
                header = data.isMetadata();
                if (header) metadataProperties = data.properties();
                body = data.body();
                time = clock.map(-1, timestamp);
            }
            default -> {
                return;
            }
        }
        append(type, time, FlvTag.frame(type, body), keyframe, header);
    }

    /** Audio that the next video frame will carry to the players, unless video stopped coming. */
    private boolean canWaitForVideo(int type, boolean header) {
        return type == FlvTag.AUDIO && !header && videoSeen && lastMessageNanos - lastVideoNanos < VIDEO_CARRIES_AUDIO_NANOS;
    }

    private void append(int type, long time, byte[] frame, boolean keyframe, boolean header) {
        trim(time);
        long seq = log.head();
        long byteEnd = bytesIn + frame.length;
        LiveTag tag = new LiveTag(seq, type, time, frame, byteEnd, keyframe, header, sessionStart);
        sessionStart = false;
        if (header) {
            switch (type) {
                case FlvTag.AUDIO -> audioHeader = tag;
                case FlvTag.VIDEO -> videoHeader = tag;
                default -> metadata = tag;
            }
        }
        log.append(tag);
        bytesIn = byteEnd;
        lastTime = time;
        updateJoinPoint(tag);
        if (trackFlags < 0 && type != FlvTag.SCRIPT) guessTracks(time);
        boolean deferrable = canWaitForVideo(type, header);
        for (LiveCursor c : consumers) c.signal(deferrable);
    }

    /**
     * Forgets old tags: always past the log's capacity or byte bound; and tags older than the queue
     * length once they are before the join point (a player that far behind skips anyway).
     */
    private void trim(long now) {
        for (LiveTag oldest = log.oldest(); oldest != null; oldest = log.oldest()) {
            JoinPoint jp = joinPoint;
            boolean beforeJoin = jp == null || oldest.seq < jp.seq();
            boolean full = log.size() >= log.capacity() || log.heldBytes() > config.logMaxBytes();
            if (!full && !(beforeJoin && now - oldest.time > config.queueLengthMs())) return;
            if (!beforeJoin) joinPoint = null; // the GOP no longer fits: new players wait for the next keyframe
            log.dropOldest();
        }
    }

    private void updateJoinPoint(LiveTag tag) {
        JoinPoint jp = joinPoint;
        boolean audioOnlyJoin = !videoSeen && tag.type == FlvTag.AUDIO && !tag.header
                && (jp == null || tag.time - jp.time() > AUDIO_ONLY_JOIN_MS);
        if (tag.keyframe || audioOnlyJoin) {
            joinPoint = new JoinPoint(tag.seq, tag.time, metadata, videoHeader, audioHeader);
            tagsSinceJoinPoint = 0;
        } else if (jp != null && ++tagsSinceJoinPoint > config.gopCacheMaxFrames()) {
            joinPoint = null;
        }
    }

    /**
     * Decides the FLV header's track flags: fixed by the {@code tracks} knob, or guessed as SRS's
     * guess_has_av does: as soon as every track the metadata announces (both, without metadata) has been
     * seen, or after {@code trackGuessMs} of media.
     */
    private void guessTracks(long now) {
        switch (config.tracks()) {
            case AUDIO_VIDEO -> trackFlags = FlvHeader.FLAG_AUDIO | FlvHeader.FLAG_VIDEO;
            case AUDIO -> trackFlags = FlvHeader.FLAG_AUDIO;
            case VIDEO -> trackFlags = FlvHeader.FLAG_VIDEO;
            case AUTO -> guessTracksFromMedia(now);
        }
    }

    private void guessTracksFromMedia(long now) {
        if (firstMediaTime < 0) firstMediaTime = now;
        boolean announced = metadata != null;
        boolean expectAudio = !announced || metadataProperties.containsKey("audiocodecid");
        boolean expectVideo = !announced || metadataProperties.containsKey("videocodecid");
        boolean allSeen = (audioSeen || !expectAudio) && (videoSeen || !expectVideo);
        if (allSeen || now - firstMediaTime >= config.trackGuessMs()) {
            trackFlags = (audioSeen ? FlvHeader.FLAG_AUDIO : 0) | (videoSeen ? FlvHeader.FLAG_VIDEO : 0);
        }
    }

    /** Whether the publisher has sent nothing for {@code nanos}: a session that is probably dead. */
    boolean isSilentFor(long nanos) {
        return System.nanoTime() - lastMessageNanos > nanos;
    }

    /**
     * Starts a publisher session: the first, a republish within the grace window, or a replacement of a
     * silent one. The old session becomes inert; time continues forward from where it was, and players
     * resume at the new session's first keyframe after its sequence headers. Registry lock held.
     */
    Publication startSession(String publisherId, Runnable disconnect) {
        Publication old = publication;
        Publication fresh = new Publication(this, publisherId, disconnect);
        publication = fresh;
        latestSession = fresh;
        lastMessageNanos = System.nanoTime();
        if (old != null) old.disconnect();
        return fresh;
    }

    /** A new session of {@code current}'s publisher, or null if {@code current} is not the session. Registry lock held. */
    Publication resumeSession(Publication current) {
        if (current != publication) return null;
        Publication fresh = new Publication(this, current.publisherId(), current::disconnect);
        publication = fresh;
        latestSession = fresh;
        return fresh;
    }

    /** On the new session's first message: its clock continues from the last one, its players wait for its keyframe. */
    private void resetSession() {
        clock.restart();
        joinPoint = null;
        sessionStart = true;
    }

    /** A publisher session says it ended; the registry decides what becomes of the source. Any thread. */
    void unpublish(Publication from) {
        if (from == publication) onPublisherGone.accept(from);
    }

    /** True while the source waits for a republish since {@code gone} ended (no session started after it). */
    boolean isOrphanedBy(Publication gone) {
        return publication == null && latestSession == gone;
    }

    /** Clears {@code from} if it is still the current session; false if it was replaced. Registry lock held. */
    boolean endSession(Publication from) {
        if (from != publication) return false;
        publication = null;
        return true;
    }

    /** Ends the stream for its players. Idempotent, any thread. */
    void end() {
        if (ended) return;
        ended = true;
        for (LiveCursor c : consumers) c.signal(false);
    }

    /**
     * Attaches a new consumer (a player, a recorder, a forward). {@code listener} is called (on the
     * publisher's thread) whenever the cursor had found nothing and something arrived; it must return quickly.
     */
    public LiveCursor subscribe(String consumerId, LiveCursor.Mode mode, LiveCursor.Listener listener) {
        LiveCursor c = new LiveCursor(this, consumerId, mode, listener, mode == LiveCursor.Mode.LOSSLESS ? pinStart() : null);
        consumers.add(c);
        return c;
    }

    /**
     * Where a lossless consumer attached now starts, whenever it first reads: the current GOP, or (before the
     * first keyframe, or when the GOP outgrew the cache) the next tag, with the headers in effect there. Pinned
     * now because the join point moves on while the tracks are guessed or the consumer's thread is busy, and
     * a recorder or segmenter attached when the publish starts must not lose the first GOPs to that.
     */
    private synchronized JoinPoint pinStart() {
        JoinPoint jp = joinPoint;
        return jp != null ? jp : new JoinPoint(log.head(), lastTime, metadata, videoHeader, audioHeader);
    }

    void unsubscribe(LiveCursor c) {
        if (consumers.remove(c)) bytesOutOfGonePlayers.add(c.bytesOut());
    }

    TagLog log() {
        return log;
    }

    LiveConfig config() {
        return config;
    }

    JoinPoint joinPoint() {
        return joinPoint;
    }

    int trackFlags() {
        return trackFlags;
    }

    long lastTime() {
        return lastTime;
    }

    @Override
    public String toString() {
        return key.toString();
    }
}
