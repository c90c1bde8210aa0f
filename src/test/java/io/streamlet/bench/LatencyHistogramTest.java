package io.streamlet.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class LatencyHistogramTest {
    @Test
    void percentilesAreWithinTheBucketPrecision() {
        LatencyHistogram histogram = new LatencyHistogram();
        for (long micros = 1; micros <= 100_000; micros++) histogram.record(micros);
        assertEquals(100_000, histogram.count());
        assertEquals(100_000, histogram.maxMicros());
        assertWithinTwoPercent(50_000, histogram.percentileMicros(50));
        assertWithinTwoPercent(99_000, histogram.percentileMicros(99));
        assertEquals(100_000, histogram.percentileMicros(100));
    }

    @Test
    void smallValuesAreExactAndMergingAddsCounts() {
        LatencyHistogram a = new LatencyHistogram();
        LatencyHistogram b = new LatencyHistogram();
        a.record(7);
        b.record(7);
        b.record(100);
        a.add(b);
        assertEquals(3, a.count());
        assertEquals(7, a.percentileMicros(50));
        assertEquals(100, a.maxMicros());
    }

    @Test
    void bucketIndexesNeverDecrease() {
        int previous = 0;
        for (long micros = 0; micros < 1L << 42; micros = micros * 5 / 4 + 1) {
            int index = LatencyHistogram.index(micros);
            assertTrue(index >= previous, "index of " + micros);
            previous = index;
        }
    }

    private static void assertWithinTwoPercent(long expected, long actual) {
        assertTrue(Math.abs(actual - expected) <= expected / 50, "expected ~" + expected + " but was " + actual);
    }
}
