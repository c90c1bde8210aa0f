package io.streamlet.live;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * A way an output encodes one tag, the same for all its consumers (RTMP chunks with their headers, say),
 * cached on the tag by {@link LiveTag#encoded} so that publishing stays O(1) in the number of players:
 * each output declares its encoding once, as a constant.
 */
public final class TagEncoding<T> {
    /** How many encodings a process may declare; each tag keeps a slot for each. */
    static final int SLOTS = 8;
    private static final AtomicInteger next = new AtomicInteger();

    final int slot;
    private final Function<LiveTag, T> encoder;

    private TagEncoding(Function<LiveTag, T> encoder) {
        this.slot = next.getAndIncrement();
        if (slot >= SLOTS) throw new IllegalStateException("more than " + SLOTS + " tag encodings declared");
        this.encoder = encoder;
    }

    /** Declares an encoding; {@code encoder} must be pure (its result depends on the tag alone). */
    public static <T> TagEncoding<T> of(Function<LiveTag, T> encoder) {
        return new TagEncoding<>(encoder);
    }

    T encode(LiveTag tag) {
        return encoder.apply(tag);
    }
}
