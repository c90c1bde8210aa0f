package io.streamlet.relay;

import io.streamlet.flv.FlvTag;
import io.streamlet.flv.ScriptData;
import io.streamlet.live.ClientIds;
import io.streamlet.live.LiveSource;
import io.streamlet.live.Publication;
import io.streamlet.live.StreamBusyException;
import io.streamlet.live.StreamKey;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One stream pulled from elsewhere: looks its upstream up, connects, and publishes what arrives into the
 * core as a publisher would, so that its players, HLS, DVR and forwards see an ordinary stream. When the
 * upstream breaks it looks the stream up again with backoff and resumes the same source (players stay on,
 * time goes forward); it stops once no player has watched for the idle timeout, unless it is kept always on.
 *
 * <p>Threads: upstream reports arrive on the upstream's threads, timers on the pulls' timer; the state is
 * guarded by this object's lock, which is never held while calling out (waiters, the registry's map).
 */
public final class Pull {
    private static final Logger log = LoggerFactory.getLogger(Pull.class);
    /** An upstream silent this long is taken for dead (a live stream sends several tags a second). */
    static final long STALL_NANOS = TimeUnit.SECONDS.toNanos(10);

    /** Where a pull is. */
    public enum State { LOOKING_UP, CONNECTING, PULLING, WAITING_TO_RETRY, STOPPED }

    private final Pulls owner;
    private final StreamKey key;
    private final Pulls.Route route;
    private final int hops;
    private final boolean always;
    private final String id = ClientIds.next();
    private final long startedAtMillis = System.currentTimeMillis();
    private final Backoff backoff = Backoff.withJitter();
    private final List<CompletableFuture<LiveSource>> waiters = new ArrayList<>();

    private State state = State.LOOKING_UP;
    /** Counts connection attempts: reports of an older attempt are ignored. */
    private int attempt;
    private Upstream upstream;
    private URI upstreamUrl;
    /** The attempt whose media is being published, or 0 before its first message. */
    private volatile int publishing;
    private volatile Publication publication;
    private long bytesOfPastUpstreams;
    private long reconnects;
    private long lastAwaitNanos = System.nanoTime();
    private long idleSinceNanos = System.nanoTime();
    private long receivingSinceNanos;
    private ScheduledFuture<?> tick;

    Pull(Pulls owner, StreamKey key, Pulls.Route route, int hops, boolean always) {
        this.owner = owner;
        this.key = key;
        this.route = route;
        this.hops = hops;
        this.always = always;
    }

    public StreamKey key() {
        return key;
    }

    /** A process-unique id: the publisher id of the stream it mounts, and its log lines' tag. */
    public String id() {
        return id;
    }

    public synchronized State state() {
        return state;
    }

    /** The upstream connected or being connected to, or null between attempts. */
    public synchronized URI upstreamUrl() {
        return upstreamUrl;
    }

    public synchronized long bytesIn() {
        return bytesOfPastUpstreams + (upstream == null ? 0 : upstream.bytesIn());
    }

    /** Times the upstream broke after media had come, and was connected again. */
    public synchronized long reconnects() {
        return reconnects;
    }

    public boolean isAlwaysOn() {
        return always;
    }

    public long startedAtMillis() {
        return startedAtMillis;
    }

    /** The hop count this pull's requests carry. */
    public int hops() {
        return hops;
    }

    void start() {
        log.info("[{}] pull {} started ({})", id, key, always ? "always on" : "on demand, hops " + hops);
        tick = owner.schedulePeriodic(this::onTick, route.tickMs());
        lookUp();
    }

    /** A player waits: {@code waiter} completes with the source once mounted, or with null if the pull stops first. */
    void await(CompletableFuture<LiveSource> waiter) {
        LiveSource mounted;
        synchronized (this) {
            lastAwaitNanos = idleSinceNanos = System.nanoTime();
            Publication p = publication;
            mounted = p == null || state == State.STOPPED ? null : p.source();
            if (mounted == null && state != State.STOPPED) {
                waiters.removeIf(CompletableFuture::isDone);
                waiters.add(waiter);
                return;
            }
        }
        waiter.complete(mounted);
    }

    /** A player arrived: the idle time counts from now (players are also counted on every tick). */
    synchronized void touch() {
        idleSinceNanos = System.nanoTime();
    }

