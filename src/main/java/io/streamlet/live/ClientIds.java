package io.streamlet.live;

import java.util.Comparator;
import java.util.concurrent.atomic.AtomicLong;

/** Short process-unique ids for publishers and players, as SRS's client ids: they tie log lines together. */
public final class ClientIds {
    private static final AtomicLong NEXT = new AtomicLong(1);

    private ClientIds() {}

    public static String next() {
        return Long.toString(NEXT.getAndIncrement(), 36);
    }

    /** Orders ids as they were made: clients connected within one millisecond still list in order. */
    public static final Comparator<String> CREATION_ORDER = Comparator.comparingLong(id -> Long.parseLong(id, 36));
}
