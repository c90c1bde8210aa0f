package io.streamlet.packager;

import io.streamlet.OwnedThreads;
import io.streamlet.auth.AccessPolicy;
import io.streamlet.hls.Segment;
import io.streamlet.hls.Segmenter;
import io.streamlet.live.Client;
import io.streamlet.live.LiveSource;
import io.streamlet.live.SourceRegistry;
import io.streamlet.live.StreamKey;
import java.util.Collection;
import java.util.Collections;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * HLS of every live stream, served from memory: a sink attached to the {@link SourceRegistry} that makes an
 * {@link HlsStream} when a stream is mounted. Its few threads segment every stream (never the publishers'),
 * end idle {@link HlsSessions}, and drop ended streams once their players had time to read the end.
 *
 * <p>Memory per stream is bounded: the playlist's window plus {@link HlsStream#LATE_SEGMENTS}, each segment at
 * most {@link #MAX_SEGMENT_BYTES} (or {@link #MAX_SEGMENT_MS} of media) even when keyframes do not come, and
 * the open segment's frames.
 */
public final class HlsPackager implements SourceRegistry.Listener, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(HlsPackager.class);
    /** Segments without keyframes in time are cut at this much media, or 3 fragments if longer (OBS's default GOP is 8 s). */
    static final long MAX_SEGMENT_MS = 10_000;
    static final long MAX_SEGMENT_BYTES = 32L << 20;
    private static final int THREADS = 2;
    private static final long SESSION_SWEEP_MS = 1_000;

    private final HlsConfig config;
    private final AccessPolicy access;
    private final Function<String, Client> clients;
    private final Segmenter.Options segmenterOptions;
    private final OwnedThreads threads = new OwnedThreads("streamlet-hls-");
    private final ScheduledThreadPoolExecutor executor;
    private final ConcurrentHashMap<StreamKey, HlsStream> streams = new ConcurrentHashMap<>();
    private final HlsSessions sessions;
    private final LongAdder segments = new LongAdder();
    private final LongAdder segmentBytes = new LongAdder();
    private final LongAdder segmentsCutAtLimit = new LongAdder();
    private final LongAdder resyncs = new LongAdder();
    private final LongAdder playlistsServed = new LongAdder();
    private final LongAdder segmentsServed = new LongAdder();
    private final LongAdder bytesServed = new LongAdder();

    /** @param clients finds a connected client by id: the publisher, for the {@code on_hls} hook's fields */
    public HlsPackager(HlsConfig config, AccessPolicy access, Function<String, Client> clients) {
        this.config = config;
        this.access = access;
        this.clients = clients;
        long maxSegmentMs = Math.max(3 * config.fragmentMs(), MAX_SEGMENT_MS);
        this.segmenterOptions = new Segmenter.Options(config.fragmentMs(), maxSegmentMs, MAX_SEGMENT_BYTES,
                Segmenter.Container.AUTO);
        this.sessions = new HlsSessions(access, Math.max(30_000, 3 * config.fragmentMs()));
        this.executor = new ScheduledThreadPoolExecutor(THREADS, threads);
        executor.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
        executor.setRemoveOnCancelPolicy(true);
        executor.prestartAllCoreThreads(); // its threads are there from the start: none appears later (LifecycleIT)
        executor.scheduleWithFixedDelay(sessions::endIdle, SESSION_SWEEP_MS, SESSION_SWEEP_MS, TimeUnit.MILLISECONDS);
    }

    @Override
    public void onMounted(LiveSource source) {
        HlsStream stream = new HlsStream(this, source);
        HlsStream old = streams.put(source.key(), stream);
        if (old != null) old.discard(false); // an ended publish still kept for its players: the new one takes its URL
        stream.start();
    }

    @Override
    public void onEnded(LiveSource source) {
        // The stream's cursor sees the end and closes its playlist (HlsStream#ended).
    }

    /** The HLS of a stream, also for a while after it ended (its playlist then ends with EXT-X-ENDLIST); or null. */
    public HlsStream find(StreamKey key) {
        return streams.get(key);
    }

    public Collection<HlsStream> streams() {
        return Collections.unmodifiableCollection(streams.values());
    }

    public HlsSessions sessions() {
        return sessions;
    }

    public HlsConfig config() {
        return config;
    }

    /** Runs {@code task} on a packager thread after {@code delayMs}; at once, here, when the server is stopping. */
    public void schedule(Runnable task, long delayMs) {
        try {
            executor.schedule(task, delayMs, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException stopping) {
            task.run();
        }
    }

    /** A stream ended: its last playlist stays for the time a player at the window's start needs to reach the end. */
    void streamEnded(HlsStream stream) {
        long keepMs = Math.max(10_000, 2 * config.window() * config.fragmentMs());
        try {
            executor.schedule(() -> {
                if (streams.remove(stream.key(), stream)) stream.discard(true);
            }, keepMs, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException stopping) {
            // The server stops: the files stay as they are, with their ENDLIST.
        }
    }

    void execute(Runnable task) {
        try {
            executor.execute(task);
        } catch (RejectedExecutionException stopping) {
            log.debug("HLS task refused: the server is stopping");
        }
    }

    AccessPolicy access() {
        return access;
    }

    Segmenter.Options segmenterOptions() {
        return segmenterOptions;
    }

    Client client(String id) {
        return clients.apply(id);
    }

    void countSegment(Segment segment) {
        segments.increment();
        segmentBytes.add(segment.data().length);
        if (segment.cutAtLimit()) segmentsCutAtLimit.increment();
    }

    void countResync() {
        resyncs.increment();
    }

    /** A playlist was served. */
    public void countPlaylistServed(int bytes) {
        playlistsServed.increment();
        bytesServed.add(bytes);
    }

    /** A segment or initialization section was served. */
    public void countSegmentServed(int bytes) {
        segmentsServed.increment();
        bytesServed.add(bytes);
    }

    public long segmentsMade() {
        return segments.sum();
    }

    public long segmentBytesMade() {
        return segmentBytes.sum();
    }

    public long segmentsCutAtLimit() {
        return segmentsCutAtLimit.sum();
    }

    /** Times a stream's segmenting fell out of the source's window and started again at a keyframe. */
    public long resyncs() {
        return resyncs.sum();
    }

    public long playlistsServed() {
        return playlistsServed.sum();
    }

    public long segmentsServed() {
        return segmentsServed.sum();
    }

    public long bytesServed() {
        return bytesServed.sum();
    }

    /**
     * Stops, after the registry closed: the streams' ends (segments, ENDLIST, files) are made first, for a
     * second at most; then the sessions end (their on_stop hooks are told) and every thread has exited.
     */
    @Override
    public void close() {
        executor.shutdown();
        try {
            if (!executor.awaitTermination(1, TimeUnit.SECONDS)) log.warn("HLS segmenting still running at stop: abandoned");
            executor.shutdownNow();
            sessions.endAll();
            threads.joinAll(1_000);
        } catch (InterruptedException e) {
            executor.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }
}
