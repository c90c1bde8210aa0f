package io.streamlet.cluster;

import io.streamlet.live.StreamKey;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * Which origin holds which stream: {@code stream → {node, epoch}}, written by origins, read by edges. An entry
 * is held with a time to live and refreshed, so the entries of a node that died go away by themselves.
 *
 * <p>Every operation answers a future and never blocks its caller (a publisher's or player's thread). A future
 * fails when the directory cannot be reached; callers decide what that means (an origin lets a publish go
 * on, an edge falls back to its static origins).
 */
public interface StreamDirectory extends AutoCloseable {

    /** Who holds a stream: the node's base URL and its epoch (the run of that node, so a restarted node is another holder). */
    record Entry(String node, String epoch) {
        public Entry {
            if (node.contains(" ") || epoch.contains(" ")) throw new IllegalArgumentException("blanks in " + node + " " + epoch);
        }

        /** The entry as the directory stores it. */
        String encode() {
            return epoch + " " + node;
        }

        static Entry decode(String stored) {
            int blank = stored.indexOf(' ');
            if (blank < 0) throw new IllegalArgumentException("not a directory entry: " + stored);
            return new Entry(stored.substring(blank + 1), stored.substring(0, blank));
        }
    }

    /**
     * Takes {@code key} for {@code holder} for {@code ttlMs}, or extends its hold if {@code holder} holds it
     * already (the heartbeat: a compare-and-set, which also writes the entry again if it was lost, as after a
     * Redis restart). True when {@code holder} holds it now; false when someone else does.
     */
    CompletableFuture<Boolean> hold(StreamKey key, Entry holder, long ttlMs);

    /** Deletes {@code key}'s entry if {@code holder} still holds it; someone else's entry stays. */
    CompletableFuture<Void> release(StreamKey key, Entry holder);

    /** The holder of {@code key}, or empty. */
    CompletableFuture<Optional<Entry>> lookup(StreamKey key);

    @Override
    void close();
}
