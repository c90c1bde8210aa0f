package io.streamlet.servlet;

import io.streamlet.OwnedThreads;
import java.util.Collection;
import java.util.Collections;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The HTTP-FLV players of one webapp: the fan-out pool that runs their write loops when the publisher
 * wakes them, and the watchdog that closes players whose output made no progress for too long.
 */
final class Players implements AutoCloseable {

    private final ConcurrentHashMap<String, FlvPlayer> byId = new ConcurrentHashMap<>();
    private final OwnedThreads threads = new OwnedThreads("streamlet-fanout-");
    private final OwnedThreads watchdogThread = new OwnedThreads("streamlet-watchdog-");
    private final FanoutPool fanout;
    /**
     * One write buffer per thread that runs write loops (fan-out threads, the container's callbacks), not
     * per player: a wake-up takes it without a lock or an allocation.
     */
    private final ThreadLocal<byte[]> writeBuffers;
    private final ScheduledExecutorService watchdog;
    private final long stallTimeoutNanos;

    Players(int fanoutThreads, long stallTimeoutMs, int writeBufferBytes) {
        this.writeBuffers = ThreadLocal.withInitial(() -> new byte[writeBufferBytes]);
        this.fanout = new FanoutPool(fanoutThreads, threads);
        this.watchdog = Executors.newSingleThreadScheduledExecutor(watchdogThread);
        this.stallTimeoutNanos = TimeUnit.MILLISECONDS.toNanos(stallTimeoutMs);
        long period = Math.max(100, Math.min(1000, stallTimeoutMs / 4));
        watchdog.scheduleWithFixedDelay(this::closeStalled, period, period, TimeUnit.MILLISECONDS);
    }

    /** This thread's write buffer, for one run of a player's write loop. */
    byte[] writeBuffer() {
        return writeBuffers.get();
    }

    /** This thread's buffer stays with a write still in flight: the thread takes a new one next time. */
    void leaveWriteBuffer() {
        writeBuffers.remove();
    }

    Executor fanout() {
        return fanout;
    }

    /** Whether the fan-out threads are at work: players then let audio wait for the next video frame. */
    boolean fanoutBusy() {
        return fanout.isBusy();
    }

    void add(FlvPlayer player) {
        byId.put(player.id(), player);
    }

    void remove(FlvPlayer player) {
        if (byId.remove(player.id(), player)) {
            synchronized (byId) {
                byId.notifyAll(); // wakes awaitAllClosed()
            }
        }
    }

    FlvPlayer find(String id) {
        return byId.get(id);
    }

    Collection<FlvPlayer> all() {
        return Collections.unmodifiableCollection(byId.values());
    }

    private void closeStalled() {
        long now = System.nanoTime();
        for (FlvPlayer p : byId.values()) {
            if (p.isStalled(now, stallTimeoutNanos)) p.closeStalled(stallTimeoutNanos / 1_000_000);
        }
    }

    /**
     * Waits until every player's response has ended on its own (players of unpublished sources end after
     * the tags they still had to receive), at most {@code timeoutMs}. The write loops keep running
     * meanwhile. True if none is left.
     */
    boolean awaitAllClosed(long timeoutMs) throws InterruptedException {
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

    int count() {
        return byId.size();
    }

    /** Ends every player's response now and stops the threads. */
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
    }
}
