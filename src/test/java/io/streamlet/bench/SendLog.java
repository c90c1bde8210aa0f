package io.streamlet.bench;

import java.util.concurrent.atomic.AtomicLongArray;

/**
 * When each stamped tag was handed to the RTMP connection, by sequence id. The publisher stamps a
 * media tag with the next id (written into the last 8 bytes of its payload) and records the send
 * time; a player that reads the id back knows the tag's exact end-to-end latency.
 */
final class SendLog {
    /** Bodies shorter than this are sent unstamped, so the stamp never overwrites a codec header. */
    static final int MIN_STAMPED_BODY = 24;
    private static final int ID_BYTES = 8;

    private final AtomicLongArray sentAt;
    private long lastId;

    SendLog(int capacity) {
        sentAt = new AtomicLongArray(capacity);
    }

    /**
     * Returns a copy of {@code body} stamped with the next id, and records now as its send time; or
     * {@code body} itself when it is too short or the log is full (the run went on longer than sized).
     * Called by the publisher's thread only.
     */
    byte[] stamp(byte[] body) {
        if (body.length < MIN_STAMPED_BODY || lastId + 1 >= sentAt.length()) return body;
        long id = ++lastId;
        byte[] stamped = body.clone();
        int at = stamped.length - ID_BYTES;
        for (int i = 0; i < ID_BYTES; i++) stamped[at + i] = (byte) (id >>> (56 - 8 * i));
        sentAt.set((int) id, System.nanoTime());
        return stamped;
    }

    /** The id stamped in a tag body, or 0 when the body is too short to carry one. */
    static long readId(byte[] body, int offset, int length) {
        if (length < MIN_STAMPED_BODY) return 0;
        long id = 0;
        for (int i = offset + length - ID_BYTES; i < offset + length; i++) id = (id << 8) | (body[i] & 0xFF);
        return id;
    }

    /** When tag {@code id} was sent, or 0 if no tag with that id was (any thread). */
    long sentAt(long id) {
        return id > 0 && id < sentAt.length() ? sentAt.get((int) id) : 0;
    }
}
