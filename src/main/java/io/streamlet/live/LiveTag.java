package io.streamlet.live;

/**
 * One published message as every player will receive it: the framed FLV tag bytes, made once and
 * shared (never modified after construction), plus what the core needs to route it.
 */
final class LiveTag {
    /** Position in the source's log. */
    final long seq;
    final int type;
    /** Source time in ms: continuous, monotonic, starting at 0 (see {@link SourceClock}). */
    final long time;
    /** The whole FLV tag (header with timestamp 0, body, PreviousTagSize); players patch the timestamp in their copy. */
    final byte[] frame;
    /** Bytes published up to and including this tag, to measure a player's lag in bytes. */
    final long byteEnd;
    /** A video keyframe: a player may start here. */
    final boolean keyframe;
    /** A codec configuration (sequence header / SequenceStart) or onMetaData: players need the latest one. */
    final boolean header;
    /** The first tag of a new publisher session (a republish): players drop media until its keyframe. */
    final boolean sessionStart;

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
}
