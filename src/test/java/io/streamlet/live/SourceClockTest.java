package io.streamlet.live;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class SourceClockTest {
    private static final int AUDIO = 0;
    private static final int VIDEO = 1;

    @Test
    void startsAtZeroAndKeepsRelativeTiming() {
        SourceClock clock = new SourceClock();
        assertEquals(0, clock.map(VIDEO, 90_000));
        assertEquals(0, clock.map(AUDIO, 89_990), "a small inversion across tracks is clamped, not a jump");
        assertEquals(33, clock.map(VIDEO, 90_033));
        assertEquals(33, clock.map(AUDIO, 90_013), "clamped to stay monotonic");
        assertEquals(66, clock.map(VIDEO, 90_066), "the clamp does not accumulate");
        assertEquals(66, clock.map(AUDIO, 90_036), "audio at 46 ms is clamped behind video at 66 ms");
        assertEquals(79, clock.map(AUDIO, 90_079));
    }

    @Test
    void unwrapsThe32BitRtmpClock() {
        SourceClock clock = new SourceClock();
        long nearWrap = 0xFFFF_FFFFL - 20;
        assertEquals(0, clock.map(VIDEO, nearWrap));
        assertEquals(40, clock.map(VIDEO, 19), "19 ms after the wrap is 40 ms after 2^32 - 21");
        assertEquals(73, clock.map(VIDEO, 52));
    }

    @Test
    void discontinuitiesBecomeASmallStep() {
        SourceClock clock = new SourceClock();
        clock.map(VIDEO, 10_000);
        assertEquals(33, clock.map(VIDEO, 10_033));
        assertEquals(33 + SourceClock.STEP_MS, clock.map(VIDEO, 0), "an encoder restart to 0 continues forward");
        assertEquals(33 + SourceClock.STEP_MS + 33, clock.map(VIDEO, 33));
        long before = clock.map(VIDEO, 66);
        long after = clock.map(VIDEO, 66 + 3_600_000);
        assertEquals(before + SourceClock.STEP_MS, after, "a jump an hour ahead is a discontinuity too");
    }

    @Test
    void neverGoesBackwards() {
        SourceClock clock = new SourceClock();
        long last = 0;
        java.util.Random random = new java.util.Random(7);
        long raw = 0;
        for (int i = 0; i < 10_000; i++) {
            raw += random.nextInt(3000) - 1000;
            long t = clock.map(random.nextInt(2), raw & 0xFFFF_FFFFL);
            assertTrue(t >= last, "went back at " + i);
            last = t;
        }
    }

    @Test
    void aDiscontinuityOnOneTrackDoesNotMakeTheOtherLeap() {
        // Found by fuzzing a publish: video jumps by 2^31 ms (twice), audio goes on at its own pace; the shared
        // offset moved by the video's discontinuities must not carry audio (and source time) 2^31 ms ahead.
        SourceClock clock = new SourceClock();
        assertEquals(0, clock.map(1, 0));
        assertEquals(0, clock.map(0, 0));
        long t = clock.map(1, 2_147_483_681L);
        assertTrue(t <= SourceClock.STEP_MS, "a discontinuity is a small step, was " + t);
        long audio = clock.map(0, 20);
        assertTrue(audio < 1_000, "audio goes on near the present, was " + audio);
        long video = clock.map(1, 66);
        assertTrue(video < 1_000, "and so does video, was " + video);
        long later = clock.map(0, 40);
        assertTrue(later >= video && later < 1_000, "never back, never a leap: " + later);
    }
}
