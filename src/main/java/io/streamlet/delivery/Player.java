package io.streamlet.delivery;

import io.streamlet.live.Client;
import io.streamlet.live.LiveCursor;
import io.streamlet.live.LiveSource;
import io.streamlet.live.StreamKey;
import io.streamlet.metrics.Metrics;
import io.streamlet.output.StreamEncoder;
import java.io.IOException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One player, whatever its transport: moves the bytes of its {@link StreamEncoder} to its non-blocking
 * {@link Transport} when there are some and the transport can take them.
 *
 * <h2>The drain</h2>
 * The write loop runs on one thread at a time, guarded by a work-in-progress counter: the transport's
 * {@link #onWritePossible} and the publisher's wake-up ({@link #onDataAvailable}) both only request a run;
 * whoever takes the counter from 0 runs the loop, and it repeats while requests came in meanwhile. The
 * transport's thread runs it inline; the publisher's wake-up hands it to the fan-out pool, so a publisher
 * never waits for a player. {@code isReady()} both asks and arms the next {@code onWritePossible()}:
 * {@link #writeBlocked} is set <em>before</em> asking, so a callback that fires at once on another thread
 * clears it after we set it and is never lost; while it is set, wake-ups are ignored.
 *
 * <h2>The close path</h2>
 * <pre>
 *            requestClose (kick, stall, shutdown)        drain's turn, once no write is pending
 *                                                        (or the stall watchdog says it never will):
 *   OPEN ─────────────────────────────────────▶ CLOSING ─────────────────────────────────▶ CLOSED
 *                                                        finish + complete()
 *    │  drain: end of stream, write failed: finish + complete()                             ▲
 *    ├──────────────────────────────────────────────────────────────────────────────────────┤
 *    │  transport gone (container error, timeout, complete): wait for the drain, finish     │
 *    └──────────────────────────────────────────────────────────────────────────────────────┘
 * </pre>
 * Only the thread running the drain touches the transport, so {@code complete()} never overlaps a write.
 * The one exception is the transport telling us it is gone, on its own thread: once that call returns, a
 * container may recycle the response for another connection (Tomcat does), so it first waits, parked and
 * for a bounded time, for a drain in progress to leave the transport ({@link #writing}).
 */
public final class Player implements LiveCursor.Listener, Client {
    private static final Logger log = LoggerFactory.getLogger(Player.class);
    private static final long WRITER_EXIT_WAIT_MS = 100;

    /**
     * The protocol a transport speaks, as the API and /metrics name it.
     *
     * @param countsConnection whether a player of this kind is a connection of its own for /metrics (HTTP);
     *     false where the transport's connection was counted when it was accepted (RTMP)
     */
    public record Kind(String protocol, String type, Metrics.Protocol metric, boolean countsConnection) {}

    /** Where a player is in its life; see the class comment. */
    public enum State { OPEN, CLOSING, CLOSED }

    private final String id;
    private final String remote;
    private final String ip;
    private final String url;
    private final Kind kind;
    private final Transport transport;
    private final StreamEncoder encoder;
    private final LiveCursor cursor;
    private final Players players;
    private final Metrics metrics;
    private final long connectedAtMillis = System.currentTimeMillis();

    private final AtomicReference<State> state = new AtomicReference<>(State.OPEN);
    private final AtomicInteger wip = new AtomicInteger();
    /** Held by the thread running the drain: the only one that touches the transport. */
    private final ReentrantLock writing = new ReentrantLock();
    /** Why the player is closing; set once, with the move to CLOSING or CLOSED. */
    private volatile String closeReason;
    /** The transport owes us an onWritePossible(); until then nobody writes. */
    private volatile boolean writeBlocked = true;
    /** A closing player's pending write will never finish (stalled): complete without waiting for it. */
    private volatile boolean abandonPendingWrite;
    /** When the transport last accepted bytes (or the player was last caught up), for the stall watchdog. */
    private volatile long lastProgressNanos = System.nanoTime();
    /** The last write waits in the transport (a response's buffer) for the flush that follows it. */
    private boolean needsFlush;
    /** Something was flushed: the transport's opening (a response's headers) went out, with tags or alone. */
    private boolean opened;
    /** Made once: a wake-up happens per tag per player and must not allocate. */
    private final Runnable drainTask = this::drain;

    Player(String id, String ip, String remote, String url, Kind kind, LiveSource source,
            Function<LiveCursor, StreamEncoder> encoder, Transport transport, Players players, Metrics metrics) {
        this.id = id;
        this.ip = ip;
        this.remote = remote;
        this.url = url;
        this.kind = kind;
        this.transport = transport;
        this.players = players;
        this.metrics = metrics;
        // The cursor calls back only after a drain found it empty, so after start(): this is complete by then.
        this.cursor = source.subscribe(id, LiveCursor.Mode.LOSSY, this);
        this.encoder = encoder.apply(cursor);
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
        return kind.protocol();
    }

    @Override
    public String type() {
        return kind.type();
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
        return cursor.source().key();
    }

    @Override
    public long bytesReceived() {
        return 0; // a player sends only its request
    }

    @Override
    public long bytesSent() {
        return cursor.bytesOut();
    }

    @Override
    public long tagsSent() {
        return cursor.tagsOut();
    }

    @Override
    public long skips() {
        return cursor.skips();
    }

    @Override
    public long droppedTags() {
        return cursor.droppedTags();
    }

    @Override
    public long connectedAtMillis() {
        return connectedAtMillis;
    }

    public State state() {
        return state.get();
    }

    public String remote() {
        return remote;
    }

    void start() {
        transport.start(this);
    }

    /** True when the transport has accepted nothing for {@code timeoutNanos} though we had bytes for it. */
    boolean isStalled(long nowNanos, long timeoutNanos) {
        return writeBlocked && nowNanos - lastProgressNanos > timeoutNanos;
    }

    @Override
    public boolean deferWakeups() {
        return players.fanoutBusy();
    }

    @Override
    public void onDataAvailable() {
        if (!writeBlocked && wip.getAndIncrement() == 0) schedule(true);
    }

    /** The transport can take bytes again. Called by the transport, on its thread; runs the drain inline. */
    public void onWritePossible() {
        writeBlocked = false;
        if (wip.getAndIncrement() == 0) drain();
    }

    /**
     * The transport is gone (client vanished, container error or timeout, the response completed by the
     * container). Called by the transport, on its thread; idempotent.
     */
    public void onTransportGone(String reason) {
        closeNow(reason);
    }

    /** Ends this player, once, whatever the reason: the drain ends it in its turn. Any thread. */
    @Override
    public void close(String reason) {
        requestClose(reason);
    }

    /** Ends the player of a transport that made no progress for {@code timeoutMs}. */
    void closeStalled(long timeoutMs) {
        abandonPendingWrite = true;
        if (requestClose("stalled: no write progress for " + timeoutMs + " ms")) {
            metrics.connectionFailed(kind.metric(), Metrics.ConnectionError.STALLED);
        } else if (state.get() == State.CLOSING && wip.getAndIncrement() == 0) {
            schedule(false); // closing already, but waiting for a write that will not finish: finish now
        }
    }

    /** OPEN → CLOSING, and a drain to act on it; false if the player was closing already. */
    private boolean requestClose(String reason) {
        if (!state.compareAndSet(State.OPEN, State.CLOSING)) return false;
        closeReason = reason;
        if (wip.getAndIncrement() == 0) schedule(false);
        return true;
    }

    /** Hands the drain to the fan-out pool; {@code forNewTags}: perhaps later, merging the tags that come meanwhile. */
    private void schedule(boolean forNewTags) {
        try {
            if (forNewTags) players.scheduleWrite(drainTask);
            else players.fanout().execute(drainTask);
        } catch (RejectedExecutionException shuttingDown) {
            closeNow("server shutting down"); // no drain will run any more
        }
    }

    private void drain() {
        writing.lock();
        try {
            int missed = 1;
            while (true) {
                switch (state.get()) {
                    case OPEN -> {
                        if (!writeBlocked) writeLoop();
                    }
                    case CLOSING -> {
                        // A write still pending (an async WebSocket send) goes out before the end: onWritePossible
                        // brings the drain back; a stalled one is abandoned by the watchdog.
                        if (!writeBlocked || abandonPendingWrite) finish(State.CLOSING, closeReason);
                    }
                    case CLOSED -> { } // the transport went away meanwhile
                }
                missed = wip.addAndGet(-missed);
                if (missed == 0) return;
            }
        } finally {
            writing.unlock();
        }
    }

    /**
     * Writes while the transport is ready, merging as many tags as fit into each write. The buffer is the
     * running thread's, so thousands of idle players hold none. Once handed to {@code write}, it is the
     * transport's until {@code isReady()} says true again; if the run ends before that, the thread leaves
     * it to the pending write and takes a new one next time.
     * <p>
     * Each write is flushed as soon as the transport is ready again, before the next read: the write sits
     * in the transport's buffer (a response's, as large as a write) and the flush sends it whole, so the
     * socket gets it in one go and {@code isReady()} says true as soon as the socket took it.
     */
    private void writeLoop() {
        byte[] buffer = players.writeBuffer();
        boolean written = false;
        try {
            while (state.get() == State.OPEN) {
                writeBlocked = true;
                if (!transport.isReady()) return;
                writeBlocked = false;
                lastProgressNanos = System.nanoTime();
                written = false;
                if (needsFlush) {
                    needsFlush = false;
                    opened = true;
                    transport.flush();
                    continue;
                }
                int n = encoder.read(buffer, 0, buffer.length);
                if (n > 0) {
                    transport.write(buffer, 0, n);
                    written = true;
                    needsFlush = true;
                } else if (n < 0) {
                    String failure = cursor.failure();
                    finish(State.OPEN, failure == null ? "end of stream" : "failed: " + failure);
                    return;
                } else if (!opened) {
                    opened = true;
                    transport.flush(); // the stream has no tag yet: the player learns at once that it exists
                } else {
                    return; // caught up: the cursor calls onDataAvailable() when a tag arrives
                }
            }
        } catch (IOException e) {
            finish(State.OPEN, "write failed: " + e);
        } catch (RuntimeException e) {
            if (state.get() != State.OPEN) return; // the transport refusing a write after it went away
            log.error("[{}] bug in the write loop of a player of {}", id, streamKey(), e);
            metrics.connectionFailed(kind.metric(), Metrics.ConnectionError.INTERNAL);
            finish(State.OPEN, "internal error: " + e);
        } finally {
            if (written) players.leaveWriteBuffer();
        }
    }

    /** On the drain's turn: {@code from} → CLOSED, then detach and complete the transport. */
    private void finish(State from, String reason) {
        if (!state.compareAndSet(from, State.CLOSED)) return;
        detach(reason);
        transport.complete();
    }

    /**
     * Anything → CLOSED from a thread that is not the drain's (the transport's own callback, or a wake-up
     * that the stopped pool refused): waits, parked and bounded in case the drain's non-blocking call needs
     * something this thread holds, until no drain touches the transport, then ends it.
     */
    private void closeNow(String reason) {
        State was = state.getAndSet(State.CLOSED);
        if (was == State.CLOSED) return;
        boolean locked = false;
        try {
            locked = writing.tryLock(WRITER_EXIT_WAIT_MS, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            detach(was == State.CLOSING && closeReason != null ? closeReason : reason);
            transport.complete();
        } finally {
            if (locked) writing.unlock();
        }
    }

    private void detach(String reason) {
        closeReason = reason;
        cursor.close();
        players.remove(this);
        metrics.clientGone(this); // after it left the players: a scrape never counts it twice
        players.events().info(log, "[{}] {} player of {} from {} closed: {} ({} bytes, {} skips, {} s)", id, kind.protocol(), streamKey(),
                remote, reason, cursor.bytesOut(), cursor.skips(), (System.currentTimeMillis() - connectedAtMillis) / 1000);
    }
}
