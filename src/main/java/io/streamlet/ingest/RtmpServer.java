package io.streamlet.ingest;

import io.streamlet.OwnedThreads;
import io.streamlet.StreamletConfig;
import io.streamlet.live.Client;
import io.streamlet.live.Metrics;
import io.streamlet.auth.AccessPolicy;
import io.streamlet.live.SourceRegistry;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.util.Collection;
import java.util.Collections;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The RTMP listener: an accept thread, and one pooled thread per connection up to
 * {@code rtmpMaxConnections}; a connection over that is closed at once. All threads are daemons named
 * {@code streamlet-rtmp-...}, and {@link #close} ends every one of them, so a redeployed webapp leaves
 * neither thread nor port behind.
 */
public final class RtmpServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(RtmpServer.class);
    private static final int BACKLOG = 128;
    private static final long SHUTDOWN_WAIT_MS = 5_000;

    private final StreamletConfig config;
    private final SourceRegistry registry;
    private final AccessPolicy access;
    private final Set<RtmpConnection> connections = ConcurrentHashMap.newKeySet();
    private final OwnedThreads workers = new OwnedThreads("streamlet-rtmp-worker-");
    private final ExecutorService pool;
    private ServerSocket listener;
    private Thread acceptThread;
    private volatile boolean closed;

    public RtmpServer(StreamletConfig config, SourceRegistry registry, AccessPolicy access) {
        this.config = config;
        this.registry = registry;
        this.access = access;
        // No queue: a connection either gets a thread now or is refused (the bound is counted in accept).
        this.pool = new ThreadPoolExecutor(0, Integer.MAX_VALUE, 30, TimeUnit.SECONDS, new SynchronousQueue<>(), workers);
    }

    /** Binds {@code rtmpHost:rtmpPort} (port 0 picks a free one) and starts accepting. */
    public synchronized void start() throws IOException {
        if (listener != null || closed) throw new IllegalStateException("RTMP server already started or closed");
        ServerSocket socket = new ServerSocket();
        try {
            socket.setReuseAddress(true);
            socket.bind(new InetSocketAddress(config.rtmpHost(), config.rtmpPort()), BACKLOG);
        } catch (IOException e) {
            socket.close();
            throw new IOException("cannot listen for RTMP on " + config.rtmpHost() + ":" + config.rtmpPort() + ": " + e.getMessage(), e);
        }
        listener = socket;
        acceptThread = new Thread(this::acceptLoop, "streamlet-rtmp-accept-" + port());
        acceptThread.setDaemon(true);
        acceptThread.start();
        log.info("RTMP listening on {}:{} (at most {} connections)", config.rtmpHost(), port(), config.rtmpMaxConnections());
    }

    /** The bound port. */
    public synchronized int port() {
        if (listener == null) throw new IllegalStateException("RTMP server not started");
        return listener.getLocalPort();
    }

    /** Connections open now, publishing or not (each holds one of the {@code rtmpMaxConnections} slots). */
    public int connectionCount() {
        return connections.size();
    }

    /** The connections open now, for the HTTP API. */
    public Collection<? extends Client> clients() {
        return Collections.unmodifiableCollection(connections);
    }

    /** Stops listening, disconnects every client (their streams unpublish) and ends all threads. Idempotent. */
    @Override
    public void close() {
        Thread accepting;
        synchronized (this) {
            if (closed) return;
            closed = true;
            accepting = acceptThread;
            if (listener != null) {
                try {
                    listener.close();
                } catch (IOException e) {
                    log.warn("closing the RTMP listener failed", e);
                }
            }
        }
        connections.forEach(c -> c.close("server shutting down"));
        pool.shutdown();
        try {
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(SHUTDOWN_WAIT_MS);
            if (accepting != null) accepting.join(SHUTDOWN_WAIT_MS);
            if (!pool.awaitTermination(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
                log.warn("RTMP connection threads still running {} ms after close", SHUTDOWN_WAIT_MS);
                pool.shutdownNow();
            }
            workers.joinAll(Math.max(0, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            pool.shutdownNow();
        }
        log.info("RTMP server closed");
    }

    private void acceptLoop() {
        while (!closed) {
            Socket socket;
            try {
                socket = listener.accept();
            } catch (SocketException e) {
                if (!closed) log.error("RTMP listener failed; no more publishers will be accepted", e);
                return;
            } catch (IOException e) {
                log.warn("RTMP accept failed: {}", e.getMessage());
                continue;
            }
            admit(socket);
        }
    }

    private void admit(Socket socket) {
        if (connections.size() >= config.rtmpMaxConnections()) {
            log.warn("RTMP connection from {} refused: already {} connections (streamlet.rtmp.maxConnections)",
                    socket.getRemoteSocketAddress(), connections.size());
            registry.metrics().connectionFailed(Metrics.ConnectionError.RTMP_REFUSED);
            closeQuietly(socket);
            return;
        }
        registry.metrics().connectionOpened(Metrics.Protocol.RTMP);
        RtmpConnection connection = new RtmpConnection(socket, config, registry, access, connections::remove);
        connections.add(connection);
        // close() may have run since accept returned; it would have missed this connection.
        if (closed) connection.close("server shutting down");
        try {
            pool.execute(connection);
        } catch (RuntimeException e) { // rejected: the pool is shut down
            connections.remove(connection);
            closeQuietly(socket);
        }
    }

    private static void closeQuietly(Socket socket) {
        try {
            socket.close();
        } catch (IOException e) {
            log.debug("closing a refused RTMP socket failed", e);
        }
    }
}
