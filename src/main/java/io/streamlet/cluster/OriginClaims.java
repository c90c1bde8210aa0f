package io.streamlet.cluster;

import io.streamlet.OwnedThreads;
import io.streamlet.live.LiveSource;
import io.streamlet.live.SourceRegistry;
import io.streamlet.live.StreamKey;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An origin's entries in the stream directory: a publish takes its stream ({@link #claim}) before the source
 * is mounted, so a second publisher of the stream on another origin is refused as one on this origin would
 * be; a heartbeat refreshes every entry held (writing it again if the directory lost it); an entry is
 * released when its stream ends, when its publisher left (a republish on another origin may then take it,
 * and one here takes it again), and on stop.
 *
 * <p>When the directory cannot be reached, publishes go on: the heartbeat writes their entries once it is
 * back. Should another origin have taken the stream meanwhile, both keep publishing and this one logs the
 * conflict; edges follow the directory.
 */
public final class OriginClaims implements SourceRegistry.Listener, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(OriginClaims.class);

    /** A stream held or being taken: since when (a claim whose publish never mounted is dropped after one ttl). */
    private static final class Held {
        final long sinceNanos = System.nanoTime();
        volatile boolean conflict;
    }

    private final StreamDirectory directory;
    private final StreamDirectory.Entry self;
    private final SourceRegistry registry;
    private final ClusterMetrics metrics;
    private final long ttlMs;
    private final Map<StreamKey, Held> held = new ConcurrentHashMap<>();
    private final Set<CompletableFuture<?>> releasing = ConcurrentHashMap.newKeySet();
    private final OwnedThreads threads = new OwnedThreads("streamlet-cluster-heartbeat-");
    private final ScheduledExecutorService heartbeat = Executors.newSingleThreadScheduledExecutor(threads);

    public OriginClaims(StreamDirectory directory, StreamDirectory.Entry self, SourceRegistry registry,
            ClusterConfig config, ClusterMetrics metrics) {
        this.directory = directory;
        this.self = self;
        this.registry = registry;
        this.metrics = metrics;
        this.ttlMs = config.claimTtlMs();
        heartbeat.scheduleWithFixedDelay(this::refreshAll, config.heartbeatMs(), config.heartbeatMs(), TimeUnit.MILLISECONDS);
        registry.addListener(this);
    }

    /**
     * Takes {@code key} for this origin before its publish: completes with null when the publish may go on,
     * or with why not (another origin holds the stream). Never fails; never blocks the caller.
     */
    public CompletableFuture<String> claim(StreamKey key) {
        Held claim = held.computeIfAbsent(key, k -> new Held());
        return directory.hold(key, self, ttlMs).handle((ours, failure) -> {
            if (failure != null) return null; // the directory logged its outage; the heartbeat writes the entry later
            if (ours) {
                metrics.claimed();
                return null;
            }
            held.remove(key, claim);
            metrics.refused();
            return "stream " + key + " is already published on another origin";
        });
    }

    @Override
    public void onMounted(LiveSource source) {
        if (held.putIfAbsent(source.key(), new Held()) == null) claim(source.key()); // mounted without a claim (not RTMP)
    }

    @Override
    public void onEnded(LiveSource source) {
        if (held.remove(source.key()) != null) release(source.key());
    }

    private void refreshAll() {
        for (Map.Entry<StreamKey, Held> e : List.copyOf(held.entrySet())) {
            StreamKey key = e.getKey();
            Held claim = e.getValue();
            LiveSource source = registry.find(key);
            boolean pending = source == null && System.nanoTime() - claim.sinceNanos < TimeUnit.MILLISECONDS.toNanos(ttlMs);
            if (source != null && source.publisherId() != null || pending) {
                directory.hold(key, self, ttlMs).thenAccept(ours -> noteConflict(key, claim, !ours));
            } else if (held.remove(key, claim)) {
                release(key); // its publisher left (or never came): let another origin take it
            }
        }
    }

    private void noteConflict(StreamKey key, Held claim, boolean conflict) {
        if (conflict && !claim.conflict) {
            log.warn("stream {} is held by another origin in the directory while published here (taken during a directory outage)", key);
        }
        claim.conflict = conflict;
    }

    private void release(StreamKey key) {
        CompletableFuture<Void> done = directory.release(key, self);
        releasing.add(done);
        done.whenComplete((r, failure) -> releasing.remove(done));
    }

    /** Stops the heartbeat and releases every entry still held, waiting a moment for the directory to answer. */
    @Override
    public void close() {
        heartbeat.shutdownNow();
        held.keySet().forEach(this::release);
        held.clear();
        try {
            CompletableFuture.allOf(releasing.toArray(CompletableFuture[]::new)).get(2, TimeUnit.SECONDS);
        } catch (Exception e) {
            if (e instanceof InterruptedException) Thread.currentThread().interrupt();
            log.warn("stream directory: entries of this origin not all released on stop ({}); they expire in {} ms", e, ttlMs);
        }
        try {
            threads.joinAll(1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
