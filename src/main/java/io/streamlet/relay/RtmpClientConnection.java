package io.streamlet.relay;

import io.streamlet.delivery.Player;
import io.streamlet.delivery.Transport;
import io.streamlet.ingest.RtmpSocketTransport;
import io.streamlet.live.LiveCursor;
import io.streamlet.nio.SelectorLoop;
import io.streamlet.output.RtmpEncoder;
import io.streamlet.rtmp.ChunkDecoder;
import io.streamlet.rtmp.ChunkEncoder;
import io.streamlet.rtmp.ClientHandshake;
import io.streamlet.rtmp.NetStatus;
import io.streamlet.rtmp.RtmpMessage;
import io.streamlet.rtmp.RtmpProtocolException;
import io.streamlet.rtmp.client.RtmpClientException;
import io.streamlet.rtmp.client.RtmpClientException.Reason;
import io.streamlet.rtmp.client.RtmpClientSession;
import io.streamlet.rtmp.client.RtmpUrl;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.util.ArrayDeque;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One outgoing RTMP connection, non-blocking, driven by the {@link RelayIo} thread: the socket loop around
 * the pure {@link RtmpClientSession} (and {@link ClientHandshake}, {@link ChunkDecoder}, {@link ChunkEncoder}),
 * for either role. Its life is one state machine:
 *
 * <pre>
 *   CONNECTING ─▶ HANDSHAKE ─▶ COMMANDS ─▶ STARTED    (NetStream.Play.Start / NetStream.Publish.Start)
 *   any state ─▶ CLOSED  (close(), refusal, protocol error, timeout, peer gone, shutdown)
 * </pre>
 *
 * <h2>Use</h2>
 * {@link #open} returns at once; the {@link Handler} hears, on the relay I/O thread, {@code onStarted} once
 * the server said Start, then (PLAY) every data, audio and video message the server sends, and last, once,
 * {@code onEnded} with why (a {@link RtmpClientException} saying what kind of failure, or null when
 * {@link #close} was called). A PLAY handler must return quickly (hand a message to a
 * {@link io.streamlet.live.Publication}, which is O(1)). A publisher, in {@code onStarted}, streams a live
 * source through a {@link Player} of the delivery layer: {@link #mediaEncoder} over {@link #transport()}.
 * Deadlines: the server must say Start within the session's response timeout, and a player's server must
 * send something at least that often.
 */
public final class RtmpClientConnection implements SelectorLoop.Channel {
    private static final Logger log = LoggerFactory.getLogger(RtmpClientConnection.class);
    /** The largest message accepted from a server (as the RTMP listener's default). */
    private static final int MAX_MESSAGE_SIZE = 16 * 1024 * 1024 - 1;
    private static final int READ_BUFFER_SIZE = 64 * 1024;

    public enum State { CONNECTING, HANDSHAKE, COMMANDS, STARTED, CLOSED }

    /** What a connection reports, on the relay I/O thread. */
    public interface Handler {
        /** The server said NetStream.Play.Start (media follows) or NetStream.Publish.Start (send media now). */
        void onStarted(RtmpClientConnection connection);

        /** PLAY: a data (18), audio (8) or video (9) message, as the server sent it (aggregates split). */
        default void onMedia(int type, long timestamp, byte[] payload) {}

        /**
         * Once, last: the connection ended. {@code failure} is null after {@link #close}, else why it could
         * not go on: its {@link RtmpClientException#reason()} tells a refusal from a timeout or a lost connection.
         */
        void onEnded(RtmpClientConnection connection, String reason, RtmpClientException failure);
    }

    private final String id;
    private final RelayIo io;
    private final RtmpUrl url;
    private final Handler handler;
    private final RtmpClientSession session;
    private final long responseTimeoutNanos;
    private final long openedAtNanos = System.nanoTime();
    private final ClientHandshake handshake = new ClientHandshake();
    private final ChunkDecoder decoder = new ChunkDecoder(MAX_MESSAGE_SIZE);
    private final ChunkEncoder encoder = new ChunkEncoder();
    /** What the session sends while no encoder streams media; written as the socket takes it. */
    private final ArrayDeque<byte[]> outbox = new ArrayDeque<>();
    private final ArrayDeque<RtmpMessage> inbox = new ArrayDeque<>();
    private final ByteBuffer readBuffer = ByteBuffer.allocate(READ_BUFFER_SIZE);

    private volatile State state = State.CONNECTING;
    private SocketChannel socket;
    private SelectionKey key;
    /** Set once connecting; read by other threads for the byte count. */
    private volatile RtmpSocketTransport transport;
    /** A publisher's media stream once it started: its control messages go through it from then on. */
    private RtmpEncoder media;
    private long lastReadNanos = openedAtNanos;

    private RtmpClientConnection(String id, RelayIo io, RtmpUrl url, RtmpClientSession.Role role,
            RtmpClientSession.Options options, Handler handler) {
        this.id = id;
        this.io = io;
        this.url = url;
        this.handler = handler;
        this.responseTimeoutNanos = TimeUnit.MILLISECONDS.toNanos(options.responseTimeoutMillis());
        this.session = new RtmpClientSession(url, role, options, this::send, new SessionListener());
    }

    /**
     * Connects to {@code url} to play or publish it; returns at once: its host name is looked up off the I/O
     * thread ({@link RelayIo#resolve}), the rest happens on {@code io}'s thread.
     *
     * @param id what the connection's log lines carry (the relay's id)
     * @throws RejectedExecutionException {@code io} is closed
     */
    public static RtmpClientConnection open(String id, RelayIo io, RtmpUrl url, RtmpClientSession.Role role,
            RtmpClientSession.Options options, Handler handler) {
        RtmpClientConnection connection = new RtmpClientConnection(id, io, url, role, options, handler);
        io.resolve(url.host(), url.port()).whenComplete((address, failure) -> {
            try {
                io.execute(() -> connection.connect(address, failure));
            } catch (RejectedExecutionException closed) {
                // The relay I/O closed during the lookup, and every connection with it.
            }
        });
        return connection;
    }

    public String id() {
        return id;
    }

    public RtmpUrl url() {
        return url;
    }

    public State state() {
        return state;
    }

    /** The message stream id the server created, or 0 before. */
    public int streamId() {
        return session.streamId();
    }

    /** Bytes received after the handshake. */
    public long bytesReceived() {
        return decoder.bytesReceived();
    }

    /** Bytes written to the socket, the handshake's included. */
    public long bytesSent() {
        return transport == null ? 0 : transport.bytesWritten();
    }

    /**
     * PUBLISH, in {@code onStarted}: the encoder that sends {@code cursor}'s tags on the created stream, for a
     * {@link Player} writing to {@link #transport()}. From now on the connection's own control messages
     * (acknowledgements, ping answers) go out between its media messages.
     */
    public RtmpEncoder mediaEncoder(LiveCursor cursor) {
        if (state != State.STARTED || session.role() != RtmpClientSession.Role.PUBLISH || media != null) {
            throw new IllegalStateException("media encoder of a " + session.role() + " connection in state " + state);
        }
        flushOutbox(); // what the socket takes now goes first; the rest goes first through the encoder
        media = new RtmpEncoder(cursor, encoder.chunkSize(), session.streamId());
        for (byte[] chunks = outbox.poll(); chunks != null; chunks = outbox.poll()) media.sendControl(chunks);
        return media;
    }

    /** The socket as a {@link Transport}: a player ending its stream ({@code complete()}) closes the connection. */
    public Transport transport() {
        return transport;
    }

    /** Ends the connection, from any thread; the handler's {@code onEnded} follows on the I/O thread. Idempotent. */
    public void close(String reason) {
        if (io.isIoThread()) {
            closeNow(reason, null);
            return;
        }
        try {
            io.execute(() -> closeNow(reason, null));
        } catch (RejectedExecutionException shuttingDown) {
            // The I/O thread's shutdown closes every connection.
        }
    }

    /** On the I/O thread, once the host name was looked up: {@code address}, or the lookup's {@code failure}. */
    private void connect(InetSocketAddress address, Throwable failure) {
        if (state != State.CONNECTING) return; // closed before its turn
        if (failure != null || address.isUnresolved()) {
            Throwable cause = failure != null && failure.getCause() != null ? failure.getCause() : failure;
            end("cannot resolve " + url.host() + (cause == null ? "" : ": " + cause), Reason.CONNECTION_LOST, cause);
            return;
        }
        if (System.nanoTime() - openedAtNanos > responseTimeoutNanos) { // the deadlines only watch registered connections
            end("no address for " + url.host() + " within " + TimeUnit.NANOSECONDS.toMillis(responseTimeoutNanos) + " ms",
                    Reason.TIMEOUT, null);
            return;
        }
        try {
            socket = SocketChannel.open();
            socket.configureBlocking(false);
            socket.setOption(java.net.StandardSocketOptions.TCP_NODELAY, true);
            key = io.register(socket, this);
            transport = new RtmpSocketTransport(socket, key, () -> close("its player ended (stalled, kicked or end of stream)"));
            if (socket.connect(address)) onConnectable();
        } catch (IOException | RuntimeException e) {
            end("cannot connect to " + url + ": " + e.getMessage(), Reason.CONNECTION_LOST, e);
        }
    }

    /** On the I/O thread: the connect finished, or the socket can take bytes again, or has some for us. */
    @Override
    public void ready(SelectionKey key) {
        if (key.isConnectable()) onConnectable();
        if (key.isValid() && key.isWritable()) onWritable();
        if (key.isValid() && key.isReadable()) onReadable();
    }

    /** The TCP connection is made (or failed); also called at once when the connect finished immediately. */
    private void onConnectable() {
        try {
            if (!socket.finishConnect()) return;
        } catch (IOException e) {
            end("cannot connect to " + url + ": " + e.getMessage(), Reason.CONNECTION_LOST, e);
            return;
        }
        key.interestOps(SelectionKey.OP_READ);
        state = State.HANDSHAKE;
        outbox.add(handshake.hello());
        flushOutbox();
    }

    /** Bytes arrived (or the server closed). */
    private void onReadable() {
        readBuffer.clear();
        int n;
        try {
            n = socket.read(readBuffer);
        } catch (IOException e) {
            end("I/O error: " + e.getMessage(), Reason.CONNECTION_LOST, e);
            return;
        }
        if (n < 0) {
            end(state == State.HANDSHAKE ? "server closed the connection during the handshake" : "server closed the connection",
                    Reason.CONNECTION_LOST, null);
            return;
        }
        lastReadNanos = System.nanoTime();
        readBuffer.flip();
        try {
            if (state == State.HANDSHAKE) readHandshake(readBuffer);
            if (readBuffer.hasRemaining()) decoder.decode(readBuffer, inbox::add);
            for (RtmpMessage m = inbox.poll(); m != null && state != State.CLOSED; m = inbox.poll()) session.onMessage(m);
            session.onBytesReceived(decoder.bytesReceived());
            flushOutbox();
        } catch (RtmpProtocolException e) {
            end("protocol error: " + e.getMessage(), Reason.PROTOCOL, e);
        } catch (RtmpClientException e) {
            closeNow(e.getMessage(), e);
        }
    }

    private void onWritable() {
        if (!transport.onWritable()) flushOutbox();
    }

    /** On the I/O thread: a bug surfaced while serving this connection. */
    @Override
    public void failed(RuntimeException e) {
        log.error("[{}] bug in the connection to {}", id, url, e);
        end("internal error: " + e, Reason.PROTOCOL, e);
    }

    /** On the I/O thread, a few times a second: the connect, handshake and response deadlines. */
    void checkTimeouts(long now) {
        long millis = TimeUnit.NANOSECONDS.toMillis(responseTimeoutNanos);
        switch (state) {
            case CONNECTING, HANDSHAKE -> {
                if (now - openedAtNanos > responseTimeoutNanos) {
                    end("no " + state.name().toLowerCase() + " within " + millis + " ms", Reason.TIMEOUT, null);
                }
            }
            case COMMANDS -> {
                try {
                    session.checkTimeout(System.currentTimeMillis());
                } catch (RtmpClientException e) {
                    closeNow(e.getMessage(), e);
                }
            }
            case STARTED -> {
                // A publisher hears little (acknowledgements): its player's stall watchdog guards the socket.
                if (session.role() == RtmpClientSession.Role.PLAY && now - lastReadNanos > responseTimeoutNanos) {
                    end("nothing received for " + millis + " ms", Reason.TIMEOUT, null);
                }
            }
            case CLOSED -> { }
        }
    }

    private void readHandshake(ByteBuffer in) throws RtmpProtocolException {
        byte[] c2 = handshake.receive(in);
        if (c2 == null) return;
        outbox.add(c2);
        state = State.COMMANDS;
        session.start(System.currentTimeMillis());
    }

    /** The session's messages: to the outbox, or between the media once a publisher streams. */
    private void send(RtmpMessage message) {
        byte[] chunks = encoder.encode(message);
        if (media == null) {
            outbox.add(chunks);
            return;
        }
        media.sendControl(chunks);
        Player player = transport.player();
        if (player != null) player.onDataAvailable();
    }

    /** Writes the outbox as far as the socket takes it (only while no player owns the socket). */
    private void flushOutbox() {
        if (media != null || transport == null) return;
        try {
            while (!outbox.isEmpty() && transport.isReady()) {
                byte[] chunks = outbox.poll();
                transport.write(chunks, 0, chunks.length);
            }
        } catch (IOException e) {
            end("I/O error: " + e.getMessage(), Reason.CONNECTION_LOST, e);
        }
    }

    private void end(String reason, Reason kind, Throwable cause) {
        closeNow(reason, new RtmpClientException(kind, reason, cause));
    }

    /** On the I/O thread: the one way out. */
    void closeNow(String reason, RtmpClientException failure) {
        if (state == State.CLOSED) return;
        boolean started = state == State.STARTED;
        state = State.CLOSED;
        Player player = transport == null ? null : transport.player();
        if (player != null) player.onTransportGone(reason); // waits for a drain in progress to leave the socket
        session.close(); // a polite FCUnpublish / deleteStream where the socket still takes it
        if (media == null && failure == null) flushOutbox();
        if (transport != null) transport.flushRemainder();
        if (key != null) key.cancel();
        try {
            if (socket != null) socket.close();
        } catch (IOException e) {
            log.debug("[{}] closing the socket to {} failed", id, url, e);
        }
        io.unregister(this);
        log.debug("[{}] connection to {} closed{}: {}", id, url, started ? " after starting" : "", reason);
        handler.onEnded(this, reason, failure);
    }

    @Override
    public String toString() {
        return "[" + id + "] " + session.role().name().toLowerCase() + " " + url + " (" + state + ")";
    }

    private final class SessionListener implements RtmpClientSession.Listener {
        @Override
        public void onStatus(NetStatus status) {
            log.debug("[{}] {} said {}", id, url, status.code());
        }

        @Override
        public void onStarted(int streamId) {
            state = State.STARTED;
            handler.onStarted(RtmpClientConnection.this);
        }

        @Override
        public void onMedia(RtmpMessage message) {
            handler.onMedia(message.type(), message.timestamp(), message.payload());
        }
    }
}
