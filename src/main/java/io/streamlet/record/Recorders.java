package io.streamlet.record;

import io.streamlet.OwnedThreads;
import io.streamlet.live.Client;
import io.streamlet.live.LiveSource;
import io.streamlet.live.SourceRegistry;
import io.streamlet.live.StreamKey;
import io.streamlet.metrics.Metrics;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * DVR: records live streams to files, SRS's {@code dvr}. Told by the registry of every stream mounted, it
 * records those {@code streamlet.dvr.*} selects from their publish on; the HTTP API starts and stops others.
 * A recording lasts as long as its source: a republish within the grace window stays in the same file
 * (session plan), and it runs whether or not anybody plays the stream.
 *
 * <p>Every recording is drained by one thread of its own, started on first use: writing files is slow
 * next to moving tags, and never happens on the publisher's thread. One thread suffices for one disk;
 * a pass writes a bounded number of tags, so recordings take turns.
 */
public final class Recorders implements SourceRegistry.Listener, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Recorders.class);

    private final DvrConfig config;
    private final SourceRegistry registry;
    private final Metrics metrics;
    private final Function<String, Client> clients;
    private final Consumer<RecordedFile> onFileClosed;
    private final ZoneId zone;
    private final OwnedThreads threads = new OwnedThreads("streamlet-dvr-");
    private final ExecutorService executor = Executors.newSingleThreadExecutor(threads);
    /** The recording of each stream, as the API sees them. */
    private final ConcurrentHashMap<StreamKey, Recording> byStream = new ConcurrentHashMap<>();
    /** Every recording with a file possibly open, a replaced one still finishing included. */
    private final Set<Recording> running = ConcurrentHashMap.newKeySet();
    private final Recording.Owner owner = new Recording.Owner() {
        @Override
        public Client client(String id) {
            return clients.apply(id);
        }

        @Override
        public void fileClosed(Recording recording, RecordedFile file) {
            metrics.dvrFileClosed();
            log.info("[{}] recorded {} to {}: {} bytes, {} ms{}", recording.id(), file.key(), file.file(), file.bytes(),
                    file.durationMs(), file.error() == null ? "" : " (cut short)");
            onFileClosed.accept(file);
        }

        @Override
        public void stopped(Recording recording, String error) {
            running.remove(recording);
            byStream.remove(recording.key(), recording);
            if (error != null) {
                metrics.dvrFailed();
                log.error("[{}] recording of {} stopped: {}", recording.id(), recording.key(), error);
            } else {
                log.info("[{}] recording of {} stopped", recording.id(), recording.key());
            }
        }
    };

    /**
     * @param clients finds a publisher by client id, for what the hook says of it
     * @param onFileClosed told of each file closed (the {@code on_dvr} hook), on the recorders' thread: return quickly
     */
    public Recorders(DvrConfig config, SourceRegistry registry, Metrics metrics, Function<String, Client> clients,
            Consumer<RecordedFile> onFileClosed, ZoneId zone) {
        this.config = config;
        this.registry = registry;
        this.metrics = metrics;
        this.clients = clients;
        this.onFileClosed = onFileClosed;
        this.zone = zone;
        registry.addListener(this);
    }

    @Override
    public void onMounted(LiveSource source) {
        if (config.recordsOnPublish(source.key())) record(source);
    }

    @Override
    public void onEnded(LiveSource source) {
        // Its recording's cursor ends too: the drain closes the file.
    }

    /** Starts recording the live stream {@code key}, unless it is already; null when nobody publishes it. */
    public Recording start(StreamKey key) {
        LiveSource source = registry.find(key);
        return source == null || source.isEnded() ? null : record(source);
    }

    /** Stops recording {@code key}: what is available is written and the file closed. False if it was not recorded. */
    public boolean stop(StreamKey key) {
        Recording recording = byStream.get(key);
        if (recording == null) return false;
        recording.stop();
        return true;
    }

    /** The recordings now, oldest first. */
    public List<Recording> recordings() {
        List<Recording> all = new ArrayList<>(byStream.values());
        all.sort(Comparator.comparingLong(Recording::startedAtMillis).thenComparing(Recording::id));
        return all;
    }

    private Recording record(LiveSource source) {
        Recording[] started = new Recording[1];
        Recording current = byStream.compute(source.key(), (key, old) -> {
            if (old != null && old.source() == source && !old.isDone()) return old;
            started[0] = new Recording(source, config, owner, executor, zone);
            return started[0];
        });
        if (started[0] != null) {
            running.add(started[0]);
            started[0].start();
        }
        return current;
    }

    /**
     * Lets every recording write what its ended source still had and close its file, then ends the thread.
     * Call after the registry closed (the sources have ended), before the hooks' client closes.
     */
    @Override
    public void close() {
        running.forEach(Recording::stop);
        executor.shutdown();
        try {
            if (!executor.awaitTermination(5, TimeUnit.SECONDS)) {
                log.warn("recordings still writing after 5 s at shutdown: their files end here");
                executor.shutdownNow();
            }
            threads.joinAll(1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            executor.shutdownNow();
        }
        running.forEach(Recording::closeNow);
    }
}
