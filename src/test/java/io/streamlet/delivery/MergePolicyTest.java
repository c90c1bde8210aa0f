package io.streamlet.delivery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class MergePolicyTest {
    private static final long MAX = 100_000_000; // 100 ms
    private static final long CAPACITY = 40_000_000; // two threads, 20 ms

    private static void feed(MergePolicy policy, double share, int samples) {
        for (int i = 0; i < samples; i++) policy.sample((long) (share * CAPACITY), CAPACITY);
    }

    @Test
    void writesAtOnceWhileTheThreadsHaveTimeToSpare() {
        MergePolicy policy = new MergePolicy(0, MAX);
        assertEquals(0, policy.delayNanos());
        feed(policy, MergePolicy.IDLE_LOAD, 100);
        assertEquals(0, policy.delayNanos());
    }

    @Test
    void delayGrowsWithTheLoadUpToTheCeiling() {
        MergePolicy policy = new MergePolicy(0, MAX);
        feed(policy, 0.7, 200); // halfway between idle and full load
        assertEquals(MAX / 2, policy.delayNanos(), MAX / 100);
        feed(policy, 0.8, 200);
        assertEquals(MAX * 3 / 4, policy.delayNanos(), MAX / 100);
        feed(policy, 1.0, 200);
        assertEquals(MAX, policy.delayNanos());
    }

    @Test
    void aShortBurstOfLoadIsSmoothedOver() {
        MergePolicy policy = new MergePolicy(0, MAX);
        feed(policy, 0.2, 100);
        feed(policy, 1.0, 1); // one sample of a publisher's keyframe waking everyone
        assertEquals(0, policy.delayNanos());
        feed(policy, 1.0, 10); // sustained: within a few samples it merges
        assertTrue(policy.delayNanos() > MAX / 2, "delay " + policy.delayNanos());
    }

    @Test
    void delayFallsBackToZeroWhenTheLoadGoes() {
        MergePolicy policy = new MergePolicy(0, MAX);
        feed(policy, 1.0, 50);
        assertEquals(MAX, policy.delayNanos());
        feed(policy, 0.1, 50);
        assertEquals(0, policy.delayNanos());
        assertEquals(0.1, policy.load(), 0.01);
    }

    @Test
    void zeroCeilingNeverWaits() {
        MergePolicy policy = new MergePolicy(0, 0);
        feed(policy, 1.0, 50);
        assertEquals(0, policy.delayNanos());
    }

    @Test
    void oddSamplesAreClampedOrIgnored() {
        MergePolicy policy = new MergePolicy(0, MAX);
        policy.sample(5 * CAPACITY, CAPACITY); // a thread's clock read across a sample: never more than full
        policy.sample(-CAPACITY, CAPACITY);
        policy.sample(CAPACITY, 0); // no time passed: nothing to learn
        assertEquals(0.25 - 0.25 / 4, policy.load(), 1e-9); // one full sample, then one idle
        assertThrows(IllegalArgumentException.class, () -> new MergePolicy(-1, MAX));
    }

    @Test
    void aFloorWaitsAtAnyLoadAndTheLoadAddsToItUpToTheCeiling() {
        MergePolicy policy = new MergePolicy(MAX / 4, MAX);
        assertTrue(policy.adapts());
        assertEquals(MAX / 4, policy.delayNanos());
        feed(policy, 0.1, 100);
        assertEquals(MAX / 4, policy.delayNanos());
        feed(policy, 0.7, 200); // halfway: halfway from the floor to the ceiling
        assertEquals(MAX / 4 + (MAX - MAX / 4) / 2, policy.delayNanos(), MAX / 100);
        feed(policy, 1.0, 200);
        assertEquals(MAX, policy.delayNanos());
    }

    @Test
    void aFloorAboveTheCeilingIsAFixedDelay() {
        MergePolicy policy = new MergePolicy(MAX * 3, MAX);
        assertFalse(policy.adapts());
        feed(policy, 1.0, 100);
        assertEquals(MAX * 3, policy.delayNanos());
        assertThrows(IllegalArgumentException.class, () -> new MergePolicy(0, -1));
    }
}
