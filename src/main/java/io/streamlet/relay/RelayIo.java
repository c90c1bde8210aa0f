package io.streamlet.relay;

import io.streamlet.OwnedThreads;
import io.streamlet.nio.SelectorLoop;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one I/O thread of every outgoing relay connection ({@code streamlet-relay-io-N}), as
 * {@link io.streamlet.ingest.RtmpServer}'s is for incoming ones: a selector for the sockets of every
 * {@link RtmpClientConnection}, a queue of tasks other threads hand it, and timers (reconnection delays,
 * response deadlines), so a relay costs a socket and never a thread. The thread starts with the first task
 * or connection; {@link #close} ends every connection and the thread.
 *
 * <p>Host names are resolved before a connection reaches the loop, by a few resolver threads that exist only
 * while there are names to look up: a slow DNS answer delays its own connection, not every relay.
 */
public final class RelayIo implements Executor, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(RelayIo.class);
    /** How often connections check their deadlines. */
    private static final long TICK_MS = 250;
    private static final long SHUTDOWN_WAIT_MS = 5_000;
    /** Lookups at once; more wait their turn. A few: each waits on the network, not the CPU. */
    private static final int RESOLVER_THREADS = 4;

    private final OwnedThreads threads = new OwnedThreads("streamlet-relay-io-");
    private final OwnedThreads resolverThreads = new OwnedThreads("streamlet-relay-dns-");
    private final ThreadPoolExecutor resolver = new ThreadPoolExecutor(RESOLVER_THREADS, RESOLVER_THREADS,
            30, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), resolverThreads);
    private final Set<RtmpClientConnection> connections = ConcurrentHashMap.newKeySet();
    /** Set once, under the lock, before its thread starts. */
    private volatile SelectorLoop loop;
    private volatile boolean closed;

    /** Looks a host name up, blocking; an unknown host gives an unresolved address. */
    interface HostLookup {
        InetSocketAddress lookUp(String host, int port);
    }

    private final HostLookup lookup;

    public RelayIo() {
        this(InetSocketAddress::new);
    }

    /** With {@code lookup} for host names: tests make it slow or failing. */
    RelayIo(HostLookup lookup) {
        this.lookup = lookup;
        resolver.allowCoreThreadTimeOut(true);
    }

    /** Runs {@code task} on the I/O thread. @throws RejectedExecutionException after {@link #close} */
    @Override
    public void execute(Runnable task) {
        started().execute(task);
    }

    /** Runs {@code task} on the I/O thread in {@code delayMs}, unless cancelled. @throws RejectedExecutionException after {@link #close} */
    public SelectorLoop.Timer schedule(Runnable task, long delayMs) {
        return started().schedule(task, delayMs);
    }

    /**
     * Resolves {@code host} on a resolver thread (an unknown host gives an unresolved address); the future
     * completes there.
     *
     * @throws RejectedExecutionException after {@link #close}
     */
    CompletableFuture<InetSocketAddress> resolve(String host, int port) {
        if (closed) throw new RejectedExecutionException("relay I/O closed");
        return CompletableFuture.supplyAsync(() -> lookup.lookUp(host, port), resolver);
    }

    public boolean isIoThread() {
        SelectorLoop running = loop;
        return running != null && running.inLoop();
    }

    /** The outgoing connections open now. */
    public int connectionCount() {
        return connections.size();
    }

    /** Ends every connection (their handlers hear of it) and the thread. Idempotent. */
    @Override
    public void close() {
        SelectorLoop running;
        synchronized (this) {
            if (closed) return;
            closed = true;
            running = loop;
        }
        resolver.shutdownNow();
        try {
            resolverThreads.joinAll(SHUTDOWN_WAIT_MS); // a lookup in progress is not interruptible: bounded wait
            if (running == null) return;
            running.close(SHUTDOWN_WAIT_MS);
            threads.joinAll(SHUTDOWN_WAIT_MS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** On the I/O thread: registers a connecting socket for {@code connection}. */
    SelectionKey register(SocketChannel socket, RtmpClientConnection connection) throws IOException {
        SelectionKey key = socket.register(loop.selector(), SelectionKey.OP_CONNECT, connection);
        connections.add(connection);
        return key;
    }

    void unregister(RtmpClientConnection connection) {
        connections.remove(connection);
    }

    /** The loop, started with the first task or connection. */
    private synchronized SelectorLoop started() {
        if (closed) throw new RejectedExecutionException("relay I/O closed");
        if (loop == null) {
            Selector selector;
            try {
                selector = Selector.open();
            } catch (IOException e) {
                throw new UncheckedIOException("cannot open the relay selector", e);
            }
            loop = new SelectorLoop("relay", selector, TICK_MS, threads, new Handler());
            loop.start();
        }
        return loop;
    }

    /** The I/O thread's own work besides the keys: the connections' deadlines, and the end. */
    private final class Handler implements SelectorLoop.Handler {
        @Override
        public void tick(long nowNanos) {
            for (RtmpClientConnection c : connections) c.checkTimeouts(nowNanos);
        }

        @Override
        public void closing() {
            for (RtmpClientConnection c : List.copyOf(connections)) c.closeNow("server shutting down", null);
        }
    }
}
