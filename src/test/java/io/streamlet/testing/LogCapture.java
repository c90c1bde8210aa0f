package io.streamlet.testing;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.eclipse.jetty.logging.JettyLogger;
import org.eclipse.jetty.logging.StdErrAppender;
import org.slf4j.LoggerFactory;

/**
 * What the tests' SLF4J provider (Jetty's, one line per event on stderr) prints while this is open, for tests
 * of what is logged; it is still printed too. Every logger shares the appender, so other threads' lines come
 * along: filter them.
 */
public final class LogCapture implements AutoCloseable {
    private final StdErrAppender appender;
    private final PrintStream original;
    private final ByteArrayOutputStream captured = new ByteArrayOutputStream();

    public LogCapture() {
        appender = (StdErrAppender) ((JettyLogger) LoggerFactory.getLogger(LogCapture.class)).getAppender();
        original = appender.getStream(); // null: the appender prints to System.err as it is at each line
        PrintStream shown = original != null ? original : System.err;
        appender.setStream(new PrintStream(new OutputStream() {
            @Override
            public void write(int b) {
                captured.write(b);
                shown.write(b);
            }

            @Override
            public void write(byte[] b, int off, int len) {
                captured.write(b, off, len);
                shown.write(b, off, len);
            }
        }, true, StandardCharsets.UTF_8));
    }

    /** The lines printed so far (stack trace lines included). */
    public List<String> lines() {
        return captured.toString(StandardCharsets.UTF_8).lines().toList(); // ByteArrayOutputStream locks itself
    }

    @Override
    public void close() {
        appender.setStream(original);
    }
}
