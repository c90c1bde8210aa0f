package io.streamlet.api;

import io.streamlet.live.Client;
import io.streamlet.live.LiveSource;
import io.streamlet.server.Streamlet;
import java.util.ArrayDeque;
import java.util.HashSet;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * Bit rates over the last 30 s (SRS's {@code kbps.recv_30s} / {@code send_30s}) of every stream and
 * client, from their byte counters sampled every few seconds by one thread; nothing is done per frame.
 * A rate is (bytes now − bytes at the oldest sample in the window) over that time; an object younger
 * than the window counts from its start, at 0 bytes.
 */
final class TrafficSampler implements AutoCloseable {
    static final long WINDOW_MS = 30_000;
    private static final long PERIOD_MS = 5_000;

    /** Byte counters of one object at one time. */
    private record Sample(long atMillis, long received, long sent) {}

    /** Kilobits per second received and sent. */
    record Kbps(long recv30s, long send30s) {}

    private final Streamlet state;
    private final Map<String, ArrayDeque<Sample>> history = new ConcurrentHashMap<>();
    private final ScheduledExecutorService timer;

    TrafficSampler(Streamlet state) {
        this.state = state;
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "streamlet-api-sampler");
            t.setDaemon(true);
            return t;
        });
        timer.scheduleWithFixedDelay(this::sampleAll, PERIOD_MS, PERIOD_MS, TimeUnit.MILLISECONDS);
    }

    Kbps of(Client client) {
        return rate(client.id(), client.connectedAtMillis(), client.bytesReceived(), client.bytesSent());
    }

    Kbps of(LiveSource stream) {
        return rate(stream.id(), stream.publishedAtMillis(), stream.bytesIn(), stream.bytesOut());
    }

    private Kbps rate(String id, long startMillis, long received, long sent) {
        long now = System.currentTimeMillis();
        Sample origin = new Sample(startMillis, 0, 0);
        ArrayDeque<Sample> samples = history.get(id);
        if (samples != null) {
            synchronized (samples) {
                if (!samples.isEmpty()) origin = samples.peekFirst();
            }
        }
        long elapsedMs = Math.max(1, now - origin.atMillis);
        // bytes × 8 / ms = kilobits per second
        return new Kbps((received - origin.received) * 8 / elapsedMs, (sent - origin.sent) * 8 / elapsedMs);
    }

    private void sampleAll() {
        long now = System.currentTimeMillis();
        Set<String> seen = new HashSet<>();
        for (LiveSource s : state.streams()) record(seen, s.id(), now, s::bytesIn, s::bytesOut);
        for (Client c : state.clients()) record(seen, c.id(), now, c::bytesReceived, c::bytesSent);
        history.keySet().retainAll(seen);
    }

    private void record(Set<String> seen, String id, long now, LongSupplier received, LongSupplier sent) {
        seen.add(id);
        ArrayDeque<Sample> samples = history.computeIfAbsent(id, k -> new ArrayDeque<>());
        synchronized (samples) {
            samples.addLast(new Sample(now, received.getAsLong(), sent.getAsLong()));
            // Keep one sample at least a window old, so that the rate spans the whole window.
            while (samples.size() > 1 && now - secondOldest(samples).atMillis >= WINDOW_MS) samples.removeFirst();
        }
    }

    private static Sample secondOldest(ArrayDeque<Sample> samples) {
        Iterator<Sample> it = samples.iterator();
        it.next();
        return it.next();
    }

    @Override
    public void close() {
        timer.shutdownNow();
        try {
            timer.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
