package io.streamlet.live;

/**
 * The source's shared, append-only window of recent tags (joy4's pub/sub queue): one ring written by
 * the publisher's thread, read by any number of consumers, each a cursor (a sequence number) into it.
 *
 * <p>Readers need no lock: the publisher stores the slot, then advances the volatile {@code head}; a
 * reader that reads {@code head} sees every slot below it. A slot may be reused while a slow reader
 * still wants its old tag, so readers check the tag's {@code seq} ({@link #get}): tags are immutable,
 * so a stale or new reference is harmless, and a mismatch means the reader fell out of the window.
 */
final class TagLog {
    private final LiveTag[] ring;
    private final int mask;
    /** Sequence number the next appended tag gets; tags in [tail, head) are held. */
    private volatile long head;
    private volatile long tail;
    private long heldBytes;

    TagLog(int capacity) {
        if (Integer.bitCount(capacity) != 1) throw new IllegalArgumentException("capacity must be a power of two");
        ring = new LiveTag[capacity];
        mask = capacity - 1;
    }

    long head() {
        return head;
    }

    long tail() {
        return tail;
    }

    int size() {
        return (int) (head - tail);
    }

    int capacity() {
        return ring.length;
    }

    long heldBytes() {
        return heldBytes;
    }

    /** The tag at {@code seq}, or null when it is not (or no longer) held. */
    LiveTag get(long seq) {
        LiveTag t = ring[(int) seq & mask];
        return t != null && t.seq == seq && seq >= tail ? t : null;
    }

    /** The oldest held tag, or null when empty. Publisher thread only. */
    LiveTag oldest() {
        return head == tail ? null : ring[(int) tail & mask];
    }

    /** Appends {@code tag}, whose seq must be {@link #head()}; the log must not be full. Publisher thread only. */
    void append(LiveTag tag) {
        if (tag.seq != head || size() == ring.length) throw new IllegalStateException("append out of order or full");
        ring[(int) tag.seq & mask] = tag;
        heldBytes += tag.frame.length;
        head = tag.seq + 1;
    }

    /** Forgets the oldest tag. Publisher thread only. */
    void dropOldest() {
        int slot = (int) tail & mask;
        heldBytes -= ring[slot].frame.length;
        ring[slot] = null;
        tail = tail + 1;
    }
}
