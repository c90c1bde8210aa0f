package io.streamlet.relay;

import io.streamlet.OwnedThreads;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.util.List;
import java.util.PriorityQueue;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
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

    /** A task to run later on the I/O thread; {@link #cancel} from any thread. */
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

    private final OwnedThreads threads = new OwnedThreads("streamlet-relay-io-");
    private final OwnedThreads resolverThreads = new OwnedThreads("streamlet-relay-dns-");
    private final ThreadPoolExecutor resolver = new ThreadPoolExecutor(RESOLVER_THREADS, RESOLVER_THREADS,
            30, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), resolverThreads);
    private final Queue<Runnable> tasks = new ConcurrentLinkedQueue<>();
    private final Set<RtmpClientConnection> connections = ConcurrentHashMap.newKeySet();
    /** Only the I/O thread touches it. */
    private final PriorityQueue<Timer> timers = new PriorityQueue<>();
    private Selector selector;
    private Thread thread;
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
        startIfNeeded();
        tasks.add(task);
        selector.wakeup();
    }

    /** Runs {@code task} on the I/O thread in {@code delayMs}, unless cancelled. @throws RejectedExecutionException after {@link #close} */
    public Timer schedule(Runnable task, long delayMs) {
        Timer timer = new Timer(System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(delayMs), task);
        execute(() -> timers.add(timer));
        return timer;
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
        return Thread.currentThread() == thread;
    }

    /** The outgoing connections open now. */
    public int connectionCount() {
        return connections.size();
    }

    /** Ends every connection (their handlers hear of it) and the thread. Idempotent. */
    @Override
    public void close() {
        Thread io;
        synchronized (this) {
            if (closed) return;
            closed = true;
            io = thread;
        }
        resolver.shutdownNow();
        try {
            resolverThreads.joinAll(SHUTDOWN_WAIT_MS); // a lookup in progress is not interruptible: bounded wait
            if (io == null) return;
            selector.wakeup();
            io.join(SHUTDOWN_WAIT_MS);
            if (io.isAlive()) log.warn("relay I/O thread still running {} ms after close", SHUTDOWN_WAIT_MS);
            threads.joinAll(SHUTDOWN_WAIT_MS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** On the I/O thread: registers a connecting socket for {@code connection}. */
    SelectionKey register(SocketChannel socket, RtmpClientConnection connection) throws IOException {
        SelectionKey key = socket.register(selector, SelectionKey.OP_CONNECT, connection);
        connections.add(connection);
        return key;
    }

    void unregister(RtmpClientConnection connection) {
        connections.remove(connection);
    }

    private synchronized void startIfNeeded() {
        if (closed) throw new RejectedExecutionException("relay I/O closed");
        if (thread == null) {
            try {
                selector = Selector.open();
            } catch (IOException e) {
                throw new UncheckedIOException("cannot open the relay selector", e);
            }
            thread = threads.newThread(this::loop);
            thread.start();
        }
    }

    private void loop() {
        long nextTick = System.nanoTime();
        try {
            while (!closed) {
                long now = System.nanoTime();
                long waitNanos = nextTick - now;
                Timer first = timers.peek();
                if (first != null) waitNanos = Math.min(waitNanos, first.dueNanos - now);
                if (waitNanos > 0) selector.select(Math.max(1, TimeUnit.NANOSECONDS.toMillis(waitNanos))); else selector.selectNow();
                runTasks();
                for (SelectionKey key : selector.selectedKeys()) handle(key);
                selector.selectedKeys().clear();
                now = System.nanoTime();
                runTimers(now);
                if (now - nextTick >= 0) {
                    nextTick = now + TimeUnit.MILLISECONDS.toNanos(TICK_MS);
                    for (RtmpClientConnection c : connections) c.checkTimeouts(now);
                }
            }
        } catch (IOException | ClosedSelectorException e) {
            if (!closed) log.error("relay I/O loop failed; relays stop", e);
        } finally {
            shutdown();
        }
    }

    private void handle(SelectionKey key) {
        if (!key.isValid()) return;
        RtmpClientConnection connection = (RtmpClientConnection) key.attachment();
        try {
            if (key.isConnectable()) connection.onConnectable();
            if (key.isValid() && key.isWritable()) connection.onWritable();
            if (key.isValid() && key.isReadable()) connection.onReadable();
        } catch (RuntimeException e) {
            connection.failed(e);
        }
    }

    private void runTasks() {
        for (Runnable task = tasks.poll(); task != null; task = tasks.poll()) run(task);
    }

    private void runTimers(long now) {
        for (Timer t = timers.peek(); t != null && now - t.dueNanos >= 0; t = timers.peek()) {
            timers.poll();
            if (!t.cancelled) run(t.task);
        }
    }

    private static void run(Runnable task) {
        try {
            task.run();
        } catch (RuntimeException e) {
            log.error("relay task failed", e);
        }
    }

    /** On the I/O thread, last: every connection closed, pending tasks run (their own ends), the selector closed. */
    private void shutdown() {
        for (RtmpClientConnection c : List.copyOf(connections)) c.closeNow("server shutting down", null);
        runTasks();
        tasks.clear();
        timers.clear();
        try {
            selector.close();
        } catch (IOException e) {
            log.debug("closing the relay selector failed", e);
        }
    }
}
