package io.streamlet.record;

import io.streamlet.live.Client;
import io.streamlet.live.ClientIds;
import io.streamlet.live.LiveCursor;
import io.streamlet.live.LiveSource;
import io.streamlet.live.StreamKey;
import java.io.BufferedOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.time.ZoneId;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One stream being recorded: a {@link LiveCursor.Mode#LOSSLESS} cursor drained into files by the recorders'
 * executor, never by the publisher's thread (which only wakes it). The source's window is the recording's
 * buffer: a disk slower than the stream for longer than the window makes the cursor fail, and the file
 * ends there with one error line; the live stream and its players go on untouched.
 *
 * <p>Each drain pass ends with a flush to the OS, so that a server killed mid-write ({@code kill -9})
 * leaves a file readable to its last complete tag (no fsync: a crash of the process loses nothing the OS
 * holds). A file is opened at the first tag yielded, so a recording that never gets media writes nothing.
 *
 * <p>Threads: the drain runs on one executor thread at a time ({@link #wakeups} counts the calls asked for
 * while one runs); the getters may be read from any thread.
 */
public final class Recording implements LiveCursor.Listener {
    private static final Logger log = LoggerFactory.getLogger(Recording.class);
    /** Tags one pass writes before it lets other recordings have the thread. */
    private static final int TAGS_PER_PASS = 512;
    private static final int WRITE_BUFFER = 64 * 1024;
    /** Names tried with a {@code -N} suffix when the template made the name of a file that exists. */
    private static final int MAX_NAME_SUFFIX = 1000;

    /** What a recording tells its owner. */
    interface Owner {
        /** The publisher with this client id, or null. */
        Client client(String id);

        /** A file was closed; on the drain thread. */
        void fileClosed(Recording recording, RecordedFile file);

        /** The recording stopped (no file open any more); on the drain thread. */
        void stopped(Recording recording, String error);
    }

    private final String id = ClientIds.next();
    private final LiveSource source;
    private final DvrConfig config;
    private final Owner owner;
    private final Executor executor;
    private final ZoneId zone;
    private final LiveCursor cursor;
    private final long startedAtMillis = System.currentTimeMillis();
    private final AtomicInteger wakeups = new AtomicInteger();
    private volatile boolean stopRequested;

    // The drain thread's; the volatile ones are read by the API.
    private MediaFileWriter writer;
    private volatile CountingStream out;
    private volatile Path file;
    private volatile long bytesOfClosedFiles;
    private volatile long filesClosed;
    private volatile boolean done;
    private String publisherId = "";
    private String publisherIp = "";
    private String tcUrl = "";

    Recording(LiveSource source, DvrConfig config, Owner owner, Executor executor, ZoneId zone) {
        this.source = source;
        this.config = config;
        this.owner = owner;
        this.executor = executor;
        this.zone = zone;
        this.cursor = source.subscribe(id, LiveCursor.Mode.LOSSLESS, this);
    }

    public String id() {
        return id;
    }

    public StreamKey key() {
        return source.key();
    }

    LiveSource source() {
        return source;
    }

    public DvrConfig.Plan plan() {
        return config.plan();
    }

    public long startedAtMillis() {
        return startedAtMillis;
    }

    /** The file being written, or null before the first tag. */
    public Path file() {
        return file;
    }

    public long filesClosed() {
        return filesClosed;
    }

    /** Bytes written so far, every file counted. */
    public long bytes() {
        CountingStream current = out;
        return bytesOfClosedFiles + (current == null ? 0 : current.count);
    }

    /** Starts draining: the first pass arms the cursor's wake-up. */
    void start() {
        wake();
    }

    /** Writes what is available now, closes the file and detaches. Any thread; idempotent. */
    void stop() {
        stopRequested = true;
        wake();
    }

    /** Whether the recording has closed its last file. */
    boolean isDone() {
        return done;
    }

    @Override
    public void onDataAvailable() {
        wake();
    }

    private void wake() {
        if (wakeups.getAndIncrement() == 0) submit();
    }

    /** Queues a pass; false when the recorders are closing (their close finishes what is left). */
    private boolean submit() {
        try {
            executor.execute(this::run);
            return true;
        } catch (RejectedExecutionException closing) {
            return false;
        }
    }

    private void run() {
        int seen = wakeups.get();
        while (!drain()) {
            // More to write: the next pass waits behind the other recordings' turns (still counted as running),
            // unless the recorders are closing, when this thread goes on with it.
            if (submit()) return;
        }
        if (wakeups.addAndGet(-seen) != 0) submit();
    }

    /** One pass; false when it stopped at its budget with more to write. */
    private boolean drain() {
        if (done) return true;
        try {
            for (int n = 0; n < TAGS_PER_PASS; n++) {
                if (!cursor.advance()) {
                    if (cursor.isEnded() || stopRequested) {
                        String failure = cursor.failure();
                        finish(failure == null ? null : "it " + failure + ": the disk did not keep up with the stream");
                    } else if (out != null) {
                        out.flush();
                    }
                    return true;
                }
                append();
            }
            out.flush();
            return false;
        } catch (IOException e) {
            finish("cannot write " + (file == null ? "its file" : file) + ": " + describe(e));
            return true;
        }
    }

    private void append() throws IOException {
        if (writer == null) {
            writer = MediaFileWriter.of(config, cursor.hasAudio(), cursor.hasVideo());
            open();
        } else if (writer.cutsBefore(cursor.tag(), cursor.timestamp())) {
            owner.fileClosed(this, closeFile(null));
            open();
        }
        writer.write(cursor.tag(), cursor.timestamp(), out);
    }

    private void open() throws IOException {
        notePublisher();
        Path path = config.path().resolve(source.key(), Instant.now(), zone);
        file = path;
        Path dir = path.toAbsolutePath().getParent();
        if (dir != null) Files.createDirectories(dir);
        for (int n = 1; ; n++) {
            try {
                out = new CountingStream(Files.newOutputStream(path, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE));
                break;
            } catch (FileAlreadyExistsException e) {
                if (n > MAX_NAME_SUFFIX) throw e;
                path = withSuffix(file, n);
            }
        }
        file = path;
        log.info("[{}] recording {} to {}", id, source.key(), path);
        writer.begin(out);
    }

    /** The publisher now, for the hook: kept from the last one seen while the stream waits for a republish. */
    private void notePublisher() {
        String now = source.publisherId();
        if (now == null || now.equals(publisherId)) return;
        publisherId = now;
        Client client = owner.client(now);
        publisherIp = client == null ? "" : client.ip();
        tcUrl = client == null || client.tcUrl() == null ? "" : client.tcUrl();
    }

    /** Closes the current file, if one is open; what it holds, or null. */
    private RecordedFile closeFile(String error) {
        if (out == null) return null;
        CountingStream closing = out;
        out = null;
        try {
            try (closing) {
                writer.end(closing);
            }
            writer.closed(file, closing.count);
        } catch (IOException e) {
            if (error == null) error = "cannot finish " + file + ": " + describe(e);
        }
        filesClosed++;
        bytesOfClosedFiles += closing.count;
        return new RecordedFile(source.key(), file, publisherId, publisherIp, tcUrl, closing.count, writer.durationMs(), error);
    }

    /**
     * Closes the file and detaches; {@code error} says why it stopped early, or null. The owner hears that the
     * recording stopped before it hears of its last file, so that whoever the hook tells finds it stopped.
     */
    private void finish(String error) {
        if (done) return;
        done = true;
        cursor.close();
        RecordedFile last = closeFile(error);
        owner.stopped(this, error);
        if (last != null) owner.fileClosed(this, last);
    }

    /** After the executor ended (server shutdown): closes what a pass could not. The closing thread. */
    void closeNow() {
        finish(null);
    }

    private static Path withSuffix(Path path, int n) {
        String name = path.getFileName().toString();
        int dot = name.lastIndexOf('.');
        String numbered = dot <= 0 ? name + "-" + n : name.substring(0, dot) + "-" + n + name.substring(dot);
        return path.resolveSibling(numbered);
    }

    private static String describe(IOException e) {
        if (e instanceof AccessDeniedException) return "permission denied";
        if (e instanceof FileSystemException fs && fs.getReason() != null) return fs.getReason();
        return e.getMessage() == null ? e.toString() : e.getMessage();
    }

    @Override
    public String toString() {
        return id + " " + source.key();
    }

    /** Counts a file's bytes as they go out. */
    private static final class CountingStream extends FilterOutputStream {
        /** Written by the drain thread only. */
        volatile long count;

        CountingStream(OutputStream file) {
            super(new BufferedOutputStream(file, WRITE_BUFFER));
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
            count += len;
        }

        @Override
        public void write(int b) throws IOException {
            out.write(b);
            count++;
        }
    }
}
