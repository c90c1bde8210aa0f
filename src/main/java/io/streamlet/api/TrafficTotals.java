package io.streamlet.api;

import io.streamlet.live.Client;
import io.streamlet.metrics.Metrics;
import io.streamlet.server.Streamlet;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Server-wide traffic counters: the final counts of clients that have gone plus what the live ones hold
 * now. Read at scrape time, so the per-frame path only bumps each client's own plain fields.
 *
 * <p>A client leaving during a read may be missed by that read (it is removed from the live set before
 * its counts are added to the gone totals), never counted twice; the totals handed out are clamped to
 * never go below an earlier read, so such a miss never looks like a counter reset to Prometheus.
 */
final class TrafficTotals {

    record Snapshot(long bytesReceived, long bytesSent, long tagsSent, long skips, long droppedTags) {
        Snapshot max(Snapshot o) {
            return new Snapshot(Math.max(bytesReceived, o.bytesReceived), Math.max(bytesSent, o.bytesSent),
                    Math.max(tagsSent, o.tagsSent), Math.max(skips, o.skips), Math.max(droppedTags, o.droppedTags));
        }
    }

    private final Streamlet state;
    private final AtomicReference<Snapshot> highest = new AtomicReference<>(new Snapshot(0, 0, 0, 0, 0));

    TrafficTotals(Streamlet state) {
        this.state = state;
    }

    Snapshot read() {
        Metrics m = state.metrics();
        // The gone totals first, then the live clients: see the class comment.
        long received = m.goneBytesReceived();
        long sent = m.goneBytesSent();
        long tags = m.goneTagsDelivered();
        long skips = m.goneSkips();
        long dropped = m.goneDroppedTags();
        for (Client c : state.clients()) {
            received += c.bytesReceived();
            sent += c.bytesSent();
            tags += c.tagsSent();
            skips += c.skips();
            dropped += c.droppedTags();
        }
        return highest.accumulateAndGet(new Snapshot(received, sent, tags, skips, dropped), Snapshot::max);
    }
}
