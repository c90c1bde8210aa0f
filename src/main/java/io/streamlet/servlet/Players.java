package io.streamlet.servlet;

import java.util.Collection;
import java.util.Collections;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The HTTP-FLV players of one webapp: the fan-out pool that runs their write loops when the publisher
 * wakes them, and the watchdog that closes players whose output made no progress for too long.
 */
final class Players implements AutoCloseable {
    private final ConcurrentHashMap<String, FlvPlayer> byId = new ConcurrentHashMap<>();
    private final ExecutorService fanout;
    private final ScheduledExecutorService watchdog;
    private final long stallTimeoutNanos;

    Players(int fanoutThreads, long stallTimeoutMs) {
        this.fanout = Executors.newFixedThreadPool(fanoutThreads, daemonThreads("streamlet-fanout-"));
        this.watchdog = Executors.newSingleThreadScheduledExecutor(daemonThreads("streamlet-watchdog-"));
        this.stallTimeoutNanos = TimeUnit.MILLISECONDS.toNanos(stallTimeoutMs);
        long period = Math.max(100, Math.min(1000, stallTimeoutMs / 4));
        watchdog.scheduleWithFixedDelay(this::closeStalled, period, period, TimeUnit.MILLISECONDS);
    }

    ExecutorService fanout() {
        return fanout;
    }

    void add(FlvPlayer player) {
        byId.put(player.id(), player);
    }

    void remove(FlvPlayer player) {
        byId.remove(player.id(), player);
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
            if (p.isStalled(now, stallTimeoutNanos)) p.close("stalled: no write progress for " + stallTimeoutNanos / 1_000_000 + " ms");
        }
    }

    /** Ends every player's response and stops the threads. */
    @Override
    public void close() {
        watchdog.shutdownNow();
        byId.values().forEach(p -> p.close("server shutting down"));
        fanout.shutdown();
        try {
            if (!fanout.awaitTermination(5, TimeUnit.SECONDS)) fanout.shutdownNow();
            watchdog.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            fanout.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }

    static ThreadFactory daemonThreads(String prefix) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, prefix + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }
}
