package io.streamlet.live;

import io.streamlet.StreamletConfig;
import io.streamlet.flv.FlvHeader;
import io.streamlet.flv.FlvTag;
import io.streamlet.flv.MediaInfo;
import io.streamlet.flv.ScriptData;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * One live stream while it is published (SRS's live source): turns the publisher's messages into
 * shared {@link LiveTag}s in a {@link TagLog}, keeps what a new player needs first (metadata, the
 * latest sequence headers, the current GOP as a {@link JoinPoint} into the log), and wakes the
 * {@link LiveConsumer}s that wait for data.
 *
 * <p>Publishing costs O(1) per tag in the number of players, except for waking the players that are
 * parked: a volatile read each.
 *
 * <p>Threads: {@link #onMessage} runs on the publisher's thread only; consumers read from any thread.
 */
public final class LiveSource {
    /** Audio-only streams have no keyframes: a player joins at most this far behind the newest audio. */
    static final long AUDIO_ONLY_JOIN_MS = 1_000;

    private final StreamKey key;
    private final String publisherId;
    private final StreamletConfig config;
    private final Consumer<LiveSource> onUnpublish;
    private final TagLog log;
    private final SourceClock clock = new SourceClock();
    private final CopyOnWriteArrayList<LiveConsumer> consumers = new CopyOnWriteArrayList<>();
    private final long publishedAtMillis = System.currentTimeMillis();

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
    private volatile boolean ended;

    LiveSource(StreamKey key, String publisherId, StreamletConfig config, Consumer<LiveSource> onUnpublish) {
        this.key = key;
        this.publisherId = publisherId;
        this.config = config;
        this.onUnpublish = onUnpublish;
        this.log = new TagLog(config.logCapacity());
    }

    public StreamKey key() {
        return key;
    }

    public String publisherId() {
        return publisherId;
    }

    public long publishedAtMillis() {
        return publishedAtMillis;
    }

    public boolean isEnded() {
        return ended;
    }

    public int consumerCount() {
        return consumers.size();
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
    public void onMessage(int type, long timestamp, byte[] payload) {
        if (ended) return;
        boolean keyframe = false;
        boolean header;
        byte[] body = payload;
        long time;
        switch (type) {
            case FlvTag.AUDIO -> {
                header = MediaInfo.audio(payload).sequenceHeader();
                audioSeen = true;
                time = clock.map(0, timestamp);
            }
            case FlvTag.VIDEO -> {
                MediaInfo info = MediaInfo.video(payload);
                header = info.sequenceHeader();
                keyframe = info.keyframe();
                videoSeen = true;
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

    private void append(int type, long time, byte[] frame, boolean keyframe, boolean header) {
        trim(time);
        long seq = log.head();
        long byteEnd = bytesIn + frame.length;
        LiveTag tag = new LiveTag(seq, type, time, frame, byteEnd, keyframe, header);
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
        for (LiveConsumer c : consumers) c.signal();
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
     * Decides the FLV header's track flags (SRS's guess_has_av): as soon as every track the metadata
     * announces (both, without metadata) has been seen, or after {@code trackGuessMs} of media.
     */
    private void guessTracks(long now) {
        if (firstMediaTime < 0) firstMediaTime = now;
        boolean announced = metadata != null;
        boolean expectAudio = !announced || metadataProperties.containsKey("audiocodecid");
        boolean expectVideo = !announced || metadataProperties.containsKey("videocodecid");
        boolean allSeen = (audioSeen || !expectAudio) && (videoSeen || !expectVideo);
        if (allSeen || now - firstMediaTime >= config.trackGuessMs()) {
            trackFlags = (audioSeen ? FlvHeader.FLAG_AUDIO : 0) | (videoSeen ? FlvHeader.FLAG_VIDEO : 0);
        }
    }

    /** The publisher is gone: players get what is buffered, then end of stream. Idempotent, any thread. */
    public void unpublish() {
        if (ended) return;
        ended = true;
        onUnpublish.accept(this);
        for (LiveConsumer c : consumers) c.signal();
    }

    /**
     * Attaches a new player. {@code listener} is called (on the publisher's thread) whenever the
     * consumer had reported nothing to read and something arrived; it must return quickly.
     */
    public LiveConsumer subscribe(String playerId, Runnable listener) {
        LiveConsumer c = new LiveConsumer(this, playerId, listener);
        consumers.add(c);
        return c;
    }

    void unsubscribe(LiveConsumer c) {
        consumers.remove(c);
    }

    TagLog log() {
        return log;
    }

    StreamletConfig config() {
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
