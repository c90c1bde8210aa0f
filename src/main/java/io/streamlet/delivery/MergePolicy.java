package io.streamlet.delivery;

/**
 * How long a player woken for new tags waits before it writes, so that the tags arriving meanwhile leave
 * in the same write. A write costs the same system call and container work whatever it carries, so
 * merging the tags of a few tens of milliseconds cuts the fan-out threads' work per Gbit/s; it also adds
 * that much latency, so it is only worth it when the threads are short of time.
 *
 * <p>The measure of that is the fan-out threads' load: the share of the last moments they were running
 * write loops (or ready to and waiting for a core), smoothed over about {@link #SAMPLES_SMOOTHED}
 * samples. Below {@link #IDLE_LOAD} nothing waits; from there the delay grows in proportion to the load,
 * reaching the ceiling at {@link #FULL_LOAD}. That is a feedback loop: merging lowers the load, which
 * lowers the delay, so it settles at the smallest delay that the load needs.
 *
 * <p>A floor makes every wake-up wait at least that long, whatever the load: SRS's {@code mw_latency}, for
 * those who trade latency for CPU at any load (and for measuring Streamlet at SRS's latency).
 *
 * <p>Pure: fed with the threads' busy time by a sampler; {@link #delayNanos} is read by any thread.
 */
final class MergePolicy {
    /** Load under which every wake-up writes at once. */
    static final double IDLE_LOAD = 0.5;
    /** Load from which the delay is the ceiling. */
    static final double FULL_LOAD = 0.9;
    /** The smoothing's weight of history, in samples (an exponential moving average). */
    static final int SAMPLES_SMOOTHED = 4;

    private final long minDelayNanos;
    private final long maxDelayNanos;
    private double load;
    private volatile long delayNanos;

    /**
     * @param minDelayNanos the floor, at any load; 0: at once while the threads have time to spare
     * @param maxDelayNanos the ceiling, raised to the floor if below it; both 0 turn merging off
     */
    MergePolicy(long minDelayNanos, long maxDelayNanos) {
        if (minDelayNanos < 0 || maxDelayNanos < 0) {
            throw new IllegalArgumentException("negative delay: " + minDelayNanos + ", " + maxDelayNanos);
        }
        this.minDelayNanos = minDelayNanos;
        this.maxDelayNanos = Math.max(minDelayNanos, maxDelayNanos);
        this.delayNanos = minDelayNanos;
    }

    /** Whether the delay ever changes with the load, so that sampling it is worth anything. */
    boolean adapts() {
        return maxDelayNanos > minDelayNanos;
    }

    /**
     * One sample, from one thread at a time: the threads were busy {@code busyNanos} of the
     * {@code capacityNanos} they had (elapsed time × threads) since the previous sample.
     */
    void sample(long busyNanos, long capacityNanos) {
        if (capacityNanos <= 0) return;
        double share = Math.min(1.0, Math.max(0.0, (double) busyNanos / capacityNanos));
        load += (share - load) / SAMPLES_SMOOTHED;
        double pressure = (load - IDLE_LOAD) / (FULL_LOAD - IDLE_LOAD);
        delayNanos = minDelayNanos + (long) ((maxDelayNanos - minDelayNanos) * Math.min(1.0, Math.max(0.0, pressure)));
    }

    /** The smoothed load, 0 to 1. */
    double load() {
        return load;
    }

    /** How long a player woken now waits before it writes; 0: at once. */
    long delayNanos() {
        return delayNanos;
    }
}
