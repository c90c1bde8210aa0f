package io.streamlet.nio;

import java.io.IOException;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.PriorityQueue;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One thread over one selector, as Netty's event loop: it handles the channels the selector reports ready,
 * runs the tasks other threads hand it ({@link #execute}), its timers ({@link #schedule}) and a periodic
 * tick for deadlines. The RTMP server and the relays each run their connections on one; other threads
 * reach a connection only through a task. Each round: wait for the selector (until the next tick or timer),
 * run the queued tasks, hand each ready key to its {@link Channel}, run the due timers, tick.
 */
public final class SelectorLoop implements Executor {
    private static final Logger log = LoggerFactory.getLogger(SelectorLoop.class);

    /** What each key registered with the loop carries; called on the loop's thread. */
    @FunctionalInterface
    public interface Channel {
        /** The selector reported the key valid and ready for some of its interest ops. */
        void ready(SelectionKey key);

        /** A bug surfaced in {@link #ready}: ends this channel. By default it ends the loop, as one elsewhere would. */
        default void failed(RuntimeException e) {
            throw e;
        }
    }

    /** The loop's owner; every method runs on the loop's thread. */
    public interface Handler {
        /** Every tick: check deadlines. */
        void tick(long nowNanos);

        /** Last, once the loop was closed or failed: end every channel. Tasks queued before the end still run. */
        void closing();
    }

    /** A task to run later on the loop's thread; {@link #cancel} from any thread. */
    public static final class Timer implements Comparable<Timer> {
        private final long dueNanos;
        private final Runnable task;
        private volatile boolean cancelled;

        private Timer(long dueNanos, Runnable task) {
            this.dueNanos = dueNanos;
            this.task = task;
        }

        public void cancel() {
            cancelled = true;
        }

        @Override
        public int compareTo(Timer other) {
            return Long.compare(dueNanos - other.dueNanos, 0);
        }
    }

    private final String name;
    private final Selector selector;
    private final Handler handler;
    private final long tickNanos;
    private final Thread thread;
    private final Queue<Runnable> tasks = new ConcurrentLinkedQueue<>();
    /** Only the loop's thread touches it. */
    private final PriorityQueue<Timer> timers = new PriorityQueue<>();
    private volatile boolean closed;

    /**
     * @param name what the loop serves, for its log lines ("RTMP", "relay")
     * @param selector the loop's selector, which it closes at the end
     */
    public SelectorLoop(String name, Selector selector, long tickMs, ThreadFactory threads, Handler handler) {
        this.name = name;
        this.selector = selector;
        this.handler = handler;
        this.tickNanos = TimeUnit.MILLISECONDS.toNanos(tickMs);
        this.thread = threads.newThread(this::run);
    }

    public void start() {
        thread.start();
    }

    public Selector selector() {
        return selector;
    }

    /** Runs {@code task} on the loop's thread. @throws RejectedExecutionException once closed */
    @Override
    public void execute(Runnable task) {
        if (closed) throw new RejectedExecutionException(name + " I/O loop closed");
        tasks.add(task);
        selector.wakeup();
    }

    /** Runs {@code task} on the loop's thread in {@code delayMs}, unless cancelled. @throws RejectedExecutionException once closed */
    public Timer schedule(Runnable task, long delayMs) {
        Timer timer = new Timer(System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(delayMs), task);
        execute(() -> timers.add(timer));
        return timer;
    }

    public boolean inLoop() {
        return Thread.currentThread() == thread;
    }

    /**
     * Ends the loop: its thread calls {@link Handler#closing}, runs what that queued and closes the selector.
     * Waits up to {@code waitMs} for it; idempotent.
     */
    public void close(long waitMs) throws InterruptedException {
        closed = true;
        selector.wakeup();
        if (!thread.isAlive() || inLoop()) return;
        thread.join(waitMs);
        if (thread.isAlive()) log.warn("{} I/O thread still running {} ms after close", name, waitMs);
    }

    private void run() {
        long nextTick = System.nanoTime() + tickNanos;
        try {
            while (!closed) {
                long now = System.nanoTime();
                long waitNanos = nextTick - now;
                Timer first = timers.peek();
                if (first != null) waitNanos = Math.min(waitNanos, first.dueNanos - now);
                if (waitNanos > 0) selector.select(Math.max(1, TimeUnit.NANOSECONDS.toMillis(waitNanos))); else selector.selectNow();
                runTasks();
                for (SelectionKey key : selector.selectedKeys()) {
                    if (key.isValid()) ready((Channel) key.attachment(), key);
                }
                selector.selectedKeys().clear();
                now = System.nanoTime();
                for (Timer t = timers.peek(); t != null && now - t.dueNanos >= 0; t = timers.peek()) {
                    timers.poll();
                    if (!t.cancelled) run(t.task);
                }
                if (now - nextTick >= 0) {
                    nextTick = now + tickNanos;
                    handler.tick(now);
                }
            }
        } catch (IOException | ClosedSelectorException e) {
            if (!closed) log.error("{} I/O loop failed; its connections are closed and no more are served", name, e);
        } finally {
            handler.closing();
            runTasks(); // what other threads queued before the loop closed
            closed = true; // after a failure too: from now on a task is refused, not lost
            tasks.clear();
            timers.clear();
            try {
                selector.close();
            } catch (IOException e) {
                log.debug("closing the {} selector failed", name, e);
            }
        }
    }

    private static void ready(Channel channel, SelectionKey key) {
        try {
            channel.ready(key);
        } catch (RuntimeException e) {
            channel.failed(e);
        }
    }

    private void runTasks() {
        for (Runnable task = tasks.poll(); task != null; task = tasks.poll()) run(task);
    }

    private void run(Runnable task) {
        try {
            task.run();
        } catch (RuntimeException e) {
            log.error("{} task failed", name, e);
        }
    }
}
