package io.streamlet.delivery;

import io.streamlet.OwnedThreads;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The threads that run players' write loops when their source wakes them. A publisher wakes every
 * waiting player after each tag, thousands of times per tag at scale, so a wake-up must be cheap: each
 * thread has its own lock-free queue, and handing it a task is one CAS, plus an unpark only when that
 * thread sleeps (a {@code ThreadPoolExecutor} takes two locks and signals a condition per task).
 *
 * <p>A task may also be given a time ({@link #executeAt}): it then waits in its thread's second queue,
 * in the order given, and runs once the time has come. The delays of one moment are alike (see
 * {@link MergePolicy}), so that order is nearly the order of the times; a task behind one with a later
 * time waits for it, which is never later than the later one's time.
 */
final class FanoutPool implements Executor {
    private static final Logger log = LoggerFactory.getLogger(FanoutPool.class);

    private final Worker[] workers;
    private final OwnedThreads threads;
    private volatile boolean shutdown;

    FanoutPool(int size, OwnedThreads threads) {
        this.threads = threads;
        this.workers = new Worker[size];
        for (int i = 0; i < size; i++) {
            workers[i] = new Worker();
            workers[i].thread = threads.newThread(workers[i]);
        }
        for (Worker w : workers) w.thread.start();
    }

    /** Runs {@code task} soon on one of the threads. @throws RejectedExecutionException after {@link #shutdown} */
    @Override
    public void execute(Runnable task) {
        if (shutdown) throw new RejectedExecutionException("fan-out pool is shut down");
        anyWorker().offer(task);
    }

    /**
     * Runs {@code task} on one of the threads once {@link System#nanoTime()} reached {@code timeNanos}, or
     * at once when the pool shuts down. @throws RejectedExecutionException after {@link #shutdown}
     */
    void executeAt(Runnable task, long timeNanos) {
        if (shutdown) throw new RejectedExecutionException("fan-out pool is shut down");
        anyWorker().offerAt(new Timed(task, timeNanos));
    }

    private Worker anyWorker() {
        return workers[workers.length == 1 ? 0 : ThreadLocalRandom.current().nextInt(workers.length)];
    }

    /** The number of threads. */
    int size() {
        return workers.length;
    }

    /** True while any of the threads is running or about to run a task. */
    boolean isBusy() {
        for (Worker w : workers) {
            if (!w.sleeping) return true;
        }
        return false;
    }

    /** Time the threads have spent awake (running tasks, or ready to and waiting for a core), added up. */
    long busyNanos(long nowNanos) {
        long sum = 0;
        for (Worker w : workers) sum += w.busyNanos(nowNanos);
        return sum;
    }

    /** Stops the threads once they have run what they were given; waits for them at most {@code timeoutMs}. */
    void shutdown(long timeoutMs) throws InterruptedException {
        shutdown = true;
        for (Worker w : workers) LockSupport.unpark(w.thread);
        threads.joinAll(timeoutMs);
    }

    private record Timed(Runnable task, long timeNanos) {}

    private final class Worker implements Runnable {
        private final ConcurrentLinkedQueue<Runnable> queue = new ConcurrentLinkedQueue<>();
        private final ConcurrentLinkedQueue<Timed> timed = new ConcurrentLinkedQueue<>();
        private volatile boolean sleeping;
        // Busy time, written by this worker only: what it had before its last wake-up, and when that was.
        private volatile long busyBefore;
        private volatile long awakeSince = System.nanoTime();
        private Thread thread;

        void offer(Runnable task) {
            queue.offer(task);
            if (sleeping) LockSupport.unpark(thread);
        }

        void offerAt(Timed task) {
            timed.offer(task);
            if (sleeping) LockSupport.unpark(thread); // it may sleep until a later time, or for ever
        }

        long busyNanos(long nowNanos) {
            long before = busyBefore;
            return sleeping ? before : before + Math.max(0, nowNanos - awakeSince);
        }

        @Override
        public void run() {
            while (true) {
                Runnable task = dueTask();
                if (task == null) task = queue.poll();
                if (task != null) {
                    try {
                        task.run();
                    } catch (RuntimeException e) {
                        log.error("player write loop failed", e);
                    }
                    continue;
                }
                if (shutdown && timed.isEmpty()) return;
                // Announce the sleep, then look again: an offer either sees the flag or its task is seen here.
                long now = System.nanoTime();
                busyBefore += now - awakeSince;
                sleeping = true;
                Timed next = timed.peek();
                if (queue.isEmpty() && !shutdown) {
                    if (next == null) LockSupport.park(this);
                    else LockSupport.parkNanos(this, next.timeNanos() - now);
                }
                awakeSince = System.nanoTime();
                sleeping = false;
            }
        }

        /** The first timed task if its time has come (or the pool is shutting down), taken; else null. */
        private Runnable dueTask() {
            Timed next = timed.peek();
            if (next == null || !shutdown && next.timeNanos() - System.nanoTime() > 0) return null;
            timed.poll(); // only this worker takes from its queue: the head is still `next`
            return next.task();
        }
    }
}
