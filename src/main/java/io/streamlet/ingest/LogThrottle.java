package io.streamlet.ingest;

import java.util.concurrent.TimeUnit;

/**
 * At most {@code perSecond} log lines of one kind a second; the rest are counted, and the next line let through
 * says how many were left out. A flood of bad connections (a port scanner, a fuzzer, an encoder reconnecting in
 * a loop) then cannot keep the RTMP I/O thread, which also carries every publisher, writing to a slow log. The
 * metrics still count every one. Used on one thread.
 */
final class LogThrottle {
    private static final long WINDOW_NANOS = TimeUnit.SECONDS.toNanos(1);

    private final int perSecond;
    private long windowStartNanos;
    private int linesInWindow;
    private int leftOut;

    LogThrottle(int perSecond) {
        this.perSecond = perSecond;
    }

    /** -1: leave this line out; else log it, adding that this many were left out before it. */
    int admit(long nowNanos) {
        if (linesInWindow == 0 || nowNanos - windowStartNanos >= WINDOW_NANOS) {
            windowStartNanos = nowNanos;
            linesInWindow = 0;
        }
        if (linesInWindow >= perSecond) {
            leftOut++;
            return -1;
        }
        linesInWindow++;
        int before = leftOut;
        leftOut = 0;
        return before;
    }
}
