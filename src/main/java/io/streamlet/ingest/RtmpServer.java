package io.streamlet.ingest;

import io.streamlet.auth.AccessPolicy;
import io.streamlet.delivery.Players;
import io.streamlet.live.Client;
import io.streamlet.live.SourceRegistry;
import io.streamlet.metrics.Metrics;
import io.streamlet.nio.SelectorLoop;
import io.streamlet.rtmp.Handshake;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The RTMP listener, non-blocking: one I/O thread ({@code streamlet-rtmp-io-PORT}) accepts, reads, decodes
 * and runs every connection's session, as SRS's single-threaded server does; a publisher's media goes to
 * its source on this thread, in O(1) per tag whatever the number of players. A playing connection costs
 * no thread: its writes are a {@link io.streamlet.delivery.Player}'s, run by the fan-out threads (or by
 * this one when the socket becomes writable again).
 *
 * <p>Other threads reach a connection only through {@link #execute}, which queues the task for the I/O
 * thread. {@link #close} ends every connection and the thread, so a redeployed webapp leaves neither
 * thread nor port behind.
 */
public final class RtmpServer implements AutoCloseable, Executor {
    private static final Logger log = LoggerFactory.getLogger(RtmpServer.class);
    private static final int BACKLOG = 1024;
    private static final int READ_BUFFER_SIZE = 64 * 1024;
    private static final int STREAMLESS_CLOSES_LOGGED_PER_SECOND = 20;
    private static final int ACCEPTS_PER_ROUND = 32;
    private static final long TICK_MS = 250;
    private static final long SHUTDOWN_WAIT_MS = 5_000;

    private final RtmpConfig config;
    private final SourceRegistry registry;
    private final Players players;
    private final AccessPolicy access;
    private final Metrics metrics;
    private final Set<RtmpConnection> connections = ConcurrentHashMap.newKeySet();
    /** Shared by every connection: only the I/O thread reads. */
    private final ByteBuffer readBuffer = ByteBuffer.allocate(READ_BUFFER_SIZE);
    /** Connections that end before naming a stream (probes, garbage, cut handshakes): I/O thread only. */
    private final LogThrottle streamlessCloseLog = new LogThrottle(STREAMLESS_CLOSES_LOGGED_PER_SECOND);
    private ServerSocketChannel listener;
    private volatile SelectorLoop loop;
    private volatile boolean closed;

    public RtmpServer(RtmpConfig config, SourceRegistry registry, Players players, AccessPolicy access, Metrics metrics) {
        this.config = config;
        this.registry = registry;
        this.players = players;
        this.access = access;
        this.metrics = metrics;
    }

    /** Binds {@code host:port} (port 0 picks a free one) and starts the I/O thread. */
    public synchronized void start() throws IOException {
        if (listener != null || closed) throw new IllegalStateException("RTMP server already started or closed");
        ServerSocketChannel channel = ServerSocketChannel.open();
        Selector selector = null;
        try {
            channel.setOption(java.net.StandardSocketOptions.SO_REUSEADDR, true);
            channel.bind(new InetSocketAddress(config.host(), config.port()), BACKLOG);
            channel.configureBlocking(false);
            selector = Selector.open();
            channel.register(selector, SelectionKey.OP_ACCEPT, (SelectorLoop.Channel) key -> accept());
        } catch (IOException e) {
            channel.close();
            if (selector != null) selector.close();
            throw new IOException("cannot listen for RTMP on " + config.host() + ":" + config.port() + ": " + e.getMessage(), e);
        }
        listener = channel;
        int port = port();
        loop = new SelectorLoop("RTMP", selector, TICK_MS, task -> {
            Thread thread = new Thread(task, "streamlet-rtmp-io-" + port);
            thread.setDaemon(true);
            return thread;
        }, new Handler());
        // Before the first accept (clients wait in the backlog, not in a handshake), and on the loop's thread
        // rather than here, so that the webapp's start does not wait for it.
        loop.execute(Handshake::loadCrypto);
        loop.start();
        log.info("RTMP listening on {}:{} (at most {} connections)", config.host(), port(), config.maxConnections());
    }

    /** The I/O thread's read buffer, which every connection reads into in turn. */
    ByteBuffer readBuffer() {
        return readBuffer;
    }

    /** How the I/O thread's connections log an end before they named a stream. */
    LogThrottle streamlessCloseLog() {
        return streamlessCloseLog;
    }

    /** True between a successful {@link #start} and {@link #close}. */
    public synchronized boolean isListening() {
        return listener != null && !closed;
    }

    /** The bound port. */
    public synchronized int port() {
        if (listener == null) throw new IllegalStateException("RTMP server not started");
        return listener.socket().getLocalPort();
    }

    /** Connections open now, publishing, playing or neither (each holds one of the {@code maxConnections}). */
    public int connectionCount() {
        return connections.size();
    }

    /** The connections open now that are not players (players are listed by the delivery layer). */
    public Collection<? extends Client> clients() {
        return connections.stream().filter(c -> !c.isPlaying()).toList();
    }

    /** Runs {@code task} on the I/O thread. @throws RejectedExecutionException after {@link #close} */
    @Override
    public void execute(Runnable task) {
        if (closed) throw new RejectedExecutionException("RTMP server closed");
        loop.execute(task);
    }

    boolean isIoThread() {
        SelectorLoop running = loop;
        return running != null && running.inLoop();
    }

    /** Stops listening, disconnects every client (their streams unpublish) and ends the thread. Idempotent. */
    @Override
    public void close() {
        SelectorLoop running;
        synchronized (this) {
            if (closed) return;
            closed = true;
            running = loop;
        }
        if (running == null) {
            closeQuietly(listener);
            return;
        }
        try {
            running.close(SHUTDOWN_WAIT_MS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        log.info("RTMP server closed");
    }

    /** The I/O thread's own work besides the keys: the connections' deadlines, and the end. */
    private final class Handler implements SelectorLoop.Handler {
        @Override
        public void tick(long nowNanos) {
            for (RtmpConnection c : connections) c.checkTimeouts(nowNanos);
        }

        @Override
        public void closing() {
            closeQuietly(listener);
            for (RtmpConnection c : List.copyOf(connections)) c.closeNow("server shutting down");
        }
    }

    /**
     * Takes at most {@link #ACCEPTS_PER_ROUND} new connections, so that a burst of them waits a round rather than
     * the publishers already here; the rest stay in the backlog and the next select returns at once for them.
     */
    private void accept() {
        for (int i = 0; i < ACCEPTS_PER_ROUND; i++) {
            SocketChannel socket;
            try {
                socket = listener.accept();
            } catch (IOException e) {
                log.warn("RTMP accept failed: {}", e.getMessage());
                return;
            }
            if (socket == null) return;
            admit(socket);
        }
    }

    private void admit(SocketChannel socket) {
        String remote = remoteOf(socket);
        if (connections.size() >= config.maxConnections()) {
            log.warn("RTMP connection from {} refused: already {} connections (streamlet.rtmp.maxConnections)",
                    remote, connections.size());
            metrics.connectionFailed(Metrics.Protocol.RTMP, Metrics.ConnectionError.REFUSED);
            closeQuietly(socket);
            return;
        }
        try {
            socket.configureBlocking(false);
            socket.setOption(java.net.StandardSocketOptions.TCP_NODELAY, true);
            SelectionKey key = socket.register(loop.selector(), SelectionKey.OP_READ);
            metrics.connectionOpened(Metrics.Protocol.RTMP);
            RtmpConnection connection = new RtmpConnection(socket, key, remote, this, config, registry, players, access,
                    metrics, connections::remove);
            key.attach(connection);
            connections.add(connection);
        } catch (IOException e) {
            log.warn("RTMP connection from {} could not be set up: {}", remote, e.getMessage());
            closeQuietly(socket);
        }
    }

    private static String remoteOf(SocketChannel socket) {
        try {
            return String.valueOf(socket.getRemoteAddress()).replaceFirst("^/", "");
        } catch (IOException e) {
            return "(unknown)";
        }
    }

    private static void closeQuietly(java.io.Closeable c) {
        if (c == null) return;
        try {
            c.close();
        } catch (IOException e) {
            log.debug("closing an RTMP channel failed", e);
        }
    }
}
