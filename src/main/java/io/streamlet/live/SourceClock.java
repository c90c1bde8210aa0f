package io.streamlet.live;

/**
 * Maps a publisher's RTMP timestamps (unsigned 32 bits, per track, wrapping after 49 days) onto one
 * continuous, monotonic source time that starts at 0.
 *
 * <p>Each track (audio, video) is unwrapped with serial-number arithmetic against its own previous
 * timestamp. A step on a track that goes back more than {@link #MAX_BACKWARD_MS} or forward more than
 * {@link #MAX_FORWARD_MS} is a discontinuity (an encoder restart, a broken clock): the mapping is moved
 * so that tag lands just after the previous one. Small inversions between audio and video are clamped,
 * so source time never goes backwards, without letting the clamp accumulate; a tag whose time is far from the
 * other track's is joined to the present as well, so source time never leaps forward either.
 */
final class SourceClock {
    static final long MAX_BACKWARD_MS = 500;
    static final long MAX_FORWARD_MS = 10_000;
    /** What a discontinuity becomes: one short, plausible frame step. */
    static final long STEP_MS = 10;

    private final long[] lastRaw = new long[2];
    private final long[] lastUnwrapped = new long[2];
    private final boolean[] seen = new boolean[2];
    private boolean started;
    private long offset;
    private long lastMapped;
    private long last;
    /** Where the first tag after {@link #restart} lands. */
    private long resumeAt;

    /** A new publisher session: its first tag comes one step after the last, whatever its own clock says. */
    void restart() {
        seen[0] = seen[1] = false;
        if (started) {
            started = false;
            resumeAt = last + STEP_MS;
        }
    }

    /** Source time of a tag on {@code track} (0 audio, 1 video, -1 for data, which follows the others). */
    long map(int track, long rtmpTimestamp) {
        if (track < 0) return started ? last : 0;
        long unwrapped = seen[track] ? lastUnwrapped[track] + (int) (rtmpTimestamp - lastRaw[track]) : rtmpTimestamp;
        if (!started) {
            offset = resumeAt - unwrapped;
            lastMapped = resumeAt;
            started = true;
        }
        long mapped = unwrapped + offset;
        long step = seen[track] ? unwrapped - lastUnwrapped[track] : 0;
        if (step < -MAX_BACKWARD_MS || step > MAX_FORWARD_MS) {
            offset += lastMapped + STEP_MS - mapped;
            mapped = lastMapped + STEP_MS;
        } else if (mapped < lastMapped - MAX_BACKWARD_MS || mapped > lastMapped + MAX_FORWARD_MS) {
            // A tag far from the other track's clock (a track's first tag, or one whose clock stayed put while
            // a discontinuity of the other moved the offset): join it to the present, so that source time never
            // leaps (found by fuzzing: leaps of 2^31 ms wrapped players' 32-bit timestamps backwards).
            offset += lastMapped - mapped;
            mapped = lastMapped;
        }
        seen[track] = true;
        lastRaw[track] = rtmpTimestamp;
        lastUnwrapped[track] = unwrapped;
        lastMapped = mapped;
        last = Math.max(last, mapped);
        return last;
    }
}
