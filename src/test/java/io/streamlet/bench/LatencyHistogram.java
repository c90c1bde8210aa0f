package io.streamlet.bench;

/**
 * A fixed-size, log-linear histogram of durations in microseconds, in the spirit of HdrHistogram:
 * exact below 128 µs, then 64 buckets per power of two (at most 1.6% relative error). Recording is a
 * few shifts and an increment, with no allocation; one instance per thread, merged at the end.
 */
final class LatencyHistogram {
    private static final int EXACT = 128;
    private static final int SUB_BUCKETS = 64;
    private static final int SUB_BITS = 6;
    /** Values up to 2^40 µs (12 days) have a bucket; larger ones land in the last. */
    private static final int MAX_EXPONENT = 40;
    private static final int BUCKETS = EXACT + (MAX_EXPONENT - SUB_BITS) * SUB_BUCKETS;

    private final long[] counts = new long[BUCKETS];
    private long total;
    private long max;

    void record(long micros) {
        long value = Math.max(0, micros);
        counts[index(value)]++;
        total++;
        max = Math.max(max, value);
    }

    void add(LatencyHistogram other) {
        for (int i = 0; i < BUCKETS; i++) counts[i] += other.counts[i];
        total += other.total;
        max = Math.max(max, other.max);
    }

    long count() {
        return total;
    }

    long maxMicros() {
        return max;
    }

    /** The value at {@code percentile} (0–100), as the middle of its bucket and never above the max; p100 is the max. */
    long percentileMicros(double percentile) {
        if (total == 0) return 0;
        if (percentile >= 100) return max;
        long rank = Math.max(1, (long) Math.ceil(total * percentile / 100.0));
        long seen = 0;
        for (int i = 0; i < BUCKETS; i++) {
            seen += counts[i];
            if (seen >= rank) return Math.min(max, middleOf(i));
        }
        return max;
    }

    static int index(long micros) {
        if (micros < EXACT) return (int) micros;
        int msb = 63 - Long.numberOfLeadingZeros(micros);
        int shift = msb - SUB_BITS;
        int index = EXACT + (shift - 1) * SUB_BUCKETS + (int) (micros >>> shift) - SUB_BUCKETS;
        return Math.min(index, BUCKETS - 1);
    }

    private static long middleOf(int index) {
        if (index < EXACT) return index;
        int shift = (index - EXACT) / SUB_BUCKETS + 1;
        long low = (long) ((index - EXACT) % SUB_BUCKETS + SUB_BUCKETS) << shift;
        return low + (1L << shift) / 2;
    }
}
