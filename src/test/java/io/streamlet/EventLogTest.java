package io.streamlet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.streamlet.testing.LogCapture;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.Marker;
import org.slf4j.event.Level;
import org.slf4j.helpers.LegacyAbstractLogger;

class EventLogTest {
    /** Not under io.streamlet, whose level a test run may raise (the fuzz corpora run at WARN). */
    private static final Logger log = LoggerFactory.getLogger("event-log-test");

    private static List<String> linesOf(LogCapture capture, String marker) {
        return capture.lines().stream().filter(l -> l.contains(marker)).toList();
    }

    @Test
    void writesEveryLineInOrderOnItsOwnThreadAndAllOfThemByClose() {
        String marker = "ordered-" + System.nanoTime();
        try (LogCapture capture = new LogCapture()) {
            EventLog events = EventLog.start();
            IntStream.range(0, 500).forEach(i -> events.info(log, "{} line {}", marker, i));
            events.warn(log, "{} last", marker);
            events.close();
            List<String> lines = linesOf(capture, marker);
            assertEquals(501, lines.size());
            for (int i = 0; i < 500; i++) assertTrue(lines.get(i).endsWith(marker + " line " + i), lines.get(i));
            assertTrue(lines.get(500).contains("WARN") && lines.get(500).contains("streamlet-event-log-"), lines.get(500));
            // Closed: a line is written by its caller.
            events.info(log, "{} after close", marker);
            assertTrue(linesOf(capture, marker).get(501).contains(Thread.currentThread().getName()));
        }
    }

    /** The point of it: a caller does not wait for a log handler that is slow or held by another thread. */
    @Test
    void aCallerDoesNotWaitForTheHandler() throws Exception {
        ReentrantLock handler = new ReentrantLock();
        CountDownLatch written = new CountDownLatch(3);
        // A logger whose every line waits for the "handler" lock, as java.util.logging's console handler does.
        Logger slow = new LegacyAbstractLogger() {
            @Override
            protected String getFullyQualifiedCallerName() {
                return null;
            }

            @Override
            protected void handleNormalizedLoggingCall(Level level, Marker marker, String msg,
                    Object[] arguments, Throwable throwable) {
                handler.lock();
                handler.unlock();
                written.countDown();
            }

            @Override
            public boolean isTraceEnabled() {
                return true;
            }

            @Override
            public boolean isDebugEnabled() {
                return true;
            }

            @Override
            public boolean isInfoEnabled() {
                return true;
            }

            @Override
            public boolean isWarnEnabled() {
                return true;
            }

            @Override
            public boolean isErrorEnabled() {
                return true;
            }
        };
        EventLog events = EventLog.start();
        try {
            handler.lock(); // another thread is in the handler
            long start = System.nanoTime();
            events.info(slow, "a");
            events.info(slow, "b");
            events.warn(slow, "c");
            long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertEquals(3, written.getCount(), "nothing could be written while the handler was held");
            assertTrue(tookMs < 1_000, "the caller returned at once, not after the handler: " + tookMs + " ms");
            handler.unlock();
            assertTrue(written.await(10, TimeUnit.SECONDS), "written once the handler was free");
        } finally {
            if (handler.isHeldByCurrentThread()) handler.unlock();
            events.close();
        }
    }

    @Test
    void anInlineLogWritesOnTheCallersThread() {
        String marker = "inline-" + System.nanoTime();
        try (LogCapture capture = new LogCapture(); EventLog events = EventLog.inline()) {
            events.info(log, "{} now", marker);
            List<String> lines = linesOf(capture, marker);
            assertEquals(1, lines.size());
            assertTrue(lines.get(0).contains(Thread.currentThread().getName()), lines.get(0));
        }
    }
}
