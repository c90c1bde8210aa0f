package io.streamlet.cluster;

import io.streamlet.live.StreamKey;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * The directory of a single node (no {@code streamlet.cluster.redis}): the same rules as the shared one, in
 * this JVM, so an origin works alone and tests can share one directory between nodes of one JVM.
 */
public final class InMemoryStreamDirectory implements StreamDirectory {
    private record Held(Entry holder, long expiresAtMs) {}

    private final ConcurrentHashMap<StreamKey, Held> entries = new ConcurrentHashMap<>();
    private final LongSupplier clockMs;

    public InMemoryStreamDirectory() {
        this(System::currentTimeMillis);
    }

    InMemoryStreamDirectory(LongSupplier clockMs) {
        this.clockMs = clockMs;
    }

    @Override
    public CompletableFuture<Boolean> hold(StreamKey key, Entry holder, long ttlMs) {
        long now = clockMs.getAsLong();
        Held after = entries.compute(key, (k, held) ->
                held == null || held.expiresAtMs <= now || held.holder.equals(holder) ? new Held(holder, now + ttlMs) : held);
        return CompletableFuture.completedFuture(after.holder.equals(holder));
    }

    @Override
    public CompletableFuture<Void> release(StreamKey key, Entry holder) {
        entries.computeIfPresent(key, (k, held) -> held.holder.equals(holder) ? null : held);
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public CompletableFuture<Optional<Entry>> lookup(StreamKey key) {
        Held held = entries.get(key);
        boolean live = held != null && held.expiresAtMs > clockMs.getAsLong();
        return CompletableFuture.completedFuture(live ? Optional.of(held.holder) : Optional.empty());
    }

    @Override
    public void close() {
        entries.clear();
    }
}
