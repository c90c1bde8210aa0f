package io.streamlet.delivery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.streamlet.OwnedThreads;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class FanoutPoolTest {
    private final FanoutPool pool = new FanoutPool(1, new OwnedThreads("fanout-test-"));

    @AfterEach
    void stop() throws InterruptedException {
        pool.shutdown(1000);
    }

    @Test
    void aTimedTaskRunsOnceItsTimeHasComeAndNotBefore() throws InterruptedException {
        CountDownLatch ran = new CountDownLatch(1);
        long[] ranAt = new long[1];
        long due = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(50);
        pool.executeAt(() -> {
            ranAt[0] = System.nanoTime();
            ran.countDown();
        }, due);
        assertTrue(ran.await(2, TimeUnit.SECONDS));
        assertTrue(ranAt[0] - due >= 0, "ran " + (due - ranAt[0]) + " ns early");
    }

    @Test
    void tasksGivenNowRunBeforeTimedOnesThatAreNotDue() throws InterruptedException {
        List<String> order = new CopyOnWriteArrayList<>();
        CountDownLatch done = new CountDownLatch(3);
        long now = System.nanoTime();
        pool.executeAt(() -> { order.add("timed 40 ms"); done.countDown(); }, now + TimeUnit.MILLISECONDS.toNanos(40));
        pool.executeAt(() -> { order.add("timed 60 ms"); done.countDown(); }, now + TimeUnit.MILLISECONDS.toNanos(60));
        pool.execute(() -> { order.add("now"); done.countDown(); });
        assertTrue(done.await(2, TimeUnit.SECONDS));
        assertEquals(List.of("now", "timed 40 ms", "timed 60 ms"), order);
    }

    @Test
    void shutdownRunsTimedTasksAtOnceThenRefusesMore() throws InterruptedException {
        CountDownLatch ran = new CountDownLatch(1);
        long start = System.nanoTime();
        pool.executeAt(ran::countDown, start + TimeUnit.SECONDS.toNanos(60));
        pool.shutdown(2000);
        assertEquals(0, ran.getCount(), "the timed task ran at shutdown");
        assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(10));
        assertThrows(RejectedExecutionException.class, () -> pool.execute(() -> { }));
        assertThrows(RejectedExecutionException.class, () -> pool.executeAt(() -> { }, System.nanoTime()));
    }

    @Test
    void busyTimeCountsWhileATaskRunsAndNotWhileAsleep() throws InterruptedException {
        CountDownLatch ran = new CountDownLatch(1);
        pool.execute(ran::countDown);
        assertTrue(ran.await(2, TimeUnit.SECONDS));
        Thread.sleep(20); // asleep now
        long asleep = pool.busyNanos(System.nanoTime());
        Thread.sleep(50);
        assertEquals(asleep, pool.busyNanos(System.nanoTime()), "no busy time while asleep");

        CountDownLatch done = new CountDownLatch(1);
        pool.execute(() -> {
            long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(50);
            while (System.nanoTime() < until) Thread.onSpinWait();
            done.countDown();
        });
        assertTrue(done.await(2, TimeUnit.SECONDS));
        Thread.sleep(20);
        long busy = pool.busyNanos(System.nanoTime()) - asleep;
        assertTrue(busy >= TimeUnit.MILLISECONDS.toNanos(50), "busy " + busy + " ns");
    }
}
