package io.streamlet.bench;

/**
 * The run's timeline in {@link System#nanoTime()} terms: players are opened evenly over the ramp, then
 * a warm-up lets them settle, then the measured interval; everything stops at its end.
 */
record Schedule(long startNanos, long rampNanos, long measureStartNanos, long endNanos) {

    static Schedule startingNow(double rampSeconds, double warmupSeconds, double seconds) {
        long start = System.nanoTime();
        long ramp = secondsToNanos(rampSeconds);
        long measureStart = start + ramp + secondsToNanos(warmupSeconds);
        return new Schedule(start, ramp, measureStart, measureStart + secondsToNanos(seconds));
    }

    /** When player {@code index} of {@code count} is opened. */
    long openAt(int index, int count) {
        return startNanos + rampNanos * index / count;
    }

    boolean measuring(long nanos) {
        return nanos >= measureStartNanos && nanos < endNanos;
    }

    double measuredSeconds() {
        return (endNanos - measureStartNanos) / 1e9;
    }

    static long secondsToNanos(double seconds) {
        return Math.round(seconds * 1e9);
    }
}
