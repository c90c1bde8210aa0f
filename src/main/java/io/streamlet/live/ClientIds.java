package io.streamlet.live;

import java.util.concurrent.atomic.AtomicLong;

/** Short process-unique ids for publishers and players, as SRS's client ids: they tie log lines together. */
public final class ClientIds {
    private static final AtomicLong NEXT = new AtomicLong(1);

    private ClientIds() {}

    public static String next() {
        return Long.toString(NEXT.getAndIncrement(), 36);
    }
}
