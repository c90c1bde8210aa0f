package io.streamlet.live;

import io.streamlet.flv.FlvTag;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * One published message as every consumer will receive it, made once and shared, never modified after
 * construction: its body, what the core needs to route it, and the encodings outputs made of it.
 *
 * <p>The body is stored inside a whole FLV tag ({@link FlvTag#frame}: header with timestamp 0, body,
 * PreviousTagSize), so that the most common output, FLV, needs no encoding of its own; other outputs read
 * the body from {@link #bodyOffset()} and cache their encoding here ({@link #encoded}).
 */
public final class LiveTag {
    private static final VarHandle SLOT = MethodHandles.arrayElementVarHandle(Object[].class);

    /** Position in the source's log. */
    final long seq;
    final int type;
    /** Source time in ms: continuous, monotonic, starting at 0 (see {@link SourceClock}). */
    final long time;
    final byte[] frame;
    /** Bytes published up to and including this tag, to measure a consumer's lag in bytes. */
    final long byteEnd;
    final boolean keyframe;
    final boolean header;
    /** The first tag of a new publisher session (a republish): consumers drop media until its keyframe. */
    final boolean sessionStart;
    /** One slot per {@link TagEncoding}, filled by the first consumer that needs it. */
    private final Object[] encodings = new Object[TagEncoding.SLOTS];

    LiveTag(long seq, int type, long time, byte[] frame, long byteEnd, boolean keyframe, boolean header,
            boolean sessionStart) {
        this.seq = seq;
        this.type = type;
        this.time = time;
        this.frame = frame;
        this.byteEnd = byteEnd;
        this.keyframe = keyframe;
        this.header = header;
        this.sessionStart = sessionStart;
    }

    /** {@link FlvTag#AUDIO}, {@link FlvTag#VIDEO} or {@link FlvTag#SCRIPT} (onMetaData, unwrapped). */
    public int type() {
        return type;
    }

    /** Source time in ms; consumers see it rebased ({@link LiveCursor#timestamp()}). */
    public long time() {
        return time;
    }

    /** A video keyframe (or, for audio-only streams, a join point): a consumer may start here. */
    public boolean isKeyframe() {
        return keyframe;
    }

    /** A codec configuration (sequence header / SequenceStart) or onMetaData. */
    public boolean isHeader() {
        return header;
    }

    /**
     * The whole FLV tag with timestamp 0; shared: callers must not modify it (they copy it and patch the
     * timestamp in their copy with {@link FlvTag#writeTimestamp}).
     */
    public byte[] flvFrame() {
        return frame;
    }

    /** The array holding the body: {@link #flvFrame()}; read {@link #bodyLength()} bytes from {@link #bodyOffset()}. */
    public byte[] bodyArray() {
        return frame;
    }

    public int bodyOffset() {
        return FlvTag.HEADER_SIZE;
    }

    public int bodyLength() {
        return frame.length - FlvTag.HEADER_SIZE - FlvTag.TRAILER_SIZE;
    }

    /**
     * This tag in {@code encoding}'s form, made on first use and shared by every consumer after. Two
     * consumers asking at once may both make it; encodings are pure, so either result serves.
     */
    @SuppressWarnings("unchecked")
    public <T> T encoded(TagEncoding<T> encoding) {
        Object cached = SLOT.getAcquire(encodings, encoding.slot);
        if (cached == null) {
            cached = encoding.encode(this);
            SLOT.setRelease(encodings, encoding.slot, cached);
        }
        return (T) cached;
    }
}