    synchronized boolean isStopped() {
        return state == State.STOPPED;
    }

    private void lookUp() {
        int lookup;
        synchronized (this) {
            if (state == State.STOPPED) return;
            state = State.LOOKING_UP;
            lookup = ++attempt;
        }
        CompletableFuture<List<URI>> found;
        try {
            found = route.locator().locate(key);
        } catch (RuntimeException e) {
            found = CompletableFuture.failedFuture(e);
        }
        found.whenComplete((urls, failure) -> {
            if (failure != null) log.warn("[{}] pull {}: lookup failed: {}", id, key, failure.toString());
            onCandidates(lookup, failure != null || urls == null ? List.of() : List.copyOf(urls));
        });
    }

    private void onCandidates(int lookup, List<URI> urls) {
        synchronized (this) {
            if (state == State.STOPPED || lookup != attempt) return;
            if (!urls.isEmpty()) {
                connect(urls, 0);
                return;
            }
        }
        retryLater("no upstream has it");
    }

    /** Lock held. */
    private void connect(List<URI> candidates, int index) {
        int current = ++attempt;
        state = State.CONNECTING;
        upstreamUrl = candidates.get(index);
        log.info("[{}] pull {} connecting to {}", id, key, upstreamUrl);
        Upstream.Listener listener = new Upstream.Listener() {
            private final LeadingAudioGate gate = new LeadingAudioGate();

            @Override
            public void onMedia(int type, long timestamp, byte[] payload) {
                if (gate.admits(type, timestamp, payload)) Pull.this.onMedia(current, type, timestamp, payload);
            }

            @Override
            public void onEnd(String reason) {
                onUpstreamEnd(current, candidates, index, reason);
            }
        };
        try {
            upstream = owner.open(id, upstreamUrl, hops, route, listener);
        } catch (RuntimeException e) { // a URL the client cannot use at all (no such scheme)
            log.warn("[{}] pull {}: cannot open {}: {}", id, key, upstreamUrl, e.getMessage());
            upstream = null;
            owner.upstreamFailed();
            int next = index + 1;
            if (next < candidates.size()) {
                connect(candidates, next);
            } else {
                owner.schedule(() -> retryLater("no upstream could be opened"), 0); // not under this lock
            }
        }
    }

    /** On the upstream's thread. */
    private void onMedia(int from, int type, long timestamp, byte[] payload) {
        if (type == FlvTag.SCRIPT && !isMetadata(payload)) return; // an RTMP server's |RtmpSampleAccess, a cue point
        if (publishing != from && !startPublishing(from)) return;
        try {
            publication.onMessage(type, timestamp, payload);
        } catch (IllegalArgumentException e) {
            log.warn("[{}] pull {}: media refused by the source: {}", id, key, e.getMessage());
            Upstream u;
            synchronized (this) {
                u = from == attempt ? upstream : null;
            }
            if (u != null) {
                u.close();
                onUpstreamEnd(from, List.of(), 0, "media refused");
            }
        }
    }

    /** Only metadata is kept of data messages, as of an RTMP publisher's. */
    private static boolean isMetadata(byte[] payload) {
        try {
            return ScriptData.parse(payload).isMetadata();
        } catch (IllegalArgumentException malformed) {
            return false;
        }
    }

    /** The first message of attempt {@code from}: mount the stream, or resume it after a reconnect. */
    private boolean startPublishing(int from) {
        List<CompletableFuture<LiveSource>> ready;
        LiveSource source;
        synchronized (this) {
            if (state == State.STOPPED || from != attempt) return false;
            if (publication == null) {
                try {
                    publication = owner.registry().publish(key, id, () -> owner.schedule(() -> stop("replaced by a publisher"), 0));
                } catch (StreamBusyException e) { // someone publishes it here now: the players get that
                    log.info("[{}] pull {} not needed: {}", id, key, e.getMessage());
                    owner.schedule(() -> stop("published here meanwhile"), 0);
                    return false;
                }
            } else {
                Publication resumed = owner.registry().resume(publication);
                if (resumed == null) return false; // replaced meanwhile: the stop is on its way
                publication = resumed;
            }
            publishing = from;
            state = State.PULLING;
            receivingSinceNanos = idleSinceNanos = System.nanoTime(); // idle time counts from when there is something to watch
            source = publication.source();
            ready = List.copyOf(waiters);
            waiters.clear();
            log.info("[{}] pull {} receiving from {}", id, key, upstreamUrl);
        }
        ready.forEach(w -> w.complete(source));
        return true;
    }

