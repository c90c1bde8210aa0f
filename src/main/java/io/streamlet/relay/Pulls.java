package io.streamlet.relay;

import io.streamlet.HttpClients;
import io.streamlet.OwnedThreads;
import io.streamlet.live.LiveSource;
import io.streamlet.live.SourceRegistry;
import io.streamlet.live.StreamKey;
import java.net.URI;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The pulls: streams not published here that a {@link UpstreamLocator} knows where to pull from. A play
 * asks {@link #awaitSource}; the first play of such a stream starts its one {@link Pull}, and every play
 * waits, without holding a thread, until the pull has mounted the stream or {@code maxStreamWait} passes.
 */
public final class Pulls implements SourceRegistry.Elsewhere, AutoCloseable {
    /** The request header that carries how many relays a stream crossed to get here; absent is 0. */
    public static final String HOPS_HEADER = "X-Streamlet-Hops";

    private static final Logger log = LoggerFactory.getLogger(Pulls.class);

    /** A locator with the timings of the pulls it starts. */
    record Route(UpstreamLocator locator, Duration idleTimeout, Duration maxStreamWait) {
        /** How often its pulls check their players and upstream: often enough for the shorter timing. */
        long tickMs() {
            return Math.max(50, Math.min(1000, Math.min(idleTimeout.toMillis(), maxStreamWait.toMillis()) / 4));
        }
    }

    private final PullConfig config;
    private final SourceRegistry registry;
    private final RelayIo relayIo;
    private final List<Route> routes = new CopyOnWriteArrayList<>();
    private final ConcurrentHashMap<StreamKey, Pull> pulls = new ConcurrentHashMap<>();
    private final OwnedThreads timerThread = new OwnedThreads("streamlet-pull-timer-");
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(timerThread);
    private final OwnedThreads httpThreads = new OwnedThreads("streamlet-pull-http-");
    /** Made on the first HTTP pull: a server that pulls nothing has no HTTP client thread. */
    private HttpClient http;
    private ExecutorService httpExecutor;

    private final LongAdder started = new LongAdder();
    private final LongAdder upstreamFailures = new LongAdder();
    private final LongAdder upstreamBreaks = new LongAdder();
    private final LongAdder notFound = new LongAdder();
    private final LongAdder bytesOfStopped = new LongAdder();

    /** @param relayIo the I/O thread of outgoing RTMP connections, for RTMP upstreams */
    public Pulls(PullConfig config, SourceRegistry registry, RelayIo relayIo) {
        this.config = config;
        this.registry = registry;
        this.relayIo = relayIo;
        registry.setElsewhere(this);
        if (!config.sources().isEmpty()) {
            addLocator(new StaticSources(config), Duration.ofMillis(config.idleTimeoutMs()),
                    Duration.ofMillis(config.maxStreamWaitMs()));
        }
    }

    /**
     * Lets {@code locator} serve the streams it {@link UpstreamLocator#covers}, after the locators added
     * before it (the static {@code streamlet.pull.sources} come first).
     *
     * @param idleTimeout a pull goes on this long after its last player left (a player back in time reuses it)
     * @param maxStreamWait a play waits this long for the stream to come before a 404 / StreamNotFound
     */
    public void addLocator(UpstreamLocator locator, Duration idleTimeout, Duration maxStreamWait) {
        routes.add(new Route(locator, idleTimeout, maxStreamWait));
    }

    /** Starts the pulls of {@code streamlet.pull.always}. */
    public void start() {
        for (StreamKey key : config.always()) {
            Route route = routeFor(key);
            if (route != null) startPull(key, route, 1, true);
        }
    }

    /** {@code streamlet.pull.maxHops}. */
    public int maxHops() {
        return config.maxHops();
    }

    /**
     * The live source to play {@code key} from: the one published here, or the one a pull mounts for it.
     * Completes with null when there is none: no locator covers the stream, the play already crossed
     * {@code maxHops} relays, or the stream did not come within the locator's {@code maxStreamWait}.
     *
     * @param hops how many relays the play crossed ({@link #HOPS_HEADER}; 0 for a player)
     */
    @Override
    public CompletableFuture<LiveSource> awaitSource(StreamKey key, int hops) {
        LiveSource live = registry.find(key);
        Route route = live != null && live.publisherId() != null || hops >= config.maxHops() ? null : routeFor(key);
        if (route == null) {
            Pull pulling = live == null ? null : pulls.get(key);
            if (pulling != null) pulling.touch(); // a player: the pull is not idle, however short its visit
            return CompletableFuture.completedFuture(live);
        }
        if (live != null) { // a stream waiting for a republish (republishGrace): its pull comes back if it was one
            pullFor(key, route, hops);
            return CompletableFuture.completedFuture(live);
        }
        CompletableFuture<LiveSource> waiter = new CompletableFuture<>();
        pullFor(key, route, hops).await(waiter);
        return waiter.completeOnTimeout(null, route.maxStreamWait().toMillis(), TimeUnit.MILLISECONDS)
                .whenComplete((source, failure) -> {
                    if (source == null) notFound.increment();
                });
    }

    /** The running pull of {@code key}, started if there is none. */
    private Pull pullFor(StreamKey key, Route route, int hops) {
        Pull[] made = new Pull[1];
        Pull pull = pulls.compute(key, (k, running) -> {
            if (running != null && !running.isStopped()) return running;
            made[0] = new Pull(this, k, route, hops + 1, false);
            return made[0];
        });
        if (made[0] != null) begin(made[0]);
        return pull;
    }

    private void startPull(StreamKey key, Route route, int hops, boolean always) {
        Pull pull = new Pull(this, key, route, hops, always);
        if (pulls.putIfAbsent(key, pull) == null) begin(pull);
    }

    private void begin(Pull pull) {
        started.increment();
        pull.start();
    }

    private Route routeFor(StreamKey key) {
        for (Route r : routes) if (r.locator().covers(key)) return r;
        return null;
    }

    /** The pulls now, oldest first. */
    public List<Pull> pulls() {
        List<Pull> list = new ArrayList<>(pulls.values());
        list.sort(Comparator.comparingLong(Pull::startedAtMillis).thenComparing(Pull::id));
        return list;
    }

    /** Pulls started since the server started. */
    public long startedCount() {
        return started.sum();
    }

    /** Connections to an upstream that failed before any media came (refused, 404, timeout). */
    public long upstreamFailures() {
        return upstreamFailures.sum();
    }

    /** Upstreams that broke while media came: each was followed by a reconnect. */
    public long upstreamBreaks() {
        return upstreamBreaks.sum();
    }

    /** Plays that waited for a pull and got no stream (404 / StreamNotFound): no upstream had it in time. */
    public long notFoundCount() {
        return notFound.sum();
    }

    /** Bytes received from upstreams, by the pulls running now and those stopped. */
    public long bytesIn() {
        long sum = bytesOfStopped.sum();
        for (Pull p : pulls.values()) sum += p.bytesIn();
        return sum;
    }

    SourceRegistry registry() {
        return registry;
    }

    void upstreamFailed() {
        upstreamFailures.increment();
    }

    void upstreamBroke() {
        upstreamBreaks.increment();
    }

    ScheduledFuture<?> schedulePeriodic(Runnable task, long periodMs) {
        try {
            return timer.scheduleAtFixedRate(task, periodMs, periodMs, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException closing) {
            return null;
        }
    }

    void schedule(Runnable task, long delayMs) {
        try {
            timer.schedule(task, delayMs, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException closing) {
            // closing: the pull is being stopped
        }
    }

    void stopped(Pull pull) {
        if (pulls.remove(pull.key(), pull)) bytesOfStopped.add(pull.bytesIn());
    }

    /** Opens a connection to {@code url} by its scheme. */
    Upstream open(String pullId, URI url, int hops, Route route, Upstream.Listener listener) {
        return switch (url.getScheme().toLowerCase(Locale.ROOT)) {
            case "http", "https" -> HttpFlvUpstream.open(httpClient(), url, hops, route.maxStreamWait(), listener);
            case "rtmp" -> RtmpUpstream.open(pullId, relayIo, url, route.maxStreamWait(), listener);
            default -> throw new IllegalArgumentException("unsupported upstream scheme: " + url.getScheme());
        };
    }

    private synchronized HttpClient httpClient() {
        if (http == null) {
            httpExecutor = Executors.newCachedThreadPool(httpThreads);
            http = HttpClients.build(HttpClient.newBuilder()
                    .version(HttpClient.Version.HTTP_1_1) // one long response per pull: nothing to multiplex
                    .connectTimeout(Duration.ofMillis(config.maxStreamWaitMs()))
                    .followRedirects(HttpClient.Redirect.NORMAL)
                    .executor(httpExecutor));
        }
        return http;
    }

    /** Stops every pull (their streams are unpublished) and the pulls' threads. Before the registry closes. */
    @Override
    public void close() {
        pulls.values().forEach(p -> p.stop("server stopping"));
        timer.shutdownNow();
        ExecutorService e;
        synchronized (this) {
            e = httpExecutor;
        }
        if (e != null) e.shutdownNow();
        try {
            timerThread.joinAll(1000);
            httpThreads.joinAll(1000);
        } catch (InterruptedException ie) {
            Thread.currentThread().interrupt();
        }
        log.debug("pulls closed");
    }

    /** {@code streamlet.pull.sources} as a locator. */
    private record StaticSources(PullConfig config) implements UpstreamLocator {
        @Override
        public boolean covers(StreamKey key) {
            return config.sources().stream().anyMatch(s -> s.matches(key));
        }

        @Override
        public CompletableFuture<List<URI>> locate(StreamKey key) {
            return CompletableFuture.completedFuture(config.sourcesOf(key));
        }
    }
}
