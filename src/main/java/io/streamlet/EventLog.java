package io.streamlet;

import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;

/**
 * The log lines of connection events (a play allowed, a player started or closed), written in order by
 * one thread of their own instead of the container's threads. A log handler writes under a lock
 * (java.util.logging's console handler formats and writes each record holding it), and under a join storm
 * hundreds of container threads queued for it: on a standalone Jetty, 4,000 players joining at 400 a second
 * had their first keyframe after p50 1.9 s and p99 6.3 s, against 17 and 510 ms without those lines. The
 * lines go to the same loggers, so they land in the container's log as before, each a moment later (its
 * timestamp is the writer's), and from this thread. When the writer is {@link #BACKLOG} lines behind, a
 * caller writes its line itself: nothing is dropped.
 */
public final class EventLog implements AutoCloseable {
    static final int BACKLOG = 100_000;
    private static final long CLOSE_WAIT_MS = 2_000;

    private record Line(Logger logger, boolean warning, String format, Object[] args) {
        void write() {
            if (warning) logger.warn(format, args);
            else logger.info(format, args);
        }
    }

    private final Queue<Line> lines = new ConcurrentLinkedQueue<>();
    /** Lines offered and not yet written; the offer that makes it 1 wakes the writer. */
    private final AtomicInteger pending = new AtomicInteger();
    private final OwnedThreads threads = new OwnedThreads("streamlet-event-log-");
    /** Null for an inline log (every line written by its caller). */
    private final Thread writer;
    private volatile boolean closed;

    private EventLog(boolean threaded) {
        if (threaded) {
            writer = threads.newThread(this::writeLines);
            writer.start();
        } else {
            writer = null;
        }
    }

    /** A log with its writer thread, running until {@link #close}. */
    public static EventLog start() {
        return new EventLog(true);
    }

    /** A log whose callers write their own lines (for tools and tests, where no storm comes). */
    public static EventLog inline() {
        return new EventLog(false);
    }

    public void info(Logger logger, String format, Object... args) {
        if (logger.isInfoEnabled()) offer(new Line(logger, false, format, args));
    }

    public void warn(Logger logger, String format, Object... args) {
        if (logger.isWarnEnabled()) offer(new Line(logger, true, format, args));
    }

    private void offer(Line line) {
        if (writer == null || closed || pending.get() >= BACKLOG) {
            line.write();
            return;
        }
        // Queued before counted: a writer that finds the count above 0 finds the line too.
        lines.add(line);
        if (pending.getAndIncrement() == 0) LockSupport.unpark(writer);
        if (closed) writeQueued(); // the writer may have left before this line came
    }

    private void writeQueued() {
        for (Line line = lines.poll(); line != null; line = lines.poll()) line.write();
    }

    private void writeLines() {
        while (true) {
            Line line = lines.poll();
            if (line == null) {
                if (closed) return;
                LockSupport.park(this);
                continue;
            }
            try {
                line.write();
            } catch (RuntimeException e) {
                // A broken handler must not end the log; the line is lost, as it would be for its caller.
            }
            pending.decrementAndGet();
        }
    }

    /** Writes what is queued, then stops the writer; lines offered from now on are written by their callers. */
    @Override
    public void close() {
        if (writer == null || closed) return;
        closed = true;
        LockSupport.unpark(writer);
        try {
            threads.joinAll(CLOSE_WAIT_MS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        writeQueued();
    }
}
