package io.streamlet.ingest;

import io.streamlet.StreamletConfig;
import io.streamlet.auth.AccessPolicy;
import io.streamlet.live.Client;
import io.streamlet.live.ClientIds;
import io.streamlet.live.Metrics;
import io.streamlet.live.Metrics.ConnectionError;
import io.streamlet.live.StreamKey;
import io.streamlet.live.SourceRegistry;
import io.streamlet.rtmp.ChunkDecoder;
import io.streamlet.rtmp.ChunkEncoder;
import io.streamlet.rtmp.Handshake;
import io.streamlet.rtmp.RtmpMessage;
import io.streamlet.rtmp.RtmpProtocolException;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One RTMP client socket, served by a blocking loop on one thread: handshake, then read, decode,
 * let the {@link PublishSession} act, write its answers.
 *
 * <p>Every way out (end of stream, timeout, protocol error, refusal, {@link #close} from the server)
 * ends in the same place: the loop's exit, on the connection's own thread, unpublishes the source and
 * logs one line with the first reason given. {@link #close} from another thread only records the
 * reason and closes the socket, which unblocks the loop.
 */
final class RtmpConnection implements Runnable, Client {
    private static final Logger log = LoggerFactory.getLogger(RtmpConnection.class);
    private static final int READ_BUFFER_SIZE = 64 * 1024;

    private final String id = ClientIds.next();
    private final long connectedAtMillis = System.currentTimeMillis();
    private final Socket socket;
    private final Metrics metrics;
    private final StreamletConfig config;
    private final Consumer<RtmpConnection> onExit;
    private final PublishSession session;
    private final ChunkDecoder decoder;
    private final ChunkEncoder encoder = new ChunkEncoder();
    /** Answers produced while handling one read, written together. */
    private final ByteArrayOutputStream outbound = new ByteArrayOutputStream();
    /** Set by the session when it wants the connection ended after its last answers are written. */
    private String disconnectReason;

    private final Object closeLock = new Object();
    private String closeReason;
    /** Written by the connection's thread only; the HTTP API reads it. */
    private long bytesSent;

    /** @param onExit runs on the connection's thread after it is closed (the server forgets it) */
    RtmpConnection(Socket socket, StreamletConfig config, SourceRegistry registry, AccessPolicy access,
            Consumer<RtmpConnection> onExit) {
        this.socket = socket;
        this.config = config;
        this.onExit = onExit;
        this.metrics = registry.metrics();
        this.decoder = new ChunkDecoder(config.rtmpMaxMessageSize());
        String clientIp = socket.getInetAddress().getHostAddress();
        this.session = new PublishSession(id, clientIp, config, registry, access, new PublishSession.Peer() {
            @Override
            public void send(RtmpMessage message) {
                outbound.writeBytes(encoder.encode(message));
            }

            @Override
            public void disconnect(String reason) {
                if (disconnectReason == null) disconnectReason = reason;
            }

            @Override
            public void abort(String reason) {
                close(reason);
            }
        });
    }

    @Override
    public void run() {
        Thread thread = Thread.currentThread();
        String poolName = thread.getName();
        thread.setName("streamlet-rtmp-" + id);
        String reason = "connection ended";
        ConnectionError error = null;
        boolean handshaking = true;
        try {
            socket.setTcpNoDelay(true);
            socket.setSoTimeout((int) config.rtmpHandshakeTimeoutMs());
            InputStream in = socket.getInputStream();
            OutputStream out = socket.getOutputStream();
            handshake(in, out);
            handshaking = false;
            socket.setSoTimeout((int) config.rtmpIdleTimeoutMs());
            reason = serve(in, out);
        } catch (SocketTimeoutException e) {
            reason = handshaking
                    ? "no handshake within " + config.rtmpHandshakeTimeoutMs() + " ms"
                    : "nothing received for " + config.rtmpIdleTimeoutMs() + " ms";
            error = ConnectionError.RTMP_TIMEOUT;
        } catch (EOFException e) {
            reason = "peer closed the connection during the handshake"; // later, a read returns -1 instead
            error = ConnectionError.RTMP_IO;
        } catch (RtmpProtocolException e) {
            reason = "protocol error: " + e.getMessage();
            error = ConnectionError.RTMP_PROTOCOL;
        } catch (IOException e) {
            reason = "I/O error: " + e.getMessage();
            error = ConnectionError.RTMP_IO;
        } catch (RuntimeException e) {
            log.error("[{}] bug while serving {}", id, session.streamKey(), e);
            reason = "internal error: " + e;
            error = ConnectionError.RTMP_INTERNAL;
        } finally {
            // A failure after someone else closed the socket (kick, replacement, shutdown) is that close, not an error.
            if (closeWith(reason) && error != null) {
                if (handshaking) metrics.handshakeFailed(); else metrics.connectionFailed(error);
            }
            try {
                session.close();
            } finally {
                log.info("[{}] closed {} from {}: {}", id, session.streamKey() == null ? "(no stream)" : session.streamKey(),
                        socket.getRemoteSocketAddress(), closeReason());
                onExit.accept(this);
                metrics.clientGone(this); // after the server forgot it: a scrape never counts it twice
                thread.setName(poolName);
            }
        }
    }

    /** Records why the connection ends (the first reason given wins) and closes the socket. */
    @Override
    public void close(String reason) {
        closeWith(reason);
    }

    /** {@link #close}; true if {@code reason} is the one recorded (the connection was not closed before). */
    private boolean closeWith(String reason) {
        synchronized (closeLock) {
            if (closeReason != null) return false;
            closeReason = reason;
        }
        try {
            socket.close();
        } catch (IOException e) {
            log.debug("[{}] closing the socket failed", id, e);
        }
        return true;
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
    public String ip() {
        return socket.getInetAddress().getHostAddress();
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
        return bytesSent;
    }

    private String closeReason() {
        synchronized (closeLock) {
            return closeReason;
        }
    }

    private void handshake(InputStream in, OutputStream out) throws IOException, RtmpProtocolException {
        int version = in.read();
        if (version < 0) throw new EOFException();
        Handshake.checkVersion(version); // before waiting for C1: a non-RTMP client is told off at once
        byte[] response = Handshake.serverResponse(readPacket(in));
        out.write(response);
        bytesSent += response.length;
        out.flush();
        readPacket(in); // C2: clients fill it inconsistently, so like other servers we do not check it
    }

    private static byte[] readPacket(InputStream in) throws IOException {
        byte[] packet = in.readNBytes(Handshake.PACKET_SIZE);
        if (packet.length < Handshake.PACKET_SIZE) throw new EOFException();
        return packet;
    }

    /** The read loop; returns why it ended normally. */
    private String serve(InputStream in, OutputStream out) throws IOException, RtmpProtocolException {
        byte[] buffer = new byte[READ_BUFFER_SIZE];
        List<RtmpMessage> received = new ArrayList<>();
        while (true) {
            int n = in.read(buffer);
            if (n < 0) return "peer closed the connection";
            decoder.decode(ByteBuffer.wrap(buffer, 0, n), received::add);
            for (RtmpMessage message : received) {
                session.onMessage(message);
                if (disconnectReason != null) break; // the session is done; the rest of this read is moot
            }
            received.clear();
            session.onBytesReceived(decoder.bytesReceived());
            flush(out);
            if (disconnectReason != null) return disconnectReason;
        }
    }

    private void flush(OutputStream out) throws IOException {
        if (outbound.size() == 0) return;
        outbound.writeTo(out);
        bytesSent += outbound.size();
        out.flush();
        outbound.reset();
    }
}
