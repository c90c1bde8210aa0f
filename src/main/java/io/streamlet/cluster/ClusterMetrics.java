package io.streamlet.cluster;

import java.util.concurrent.atomic.LongAdder;

/** The cluster's counters, read by {@code /metrics} as {@code streamlet_cluster_*}. */
public final class ClusterMetrics {
    private final LongAdder directoryErrors = new LongAdder();
    private final LongAdder claims = new LongAdder();
    private final LongAdder refusals = new LongAdder();

    void directoryError() {
        directoryErrors.increment();
    }

    void claimed() {
        claims.increment();
    }

    void refused() {
        refusals.increment();
    }

    /** Directory commands that failed (Redis unreachable or too slow). */
    public long directoryErrors() {
        return directoryErrors.sum();
    }

    /** Publishes whose stream this origin took in the directory. */
    public long claims() {
        return claims.sum();
    }

    /** Publishes refused because another origin holds the stream. */
    public long refusals() {
        return refusals.sum();
    }
}