    private void onUpstreamEnd(int from, List<URI> candidates, int index, String reason) {
        synchronized (this) {
            if (state == State.STOPPED || from != attempt) return;
            if (upstream != null) bytesOfPastUpstreams += upstream.bytesIn();
            upstream = null;
            if (publishing == from) {
                reconnects++;
                owner.upstreamBroke();
                backoff.connectionEnded(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - receivingSinceNanos));
                log.warn("[{}] pull {}: upstream {} broke: {}", id, key, upstreamUrl, reason);
            } else {
                owner.upstreamFailed();
                log.info("[{}] pull {}: upstream {} failed: {}", id, key, upstreamUrl, reason);
                if (index + 1 < candidates.size()) {
                    connect(candidates, index + 1);
                    return;
                }
            }
        }
        retryLater(reason);
    }

    /** Looks the stream up again after the backoff, unless nobody waits for it any more. */
    private void retryLater(String reason) {
        long delay;
        synchronized (this) {
            if (state == State.STOPPED) return;
            if (!neededWithoutSource()) {
                delay = -1;
            } else {
                state = State.WAITING_TO_RETRY;
                upstreamUrl = null;
                delay = backoff.nextDelayMs();
                attempt++; // a late report of the failed attempt is ignored
            }
        }
        if (delay < 0) {
            stop("no player waits any more (" + reason + ")");
            return;
        }
        log.debug("[{}] pull {}: next lookup in {} ms", id, key, delay);
        owner.schedule(this::lookUp, delay);
    }

    /** Lock held: whether the pull has reason to go on (a mounted stream's idle check decides for that). */
    private boolean neededWithoutSource() {
        if (always || publication != null) return true;
        waiters.removeIf(CompletableFuture::isDone);
        return !waiters.isEmpty() || System.nanoTime() - lastAwaitNanos < route.maxStreamWait().toNanos();
    }

    private void onTick() {
        String stopFor = null;
        Upstream stalled = null;
        int stalledAttempt = 0;
        synchronized (this) {
            if (state == State.STOPPED) return;
            long now = System.nanoTime();
            Publication p = publication;
            if (p != null && p.source().consumerCount() > 0) idleSinceNanos = now;
            if (always) {
                // kept on whatever the players
            } else if (p != null && now - idleSinceNanos >= route.idleTimeout().toNanos()) {
                stopFor = "idle for " + route.idleTimeout().toMillis() + " ms";
            } else if (p == null && !neededWithoutSource()) {
                stopFor = "the stream did not come within " + route.maxStreamWait().toMillis() + " ms";
            }
            if (stopFor == null && upstream != null && upstream.silentNanos() > STALL_NANOS) {
                stalled = upstream;
                stalledAttempt = attempt;
            }
        }
        if (stopFor != null) {
            stop(stopFor);
        } else if (stalled != null) {
            stalled.close();
            onUpstreamEnd(stalledAttempt, List.of(), 0, "nothing received for " + TimeUnit.NANOSECONDS.toSeconds(STALL_NANOS) + " s");
        }
    }

    /** Ends the pull: the upstream is closed, the stream unpublished, waiting players told there is none. */
    void stop(String reason) {
        Upstream u;
        Publication p;
        List<CompletableFuture<LiveSource>> waiting;
        synchronized (this) {
            if (state == State.STOPPED) return;
            state = State.STOPPED;
            u = upstream;
            if (u != null) bytesOfPastUpstreams += u.bytesIn();
            upstream = null;
            p = publication;
            waiting = List.copyOf(waiters);
            waiters.clear();
        }
        if (tick != null) tick.cancel(false);
        if (u != null) u.close();
        if (p != null) p.unpublish();
        owner.stopped(this);
        log.info("[{}] pull {} stopped: {} ({} bytes, {} reconnects)", id, key, reason, bytesIn(), reconnects());
        waiting.forEach(w -> w.complete(owner.registry().find(key)));
    }
}
