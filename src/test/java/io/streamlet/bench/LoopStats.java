package io.streamlet.bench;

/** What the players of one {@link PlayerLoop} measured; touched by that loop's thread only. */
final class LoopStats {
    /** Tag latency (player read time − publisher send time) of full-speed players during the measured interval. */
    final LatencyHistogram latency = new LatencyHistogram();
    /** The same for slow players, whose lag is by design and would drown the figures of the others. */
    final LatencyHistogram slowLatency = new LatencyHistogram();
    /** From the start of the connect to the first response byte. */
    final LatencyHistogram firstByte = new LatencyHistogram();
    /** From the start of the connect to the first video keyframe parsed. */
    final LatencyHistogram firstKeyframe = new LatencyHistogram();
    final long[] violations = new long[Violation.values().length];
    /** Bytes read by all players during the measured interval. */
    long measuredBytes;

    void add(LoopStats other) {
        latency.add(other.latency);
        slowLatency.add(other.slowLatency);
        firstByte.add(other.firstByte);
        firstKeyframe.add(other.firstKeyframe);
        for (int i = 0; i < violations.length; i++) violations[i] += other.violations[i];
        measuredBytes += other.measuredBytes;
    }

    long totalViolations() {
        long total = 0;
        for (long count : violations) total += count;
        return total;
    }
}
