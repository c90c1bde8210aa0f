package io.streamlet.ingest;

import io.streamlet.auth.AccessPolicy;
import io.streamlet.auth.Decision;
import io.streamlet.delivery.Player;
import io.streamlet.delivery.Players;
import io.streamlet.live.Client;
import io.streamlet.live.ClientIds;
import io.streamlet.live.LiveSource;
import io.streamlet.live.SourceRegistry;
import io.streamlet.live.StreamKey;
import io.streamlet.metrics.Metrics;
import io.streamlet.metrics.Metrics.ConnectionError;
import io.streamlet.nio.SelectorLoop;
import io.streamlet.output.RtmpEncoder;
import io.streamlet.rtmp.ChunkDecoder;
import io.streamlet.rtmp.ChunkEncoder;
import io.streamlet.rtmp.Command;
import io.streamlet.rtmp.Handshake;
import io.streamlet.rtmp.RtmpMessage;
import io.streamlet.rtmp.RtmpProtocolException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.util.ArrayDeque;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One RTMP client socket, driven by the server's I/O thread: the handshake, then decoded messages to its
 * {@link RtmpSession} and the session's answers back. Its life is one state machine:
 *
 * <pre>
 *   C0C1 ─▶ C2 ─▶ COMMANDS ◀──▶ AWAITING_DECISION (input held while hooks decide)
 *                    │                 │
 *                    └──────▶ PLAYING ◀┘  (writes belong to the delivery layer's Player)
 *   any state ─▶ CLOSED (end of input, error, timeout, refusal, kick, replacement, shutdown)
 * </pre>
 *
 * Everything here runs on the I/O thread, except {@link #close} (queues the close for it) and what the
 * {@link Player} does with the transport once playing. The close logs one line with the first reason given.
 */
final class RtmpConnection implements Client, SelectorLoop.Channel {
    private static final Logger log = LoggerFactory.getLogger(RtmpConnection.class);
    static final Player.Kind KIND = new Player.Kind("rtmp", "rtmp-play", Metrics.Protocol.RTMP, false);

    enum State { C0C1, C2, COMMANDS, AWAITING_DECISION, PLAYING, CLOSED }

    private final String id = ClientIds.next();
    private final long connectedAtMillis = System.currentTimeMillis();
    private final long connectedAtNanos = System.nanoTime();
    private final SocketChannel socket;
    private final SelectionKey key;
    private final String remote;
    private final String ip;
    private final RtmpServer server;
    private final RtmpConfig config;
    private final Players players;
    private final Metrics metrics;
    private final Consumer<RtmpConnection> onExit;
    private final RtmpSession session;
    private final ChunkDecoder decoder;
    private final ChunkEncoder encoder = new ChunkEncoder();
    private final RtmpSocketTransport transport;

    private volatile State state = State.C0C1;
    /** C0+C1, then C2, as they arrive. */
    private ByteBuffer handshake = ByteBuffer.allocate(1 + Handshake.PACKET_SIZE);
    /** Decoded messages the session has not taken yet (held while a decision is pending). */
    private final ArrayDeque<RtmpMessage> inbox = new ArrayDeque<>();
    /** The session's answers before the connection plays; after, they go through {@link #media}. */
    private final ArrayDeque<byte[]> outbox = new ArrayDeque<>();
    private RtmpEncoder media;
    private long lastReadNanos = connectedAtNanos;
    /** Set by the session when it wants the connection ended after its last answers are written. */
    private String disconnectReason;
    /** Why the connection ends: the first reason given, from any thread. */
    private volatile String closeReason;

    RtmpConnection(SocketChannel socket, SelectionKey key, String remote, RtmpServer server, RtmpConfig config,
            SourceRegistry registry, Players players, AccessPolicy access, Metrics metrics, Consumer<RtmpConnection> onExit) {
        this.socket = socket;
        this.key = key;
        this.remote = remote;
        this.ip = socket.socket().getInetAddress().getHostAddress();
        this.server = server;
        this.config = config;
        this.players = players;
        this.metrics = metrics;
        this.onExit = onExit;
        this.decoder = new ChunkDecoder(config.maxMessageSize());
        this.transport = new RtmpSocketTransport(socket, key, () -> close("play ended"));
        this.session = new RtmpSession(id, ip, config, registry, access, new SessionPeer());
    }

    boolean isPlaying() {
        return state == State.PLAYING;
    }

    /** On the I/O thread: the socket can take bytes again, or has some for us. */
    @Override
    public void ready(SelectionKey key) {
        if (key.isWritable()) onWritable();
        if (key.isValid() && key.isReadable()) onReadable(server.readBuffer());
    }

    /** Bytes arrived (or the peer closed). */
    private void onReadable(ByteBuffer buffer) {
        buffer.clear();
        int n;
        try {
            n = socket.read(buffer);
        } catch (IOException e) {
            end("I/O error: " + e.getMessage(), ConnectionError.IO);
            return;
        }
        if (n < 0) {
            boolean handshaking = state == State.C0C1 || state == State.C2;
            end(handshaking ? "peer closed the connection during the handshake" : "peer closed the connection",
                    handshaking ? ConnectionError.IO : null);
            return;
        }
        lastReadNanos = System.nanoTime();
        buffer.flip();
        try {
            if (state == State.C0C1 || state == State.C2) readHandshake(buffer);
            if (buffer.hasRemaining()) decoder.decode(buffer, inbox::add);
            serveInbox();
        } catch (RtmpProtocolException e) {
            end("protocol error: " + e.getMessage(), ConnectionError.PROTOCOL);
        }
    }

    private void onWritable() {
        if (!transport.onWritable()) flushOutbox();
    }

    /** On the I/O thread: a bug surfaced while serving this connection. */
    @Override
    public void failed(RuntimeException e) {
        log.error("[{}] bug while serving {}", id, session.streamKey(), e);
        end("internal error: " + e, ConnectionError.INTERNAL);
    }

    /** On the I/O thread, a few times a second: the handshake and idle deadlines. */
    void checkTimeouts(long now) {
        switch (state) {
            case C0C1, C2 -> {
                if (now - connectedAtNanos > TimeUnit.MILLISECONDS.toNanos(config.handshakeTimeoutMs())) {
                    end("no handshake within " + config.handshakeTimeoutMs() + " ms", ConnectionError.TIMEOUT);
                }
            }
            // A player sends almost nothing (an acknowledgement per window): the player's stall watchdog guards it.
            case COMMANDS -> {
                if (now - lastReadNanos > TimeUnit.MILLISECONDS.toNanos(config.idleTimeoutMs())) {
                    end("nothing received for " + config.idleTimeoutMs() + " ms", ConnectionError.TIMEOUT);
                }
            }
            default -> { }
        }
    }

    private void readHandshake(ByteBuffer in) throws RtmpProtocolException {
        if (state == State.C0C1 && handshake.position() == 0) {
            Handshake.checkVersion(in.get(in.position()) & 0xFF); // before waiting for C1: a non-RTMP client is told off at once
        }
        int n = Math.min(in.remaining(), handshake.remaining());
        handshake.put(handshake.position(), in, in.position(), n);
        handshake.position(handshake.position() + n);
        in.position(in.position() + n);
        if (handshake.hasRemaining()) return;
        if (state == State.C0C1) {
            byte[] c1 = new byte[Handshake.PACKET_SIZE];
            handshake.get(1, c1);
            outbox.add(Handshake.serverResponse(c1));
            flushOutbox();
            handshake = ByteBuffer.allocate(Handshake.PACKET_SIZE);
            state = State.C2;
        } else {
            // C2: clients fill it inconsistently, so like other servers we do not check it.
            handshake = null;
            state = State.COMMANDS;
        }
    }

    /** Hands the session what it may take now, then sends its answers. */
    private void serveInbox() throws RtmpProtocolException {
        while ((state == State.COMMANDS || state == State.PLAYING) && disconnectReason == null) {
            RtmpMessage message = inbox.poll();
            if (message == null) break;
            session.onMessage(message);
        }
        session.onBytesReceived(decoder.bytesReceived());
        flushOutbox();
        if (disconnectReason != null) closeNow(disconnectReason);
    }

    /** Before the connection plays: writes the session's answers as far as the socket takes them. */
    private void flushOutbox() {
        if (state == State.PLAYING || state == State.CLOSED) return;
        try {
            while (!outbox.isEmpty() && transport.isReady()) {
                byte[] chunks = outbox.poll();
                transport.write(chunks, 0, chunks.length);
            }
        } catch (IOException e) {
            end("I/O error: " + e.getMessage(), ConnectionError.IO);
        }
    }

    /** On the I/O thread: ends the connection, counting {@code error} (null: not an error) if it is the first reason. */
    private void end(String reason, ConnectionError error) {
        boolean first = recordReason(reason);
        if (first && error != null && state != State.CLOSED) {
            if (state == State.C0C1 || state == State.C2) metrics.handshakeFailed(); else metrics.connectionFailed(Metrics.Protocol.RTMP, error);
        }
        closeNow(reason);
    }

    /** Ends the connection, from any thread; the I/O thread does it. Idempotent. */
    @Override
    public void close(String reason) {
        recordReason(reason);
        if (server.isIoThread()) {
            closeNow(reason);
            return;
        }
        try {
            server.execute(() -> closeNow(reason));
        } catch (RejectedExecutionException shuttingDown) {
            // The server's shutdown closes every connection.
        }
    }

    private synchronized boolean recordReason(String reason) {
        if (closeReason != null) return false;
        closeReason = reason;
        return true;
    }

    /** On the I/O thread: the one way out. */
    void closeNow(String reason) {
        if (state == State.CLOSED) return;
        recordReason(reason);
        boolean wasPlaying = state == State.PLAYING;
        state = State.CLOSED;
        Player player = transport.player();
        if (player != null) {
            player.onTransportGone(closeReason); // waits for a drain in progress to leave the socket
        }
        transport.flushRemainder();
        key.cancel();
        try {
            socket.close();
        } catch (IOException e) {
            log.debug("[{}] closing the socket failed", id, e);
        }
        try {
            session.close();
        } finally {
            if (session.streamKey() != null) {
                log.info("[{}] closed {} from {}: {}", id, session.streamKey(), remote, closeReason);
            } else {
                int leftOut = server.streamlessCloseLog().admit(System.nanoTime());
                if (leftOut >= 0) {
                    log.info("[{}] closed (no stream) from {}: {}{}", id, remote, closeReason,
                            leftOut == 0 ? "" : " (" + leftOut + " more closed without a stream just before were not logged)");
                }
            }
            onExit.accept(this);
            if (!wasPlaying) metrics.clientGone(this); // a player's totals are counted by its Player
        }
    }

    private final class SessionPeer implements RtmpSession.Peer {
        @Override
        public void send(RtmpMessage message) {
            byte[] chunks = encoder.encode(message);
            if (state == State.PLAYING) {
                media.sendControl(chunks);
                Player player = transport.player();
                if (player != null) player.onDataAvailable();
            } else {
                outbox.add(chunks);
            }
        }

        @Override
        public void disconnect(String reason) {
            if (disconnectReason == null) disconnectReason = reason;
        }

        @Override
        public void abort(String reason) {
            close(reason);
        }

        @Override
        public void await(CompletableFuture<Decision> decision, Consumer<Decision> then) {
            if (decision.isDone()) {
                then.accept(decision.join());
                return;
            }
            State resumeIn = state;
            state = State.AWAITING_DECISION;
            key.interestOpsAnd(~SelectionKey.OP_READ);
            decision.whenComplete((d, e) -> {
                Decision result = d != null ? d : Decision.denied("authorization failed: " + e);
                try {
                    server.execute(() -> resume(resumeIn, result, then));
                } catch (RejectedExecutionException shuttingDown) {
                    // The connection is closed with the server.
                }
            });
        }

        private void resume(State resumeIn, Decision decision, Consumer<Decision> then) {
            if (state != State.AWAITING_DECISION) return; // closed meanwhile
            state = resumeIn;
            then.accept(decision);
            key.interestOpsOr(SelectionKey.OP_READ);
            try {
                serveInbox();
            } catch (RtmpProtocolException e) {
                end("protocol error: " + e.getMessage(), ConnectionError.PROTOCOL);
            }
        }

        @Override
        public void play(LiveSource source, int streamId) {
            flushOutbox(); // what the socket takes now goes first; the rest goes first through the encoder
            Map<String, Object> unpublished = new LinkedHashMap<>();
            unpublished.put("level", "status");
            unpublished.put("code", "NetStream.Play.UnpublishNotify");
            unpublished.put("description", "Stream " + source.key() + " is now unpublished.");
            byte[] ending = ChunkEncoder.encode(Command.of("onStatus", 0, null, unpublished)
                    .toMessage(Command.STREAM_CSID, streamId), encoder.chunkSize());
            state = State.PLAYING;
            players.start(id, ip, remote, playUrl(source.key()), KIND, source, cursor -> {
                media = new RtmpEncoder(cursor, encoder.chunkSize(), streamId, ending);
                for (byte[] chunks = outbox.poll(); chunks != null; chunks = outbox.poll()) media.sendControl(chunks);
                return media;
            }, transport);
        }
    }

    private String playUrl(StreamKey key) {
        String tcUrl = session.tcUrl();
        return (tcUrl == null || tcUrl.isEmpty() ? "rtmp://" + config.host() + "/" + key.app() : tcUrl) + "/" + key.stream();
    }

    @Override
    public String id() {
        return id;
    }

    @Override
    public Role role() {
        return Role.PUBLISHER;
    }

    @Override
    public String protocol() {
        return "rtmp";
    }

    @Override
    public String type() {
        return "fmle-publish";
    }

    @Override
    public String ip() {
        return ip;
    }

    /** SRS's client url: the path of the stream, {@code /app/stream} (without the publish name's query). */
    @Override
    public String url() {
        StreamKey key = session.streamKey();
        return key == null ? "" : "/" + key.app() + "/" + key.stream();
    }

    @Override
    public String tcUrl() {
        return session.tcUrl();
    }

    @Override
    public StreamKey streamKey() {
        return session.streamKey();
    }

    @Override
    public long connectedAtMillis() {
        return connectedAtMillis;
    }

    @Override
    public long bytesReceived() {
        return decoder.bytesReceived();
    }

    @Override
    public long bytesSent() {
        return transport.bytesWritten();
    }
}
