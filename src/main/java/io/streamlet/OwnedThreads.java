package io.streamlet;

import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Makes the named daemon threads of one component and remembers them, so that its close can wait until
 * they have really exited: a terminated pool's threads may still be on their way out, and a container's
 * leak check (Tomcat's) right after an undeploy reports them as left running.
 */
public final class OwnedThreads implements ThreadFactory {
    private final String prefix;
    private final AtomicInteger count = new AtomicInteger();
    private final Queue<Thread> threads = new ConcurrentLinkedQueue<>();

    /** @param prefix thread names are this plus a counter, e.g. {@code streamlet-fanout-} */
    public OwnedThreads(String prefix) {
        this.prefix = prefix;
    }

    @Override
    public Thread newThread(Runnable task) {
        Thread t = new Thread(task, prefix + count.incrementAndGet());
        t.setDaemon(true);
        threads.removeIf(old -> old.getState() == Thread.State.TERMINATED); // a cached pool makes many over time
        threads.add(t);
        return t;
    }

    /** Waits for every thread made here to exit, {@code timeoutMs} at most in all. */
    public void joinAll(long timeoutMs) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        for (Thread t : threads) {
            long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
            if (left <= 0) return;
            t.join(left);
        }
    }
}
