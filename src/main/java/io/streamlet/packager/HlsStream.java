package io.streamlet.packager;

import io.streamlet.auth.AccessRequest;
import io.streamlet.flv.FlvTag;
import io.streamlet.flv.ScriptData;
import io.streamlet.hls.Media;
import io.streamlet.hls.Playlist;
import io.streamlet.hls.Segment;
import io.streamlet.hls.Segmenter;
import io.streamlet.live.Client;
import io.streamlet.live.LiveCursor;
import io.streamlet.live.LiveSource;
import io.streamlet.live.LiveTag;
import io.streamlet.live.StreamKey;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One live stream's HLS: a lossless cursor into its source feeds a {@link Segmenter} on the packager's threads
 * (never the publisher's), and each segment made goes into a {@link Playlist} over the newest
 * {@code streamlet.hls.window} segments; the last few that left the window stay for players that are late.
 * What is served is an immutable {@link View}, replaced whole at each segment, so requests read it without a lock.
 *
 * <p>A republish within the grace window makes the next segment a discontinuity; the end of the stream closes
 * the open segment and ends the playlist ({@code EXT-X-ENDLIST}).
 *
 * <p>Threads: the drain ({@link #drain}) runs on one packager thread at a time (a work-in-progress counter, as a
 * player's drain), and only it touches the cursor, the segmenter, the playlist and the files.
 */
public final class HlsStream implements LiveCursor.Listener {
    private static final Logger log = LoggerFactory.getLogger(HlsStream.class);
    /** Segments kept after they left the playlist, for players that fetched it just before. */
    static final int LATE_SEGMENTS = 3;
    /** Tags a drain takes before it lets another stream's drain run on its thread. */
    private static final int BATCH = 256;

    /** What is served now. {@code playlist} is null until the first segment. */
    record View(String playlist, Map<Long, Segment> segments, Map<Integer, byte[]> inits, long lastSequence,
            boolean ended) {}

    private final HlsPackager packager;
    private final LiveSource source;
    private final StreamKey key;
    private final String generation;
    private final Segmenter segmenter;
    private final Playlist playlist;
    private final HlsFiles files;
    private final ArrayDeque<Segment> kept = new ArrayDeque<>();
    private final AtomicInteger wip = new AtomicInteger();
    private final CompletableFuture<Void> firstSegment = new CompletableFuture<>();
    private volatile View view = new View(null, Map.of(), Map.of(), -1, false);
    /** Set (with {@link #removePlaylistFile}) by {@link #discard}; acted on by the drain. */
    private volatile boolean discarded;
    private volatile boolean removePlaylistFile;

    private LiveCursor cursor;
    private Map<String, Object> metadata = Map.of();
    private int sessionStarts;
    private boolean finished;
    private boolean cleanedUp;
    private boolean warnedCutAtLimit;
    private boolean warnedBadMedia;
    private String publisherId;
    private AccessRequest publisher;

    HlsStream(HlsPackager packager, LiveSource source) {
        this.packager = packager;
        this.source = source;
        this.key = source.key();
        this.generation = Long.toString(source.publishedAtMillis(), 36);
        HlsConfig config = packager.config();
        this.segmenter = new Segmenter(packager.segmenterOptions(), this::segmentMade);
        this.playlist = new Playlist(config.window(), config.fragmentMs());
        this.files = config.path() == null ? null : new HlsFiles(config.path(), key.app(), key.toString());
        this.cursor = subscribe();
    }

    public StreamKey key() {
        return key;
    }

    /** Starts taking the stream's media. */
    void start() {
        onDataAvailable();
    }

    /** The playlist (RFC 8216), or null while no segment has been made. */
    public String playlist() {
        return view.playlist();
    }

    /** Whether the stream has ended: the playlist says {@code EXT-X-ENDLIST}. */
    public boolean isEnded() {
        return view.ended();
    }

    /** Completes when the playlist lists a segment, or the stream ended without one. */
    public CompletableFuture<Void> firstSegment() {
        return firstSegment;
    }

    /** A segment still kept, or null: unknown, of another publish, gone, or not of that container. */
    public byte[] segment(HlsPath path) {
        if (!path.generation().equals(generation)) return null;
        Segment s = view.segments().get(path.number());
        boolean fmp4 = path.kind() == HlsPath.Kind.FMP4_SEGMENT;
        return s == null || s.isFmp4() != fmp4 ? null : s.data();
    }

    /** An fMP4 initialization section a kept segment needs, or null. */
    public byte[] initSection(HlsPath path) {
        if (!path.generation().equals(generation) || path.number() > Integer.MAX_VALUE) return null;
        return view.inits().get((int) path.number());
    }

    /** The media sequence number of the newest segment, or -1 before the first. */
    public long lastSequence() {
        return view.lastSequence();
    }

    /** Segments kept in memory now, and their bytes. */
    public int segmentsKept() {
        return view.segments().size();
    }

    public long bytesKept() {
        long sum = 0;
        for (Segment s : view.segments().values()) sum += s.data().length;
        return sum;
    }

    @Override
    public void onDataAvailable() {
        if (wip.getAndIncrement() == 0) packager.execute(this::drain);
    }

    /** Stops taking media (the stream ended and was dropped, or the server stops); its files are removed. */
    void discard(boolean removePlaylistFile) {
        this.removePlaylistFile = removePlaylistFile;
        discarded = true;
        onDataAvailable(); // the drain acts on it in its turn
    }

    private void cleanUp() {
        cleanedUp = true;
        finished = true;
        cursor.close();
        if (files == null) return;
        for (Segment s : kept) files.delete(segmentName(s));
        view.inits().keySet().forEach(id -> files.delete(HlsPath.initName(key, generation, id)));
        if (removePlaylistFile) files.delete(playlistFileName());
    }

    private LiveCursor subscribe() {
        return source.subscribe("hls-" + key, LiveCursor.Mode.LOSSLESS, this);
    }

    private void drain() {
        int missed = 1;
        while (true) {
            if (pump()) { // more to take: let other streams' drains run, then go on
                packager.execute(this::drain);
                return;
            }
            missed = wip.addAndGet(-missed);
            if (missed == 0) return;
        }
    }

    /** Takes what the cursor has; true if it stopped after a batch with more to take. */
    private boolean pump() {
        if (discarded) {
            if (!cleanedUp) cleanUp();
            return false;
        }
        if (finished) return false;
        try {
            for (int n = 0; n < BATCH; n++) {
                if (!cursor.advance()) {
                    if (cursor.isEnded()) ended();
                    return false;
                }
                take(cursor.tag(), cursor.timestamp());
            }
            return true;
        } catch (RuntimeException e) {
            log.error("[hls] bug while segmenting {}; its HLS ends here", key, e);
            finished = true;
            cursor.close();
            return false;
        }
    }

    private void take(LiveTag tag, int timestamp) {
        if (cursor.sessionStarts() != sessionStarts) { // a republish: the encoder started over
            sessionStarts = cursor.sessionStarts();
            closeSegment(segmenter::discontinuity);
        }
        byte[] body = Arrays.copyOfRange(tag.bodyArray(), tag.bodyOffset(), tag.bodyOffset() + tag.bodyLength());
        try {
            if (tag.type() == FlvTag.SCRIPT) {
                if (tag.isHeader()) metadata = ScriptData.parse(body).properties();
                return;
            }
            Media media = Media.fromFlvTag(tag.type(), timestamp, body, metadata);
            if (media != null) segmenter.accept(media);
        } catch (IllegalArgumentException e) {
            badMedia(e); // the tag is skipped (or the segment it closed is lost: see Segmenter#accept)
        }
    }

    /** Closes the open segment through {@code close}; a segment the muxer cannot make is lost, not the stream's HLS. */
    private void closeSegment(Runnable close) {
        try {
            close.run();
        } catch (IllegalArgumentException e) {
            badMedia(e);
        }
    }

    /**
     * The publisher sent media that cannot be segmented: bad input, not a bug, told in one line (once per stream;
     * the rest at debug level), and the stream's HLS goes on without it.
     */
    private void badMedia(IllegalArgumentException e) {
        if (warnedBadMedia) {
            log.debug("[hls] {} (stream {}): bad media from the publisher: {}", key, source.id(), e.getMessage());
        } else {
            warnedBadMedia = true;
            log.warn("[hls] {} (stream {}): bad media from the publisher (told once per stream): {}", key, source.id(),
                    e.getMessage());
        }
    }

    /** The cursor ended: the stream did (ENDLIST), or this lossless consumer fell out of the source's window. */
    private void ended() {
        if (cursor.failure() != null) {
            log.warn("[hls] {} fell behind and starts again at the newest keyframe: {}", key, cursor.failure());
            packager.countResync();
            cursor.close();
            cursor = subscribe();
            closeSegment(segmenter::discontinuity);
            onDataAvailable();
            return;
        }
        finished = true;
        cursor.close();
        closeSegment(segmenter::finish); // the last segment may be lost, not the end: players still get EXT-X-ENDLIST
        playlist.end();
        publishView(true);
        firstSegment.complete(null);
        log.info("[hls] {} ended after {} segments", key, segmenter.nextSequence());
        packager.streamEnded(this);
    }

    /** The segmenter made a segment: list it, keep it, write it, tell the hooks. On the drain. */
    private void segmentMade(Segment segment) {
        String name = segmentName(segment);
        String map = segment.isFmp4() ? HlsPath.initName(key, generation, segment.init().id()) : null;
        if (files != null) {
            if (map != null && view.inits().get(segment.init().id()) == null) files.write(map, segment.init().data());
            files.write(name, segment.data());
        }
        playlist.add(new Playlist.Entry(segment.sequence(), name, segment.durationMs(), segment.discontinuity(), map));
        kept.addLast(segment);
        while (kept.size() > packager.config().window() + LATE_SEGMENTS) {
            Segment gone = kept.removeFirst();
            if (files != null) files.delete(segmentName(gone));
        }
        publishView(false);
        firstSegment.complete(null);
        packager.countSegment(segment);
        if (segment.cutAtLimit() && !warnedCutAtLimit) {
            warnedCutAtLimit = true;
            log.warn("[hls] {}: segment {} cut at {} ms without a keyframe; the encoder's keyframe interval should be "
                    + "at most streamlet.hls.fragment ({} ms)", key, segment.sequence(), segment.durationMs(),
                    packager.config().fragmentMs());
        }
        if (packager.access().hasHlsHooks()) tellHooks(segment, name);
    }

    private void publishView(boolean ended) {
        Map<Long, Segment> segments = new HashMap<>();
        Map<Integer, byte[]> inits = new LinkedHashMap<>();
        for (Segment s : kept) {
            segments.put(s.sequence(), s);
            if (s.isFmp4()) inits.putIfAbsent(s.init().id(), s.init().data());
        }
        if (files != null) {
            for (Integer id : view.inits().keySet()) {
                if (!inits.containsKey(id)) files.delete(HlsPath.initName(key, generation, id));
            }
        }
        String text = kept.isEmpty() && !ended ? null : playlist.render();
        view = new View(text, Map.copyOf(segments), Map.copyOf(inits), segmenter.nextSequence() - 1, ended);
        if (files != null && text != null) files.replace(playlistFileName(), text.getBytes(StandardCharsets.UTF_8));
    }

    /** SRS's on_hls: the publisher's fields, and the segment's. */
    private void tellHooks(Segment segment, String name) {
        String id = source.publisherId();
        if (id != null && !id.equals(publisherId)) {
            publisherId = id;
            Client client = packager.client(id);
            publisher = new AccessRequest(id, client == null ? "" : client.ip(), key, Map.of(),
                    client == null || client.tcUrl() == null ? "" : client.tcUrl(), null, id);
        }
        if (publisher == null) return; // the publisher left before its first segment was made
        String appDir = key.app() + "/";
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("duration", segment.durationMs() / 1000.0);
        fields.put("cwd", System.getProperty("user.dir"));
        fields.put("file", files == null ? "" : files.pathOf(name).toString());
        fields.put("url", appDir + name);
        fields.put("m3u8", files == null ? "" : files.pathOf(playlistFileName()).toString());
        fields.put("m3u8_url", appDir + playlistFileName());
        fields.put("seq_no", segment.sequence());
        packager.access().hlsSegmentMade(publisher, fields);
    }

    private String segmentName(Segment s) {
        return HlsPath.segmentName(key, generation, s.sequence(), s.isFmp4());
    }

    private String playlistFileName() {
        return key.stream() + HlsPath.Kind.PLAYLIST.extension;
    }

    @Override
    public String toString() {
        return key.toString();
    }
}
