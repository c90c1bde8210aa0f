package io.streamlet.delivery;

import io.streamlet.EventLog;
import io.streamlet.OwnedThreads;
import io.streamlet.live.LiveCursor;
import io.streamlet.live.LiveSource;
import io.streamlet.metrics.Metrics;
import io.streamlet.output.StreamEncoder;
import java.util.Collection;
import java.util.Collections;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every player of the server, whatever its transport: the fan-out pool that runs their write loops when
 * their source wakes them, the write buffers of those threads, how long a woken player waits to merge
 * tags into one write ({@link MergePolicy}, fed with the pool's load every {@link #LOAD_SAMPLE_MS} ms),
 * and the watchdog that closes players whose transport made no progress for too long.
 */
public final class Players implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Players.class);
    /** How often the fan-out pool's load is sampled: a few samples within a video frame interval or two. */
    static final long LOAD_SAMPLE_MS = 20;

    private final ConcurrentHashMap<String, Player> byId = new ConcurrentHashMap<>();
    private final OwnedThreads threads = new OwnedThreads("streamlet-fanout-");
    private final OwnedThreads watchdogThread = new OwnedThreads("streamlet-watchdog-");
    private final FanoutPool fanout;
    /**
     * One write buffer per thread that runs write loops (fan-out threads, the transports' callbacks), not
     * per player: a wake-up takes it without a lock or an allocation.
     */
    private final ThreadLocal<byte[]> writeBuffers;
    private final int writeBatchBytes;
    private final ScheduledExecutorService watchdog;
    private final long stallTimeoutNanos;
    private final MergePolicy merging;
    private long lastSampleNanos;
    private long lastBusyNanos;
    private final Metrics metrics;
    private final EventLog events;

    /** @param events writes the players' start and close lines */
    public Players(DeliveryConfig config, Metrics metrics, EventLog events) {
        this.metrics = metrics;
        this.events = events;
        int bufferBytes = config.writeBatchBytes();
        this.writeBatchBytes = bufferBytes;
        this.writeBuffers = ThreadLocal.withInitial(() -> new byte[bufferBytes]);
        this.fanout = new FanoutPool(config.fanoutThreads(), threads);
        this.watchdog = Executors.newSingleThreadScheduledExecutor(watchdogThread);
        this.stallTimeoutNanos = TimeUnit.MILLISECONDS.toNanos(config.playerStallTimeoutMs());
        long period = Math.max(100, Math.min(1000, config.playerStallTimeoutMs() / 4));
        watchdog.scheduleWithFixedDelay(this::closeStalled, period, period, TimeUnit.MILLISECONDS);
        this.merging = new MergePolicy(TimeUnit.MILLISECONDS.toNanos(config.minMergeDelayMs()),
                TimeUnit.MILLISECONDS.toNanos(config.maxMergeDelayMs()));
        if (merging.adapts()) {
            lastSampleNanos = System.nanoTime();
            lastBusyNanos = fanout.busyNanos(lastSampleNanos);
            watchdog.scheduleAtFixedRate(this::sampleLoad, LOAD_SAMPLE_MS, LOAD_SAMPLE_MS, TimeUnit.MILLISECONDS);
        }
    }

    /**
     * Attaches a player to {@code source}, registers it and starts its transport.
     *
     * @param encoder makes the output's bytes from the player's (lossy) cursor
     */
    public Player start(String id, String ip, String remote, String url, Player.Kind kind, LiveSource source,
            Function<LiveCursor, StreamEncoder> encoder, Transport transport) {
        Player player = new Player(id, ip, remote, url, kind, source, encoder, transport, this, metrics);
        if (kind.countsConnection()) metrics.connectionOpened(kind.metric());
        byId.put(id, player);
        // Queued, not written here (see EventLog): the join burst leaves without waiting for the log.
        events.info(log, "[{}] {} player of {} from {} started", id, kind.protocol(), source.key(), remote);
        player.start();
        return player;
    }

    /** The most a player hands its transport in one write. */
    public int writeBatchBytes() {
        return writeBatchBytes;
    }

    /** This thread's write buffer, for one run of a player's write loop. */
    byte[] writeBuffer() {
        return writeBuffers.get();
    }

    /** Where the players' start and close lines go. */
    EventLog events() {
        return events;
    }

    /** This thread's buffer stays with a write still in flight: the thread takes a new one next time. */
    void leaveWriteBuffer() {
        writeBuffers.remove();
    }

    Executor fanout() {
        return fanout;
    }

    /**
     * Runs a woken player's write loop on the fan-out pool: at once, or after the delay the pool's load
     * calls for, so that the tags arriving meanwhile go out in the same write.
     *
     * @throws java.util.concurrent.RejectedExecutionException once the pool is shut down
     */
    void scheduleWrite(Runnable drain) {
        long delay = merging.delayNanos();
        if (delay == 0) fanout.execute(drain);
        else fanout.executeAt(drain, System.nanoTime() + delay);
    }

    /** On the watchdog's thread. */
    private void sampleLoad() {
        long now = System.nanoTime();
        long busy = fanout.busyNanos(now);
        merging.sample(busy - lastBusyNanos, (now - lastSampleNanos) * fanout.size());
        lastSampleNanos = now;
        lastBusyNanos = busy;
    }

    /** Whether the fan-out threads are at work: players then let audio wait for the next video frame. */
    boolean fanoutBusy() {
        return fanout.isBusy();
    }

    void remove(Player player) {
        if (byId.remove(player.id(), player)) {
            synchronized (byId) {
                byId.notifyAll(); // wakes awaitAllClosed()
            }
        }
    }

    public Player find(String id) {
        return byId.get(id);
    }

    public Collection<Player> all() {
        return Collections.unmodifiableCollection(byId.values());
    }

    public int count() {
        return byId.size();
    }

    private void closeStalled() {
        long now = System.nanoTime();
        for (Player p : byId.values()) {
            if (p.isStalled(now, stallTimeoutNanos)) p.closeStalled(stallTimeoutNanos / 1_000_000);
        }
    }

    /**
     * Waits until every player has ended on its own (players of unpublished sources end after the tags they
     * still had to receive), at most {@code timeoutMs}. The write loops keep running meanwhile. True if
     * none is left.
     */
    public boolean awaitAllClosed(long timeoutMs) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        synchronized (byId) {
            while (!byId.isEmpty()) {
                long left = deadline - System.nanoTime();
                if (left <= 0) return false;
                TimeUnit.NANOSECONDS.timedWait(byId, left);
            }
        }
        return true;
    }

    /** Ends every player now and stops the threads. */
    @Override
    public void close() {
        watchdog.shutdownNow();
        byId.values().forEach(p -> p.close("server shutting down"));
        try {
            fanout.shutdown(5000);
            watchdog.awaitTermination(5, TimeUnit.SECONDS);
            watchdogThread.joinAll(1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        // A player whose close the stopped pool never ran (it was queued behind others) ends here.
        byId.values().forEach(p -> p.onTransportGone("server shutting down"));
    }
}
