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
        workers[workers.length == 1 ? 0 : ThreadLocalRandom.current().nextInt(workers.length)].offer(task);
    }

    /** True while any of the threads is running or about to run a task. */
    boolean isBusy() {
        for (Worker w : workers) {
            if (!w.sleeping) return true;
        }
        return false;
    }

    /** Stops the threads once they have run what they were given; waits for them at most {@code timeoutMs}. */
    void shutdown(long timeoutMs) throws InterruptedException {
        shutdown = true;
        for (Worker w : workers) LockSupport.unpark(w.thread);
        threads.joinAll(timeoutMs);
    }

    private final class Worker implements Runnable {
        private final ConcurrentLinkedQueue<Runnable> queue = new ConcurrentLinkedQueue<>();
        private volatile boolean sleeping;
        private Thread thread;

        void offer(Runnable task) {
            queue.offer(task);
            if (sleeping) LockSupport.unpark(thread);
        }

        @Override
        public void run() {
            while (true) {
                Runnable task = queue.poll();
                if (task != null) {
                    try {
                        task.run();
                    } catch (RuntimeException e) {
                        log.error("player write loop failed", e);
                    }
                    continue;
                }
                if (shutdown) return;
                // Announce the sleep, then look again: an offer either sees the flag or its task is seen here.
                sleeping = true;
                if (queue.isEmpty() && !shutdown) LockSupport.park(this);
                sleeping = false;
            }
        }
    }
}
