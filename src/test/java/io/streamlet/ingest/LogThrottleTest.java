package io.streamlet.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class LogThrottleTest {
    private static final long MS = 1_000_000;

    @Test
    void letsThroughThePerSecondLinesThenCountsTheRestUntilTheNextSecond() {
        LogThrottle throttle = new LogThrottle(3);
        long t = 5_000 * MS;
        assertEquals(0, throttle.admit(t));
        assertEquals(0, throttle.admit(t + 10 * MS));
        assertEquals(0, throttle.admit(t + 20 * MS));
        assertEquals(-1, throttle.admit(t + 30 * MS));
        assertEquals(-1, throttle.admit(t + 999 * MS));
        assertEquals(2, throttle.admit(t + 1_000 * MS), "the first line of the next second tells of the two left out");
        assertEquals(0, throttle.admit(t + 1_001 * MS));
    }

    @Test
    void aQuietSpellStartsAFreshSecond() {
        LogThrottle throttle = new LogThrottle(1);
        assertEquals(0, throttle.admit(0));
        assertEquals(-1, throttle.admit(500 * MS));
        assertEquals(1, throttle.admit(60_000 * MS));
        assertEquals(-1, throttle.admit(60_500 * MS));
    }
}
