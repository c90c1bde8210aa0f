package io.streamlet.servlet;

import io.streamlet.live.Client;
import io.streamlet.live.LiveConsumer;
import io.streamlet.live.LiveSource;
import io.streamlet.live.Metrics;
import io.streamlet.live.StreamKey;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.WriteListener;
import jakarta.servlet.http.HttpServletRequest;
import java.io.IOException;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One HTTP-FLV response: moves bytes from a {@link LiveConsumer} to the non-blocking servlet output.
 *
 * <p>The write loop runs on one thread at a time, guarded by a work-in-progress counter (the "drain"
 * pattern): the container's {@link #onWritePossible} and the publisher's wake-up both only request a
 * run; whoever takes the counter from 0 runs the loop, and the loop repeats while requests came in
 * meanwhile. The container's thread runs it inline; the publisher's wake-up hands it to the fan-out
 * pool, so a publisher never waits for a player.
 *
 * <p>{@code isReady()} both asks and arms the next {@code onWritePossible()}. {@link #writeBlocked} is
 * set <em>before</em> asking, so a callback that fires at once (on another thread) clears it after we
 * set it and is never lost; while it is set, wake-ups are ignored, as the callback will drain.
 *
 * <p>Every way out (end of stream, client gone, stall, kick, shutdown) goes through {@link #end},
 * which runs once: it detaches the consumer and completes the {@link AsyncContext}. Other threads
 * (a kick, the watchdog) only ask for it ({@link #close}); the drain ends the response in its turn, so
 * completing never overlaps a write.
 */
final class FlvPlayer implements WriteListener, AsyncListener, LiveConsumer.Listener, Client {
    private static final Logger log = LoggerFactory.getLogger(FlvPlayer.class);
    private static final long WRITER_EXIT_WAIT_NANOS = 100_000_000;

    private final String id;
    private final String remote;
    private final String ip;
    /** The request URL without its query, which may carry a secret. */
    private final String url;
    private final AsyncContext async;
    private final ServletOutputStream out;
    private final Executor fanout;
    private final Players players;
    private final Metrics metrics;
    private final LiveConsumer consumer;
    private final long connectedAtMillis = System.currentTimeMillis();

    private final AtomicInteger wip = new AtomicInteger();
    private final AtomicBoolean closed = new AtomicBoolean();
    /** The container owes us an onWritePossible(); until then nobody writes. */
    private volatile boolean writeBlocked = true;
    /** When the output last accepted bytes (or the player was last caught up), for the stall watchdog. */
    private volatile long lastProgressNanos = System.nanoTime();
    private boolean needsFlush;
    /** Made once: a wake-up happens per tag per player and must not allocate. */
    private final Runnable drainTask = this::drain;
    /** Why another thread asked this player to end; the drain ends it. */
    private final AtomicReference<String> closeRequest = new AtomicReference<>();
    /** The thread inside the write loop, if any: the only one that touches the output stream. */
    private volatile Thread writer;

    FlvPlayer(String id, String remote, AsyncContext async, LiveSource source, Players players, Metrics metrics)
            throws IOException {
        HttpServletRequest request = (HttpServletRequest) async.getRequest();
        this.id = id;
        this.remote = remote;
        this.ip = request.getRemoteAddr();
        this.url = request.getRequestURL().toString();
        this.async = async;
        this.out = async.getResponse().getOutputStream();
        this.fanout = players.fanout();
        this.players = players;
        this.metrics = metrics;
        this.consumer = source.subscribe(id, this);
        metrics.connectionOpened(Metrics.Protocol.HTTP_FLV);
    }

    @Override
    public String id() {
        return id;
    }

    @Override
    public Role role() {
        return Role.PLAYER;
    }

    @Override
    public String protocol() {
        return "http-flv";
    }

    @Override
    public String ip() {
        return ip;
    }

    @Override
    public String url() {
        return url;
    }

    @Override
    public StreamKey streamKey() {
        return consumer.source().key();
    }

    @Override
    public long bytesReceived() {
        return 0; // a player sends only its request
    }

    @Override
    public long bytesSent() {
        return consumer.bytesOut();
    }

    @Override
    public long tagsSent() {
        return consumer.tagsOut();
    }

    @Override
    public long skips() {
        return consumer.skips();
    }

    @Override
    public long droppedTags() {
        return consumer.droppedTags();
    }

    String remote() {
        return remote;
    }

    LiveConsumer consumer() {
        return consumer;
    }

    @Override
    public long connectedAtMillis() {
        return connectedAtMillis;
    }

    /** Starts the write loop: the container calls onWritePossible() once the listener is set. */
    void start() {
        async.addListener(this);
        out.setWriteListener(this);
    }

    /** True when the output has accepted nothing for {@code timeoutNanos} though we had bytes for it. */
    boolean isStalled(long nowNanos, long timeoutNanos) {
        return writeBlocked && nowNanos - lastProgressNanos > timeoutNanos;
    }

    @Override
    public boolean deferWakeups() {
        return players.fanoutBusy();
    }

    @Override
    public void onDataAvailable() {
        if (!writeBlocked && wip.getAndIncrement() == 0) {
            try {
                fanout.execute(drainTask);
            } catch (RejectedExecutionException e) {
                end("server shutting down"); // no drain will run any more
            }
        }
    }

    @Override
    public void onWritePossible() {
        writeBlocked = false;
        if (wip.getAndIncrement() == 0) drain();
    }

    private void drain() {
        int missed = 1;
        while (true) {
            String requested = closeRequest.get();
            if (requested != null) {
                end(requested);
            } else if (!writeBlocked && !closed.get()) {
                writeLoop();
            }
            missed = wip.addAndGet(-missed);
            if (missed == 0) return;
        }
    }

    /**
     * Writes while the output is ready, merging as many tags as fit into each write. The buffer is the
     * running thread's, so thousands of idle players hold none. Once handed to {@code write}, it is the
     * container's until {@code isReady()} says true again; if the run ends before that, the thread leaves
     * it to the pending write and takes a new one next time.
     */
    private void writeLoop() {
        byte[] buffer = players.writeBuffer();
        boolean written = false;
        writer = Thread.currentThread(); // before the closed check below: see endFromContainer
        try {
            while (!closed.get()) {
                writeBlocked = true;
                if (!out.isReady()) return;
                writeBlocked = false;
                written = false;
                lastProgressNanos = System.nanoTime();
                int n = consumer.read(buffer, 0, buffer.length);
                if (n > 0) {
                    out.write(buffer, 0, n);
                    written = true;
                    needsFlush = true;
                } else if (n < 0) {
                    end("end of stream");
                    return;
                } else if (needsFlush) {
                    needsFlush = false;
                    out.flush();
                } else {
                    return; // caught up: the consumer calls onDataAvailable() when a tag arrives
                }
            }
        } catch (IOException e) {
            end("write failed: " + e);
        } catch (RuntimeException e) {
            if (closed.get()) return; // the container refusing a write after a close from another thread (kick, stall)
            log.error("[{}] bug in the write loop of a player of {}", id, consumer.source().key(), e);
            metrics.connectionFailed(Metrics.ConnectionError.PLAYER_INTERNAL);
            end("internal error: " + e);
        } finally {
            writer = null;
            if (written) players.leaveWriteBuffer();
        }
    }

    @Override
    public void onError(Throwable t) {
        endFromContainer("client gone: " + t);
    }

    @Override
    public void onError(AsyncEvent event) {
        endFromContainer("client gone: " + event.getThrowable());
    }

    @Override
    public void onTimeout(AsyncEvent event) {
        endFromContainer("async timeout");
    }

    @Override
    public void onComplete(AsyncEvent event) {
        endFromContainer("completed");
    }

    @Override
    public void onStartAsync(AsyncEvent event) {}

    /** Ends the response of a player whose connection made no progress for {@code timeoutMs}. */
    void closeStalled(long timeoutMs) {
        if (requestClose("stalled: no write progress for " + timeoutMs + " ms")) {
            metrics.connectionFailed(Metrics.ConnectionError.PLAYER_STALLED);
        }
    }

    /** Ends this player's response, once, whatever the reason. Any thread. */
    @Override
    public void close(String reason) {
        requestClose(reason);
    }

    /**
     * Asks the write loop's turn to end the response, so that {@code complete()} never overlaps a write
     * on another thread (a container may then cut the response short instead of ending it cleanly).
     * False if the player was already ending.
     */
    private boolean requestClose(String reason) {
        if (closed.get() || !closeRequest.compareAndSet(null, reason)) return false;
        if (wip.getAndIncrement() == 0) {
            try {
                fanout.execute(drainTask);
            } catch (RejectedExecutionException shuttingDown) {
                end(reason);
            }
        }
        return true;
    }

    /** {@link #close}; true if this call ended the response, false if it had ended before. */
    /**
     * The container says the request is over (client gone, completed). Once this returns it may recycle
     * the request and response for another connection (Tomcat does), so a write loop still running on a
     * fan-out thread must be out of the output stream first: it stops at its next check of {@code closed},
     * right after the non-blocking call it is in. The wait is bounded in case that call needs something
     * this container thread holds.
     */
    private void endFromContainer(String reason) {
        if (!closed.compareAndSet(false, true)) return;
        long deadline = System.nanoTime() + WRITER_EXIT_WAIT_NANOS;
        for (Thread w = writer; w != null && w != Thread.currentThread() && System.nanoTime() < deadline; w = writer) {
            Thread.onSpinWait();
        }
        finish(reason);
    }

    /** Ends the response on the write loop's turn (or where no write loop can run). */
    private boolean end(String reason) {
        if (!closed.compareAndSet(false, true)) return false;
        finish(reason);
        return true;
    }

    private void finish(String reason) {
        consumer.close();
        players.remove(this);
        metrics.clientGone(this); // after it left the players: a scrape never counts it twice
        log.info("[{}] player of {} from {} closed: {} ({} bytes, {} skips, {} s)", id, consumer.source().key(),
                remote, reason, consumer.bytesOut(), consumer.skips(),
                (System.currentTimeMillis() - connectedAtMillis) / 1000);
        try {
            async.complete();
        } catch (IllegalStateException alreadyDone) {
            // The container completed or recycled the request itself (client gone).
        }
    }
}
