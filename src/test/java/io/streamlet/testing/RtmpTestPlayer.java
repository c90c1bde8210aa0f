package io.streamlet.testing;

import io.streamlet.amf.Amf0Reader;
import io.streamlet.amf.AmfException;
import io.streamlet.rtmp.ChunkDecoder;
import io.streamlet.rtmp.ChunkEncoder;
import io.streamlet.rtmp.ClientHandshake;
import io.streamlet.rtmp.MessageType;
import io.streamlet.rtmp.NetStatus;
import io.streamlet.rtmp.RtmpMessage;
import io.streamlet.rtmp.RtmpProtocolException;
import io.streamlet.rtmp.client.RtmpClientException;
import io.streamlet.rtmp.client.RtmpClientSession;
import io.streamlet.rtmp.client.RtmpUrl;
import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;

/**
 * A small real RTMP player over a socket, built on Streamlet's client codec and {@link RtmpClientSession}:
 * handshake, connect, createStream, play, then it keeps reading on its own thread (as a real player
 * does, so the server never sees a stalled client) and records what arrives: the onStatus codes in
 * order and the data, audio and video messages with their timestamps and message stream ids. Tests
 * wait for what they expect with the {@code await} methods, which fail with an {@link AssertionError}
 * saying what did arrive.
 *
 * <p>{@link #publish} opens the same connection in the session's publisher role instead, to test that
 * role against real servers: {@link #sendMedia} once NetStream.Publish.Start has arrived.
 */
public final class RtmpTestPlayer implements Closeable {
    private static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);
    /** How often the reader wakes to check the session's response timeout. */
    private static final int READ_POLL_MILLIS = 200;

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;
    private final Duration timeout;
    private final ChunkEncoder encoder = new ChunkEncoder();
    private final ChunkDecoder decoder = new ChunkDecoder(16 * 1024 * 1024 - 1);
    private final ByteArrayOutputStream outbound = new ByteArrayOutputStream();
    private final RtmpClientSession session;
    private final Thread reader;

    // Guarded by this; awaits wait on it.
    private final List<String> statusCodes = new ArrayList<>();
    private final List<RtmpMessage> media = new ArrayList<>();
    private RtmpClientException failure;
    private boolean ended;
    private volatile boolean closing;

    private RtmpTestPlayer(RtmpUrl url, RtmpClientSession.Role role, Duration timeout) throws IOException {
        this.timeout = timeout;
        socket = new Socket();
        try {
            socket.connect(new InetSocketAddress(url.host(), url.port()), (int) timeout.toMillis());
            socket.setTcpNoDelay(true);
            socket.setSoTimeout((int) timeout.toMillis());
            in = socket.getInputStream();
            out = socket.getOutputStream();
            handshake();
        } catch (IOException | RuntimeException e) {
            socket.close();
            throw e;
        }
        String flashVer = role == RtmpClientSession.Role.PLAY ? "LNX 9,0,124,2" : "FMLE/3.0 (compatible; RtmpTestPlayer)";
        session = new RtmpClientSession(url, role, new RtmpClientSession.Options(60_000, timeout.toMillis(), flashVer),
                message -> outbound.writeBytes(encoder.encode(message)), new RecordingListener());
        reader = new Thread(this::readLoop, "rtmp-test-" + role.name().toLowerCase() + "-" + url.streamName());
        reader.setDaemon(true);
    }

    /** Connects to {@code rtmp://127.0.0.1:PORT/app/stream[?query]} and asks to play it; returns at once. */
    public static RtmpTestPlayer play(String url) throws IOException {
        return play(url, DEFAULT_TIMEOUT);
    }

    /**
     * As {@link #play(String)}; {@code timeout} bounds the connect, the wait for NetStream.Play.Start and
     * the {@code await} methods without their own.
     */
    public static RtmpTestPlayer play(String url, Duration timeout) throws IOException {
        return open(url, RtmpClientSession.Role.PLAY, timeout);
    }

    /** Connects and asks to publish {@code url}; returns at once: {@code awaitStatus("NetStream.Publish.Start")}. */
    public static RtmpTestPlayer publish(String url, Duration timeout) throws IOException {
        return open(url, RtmpClientSession.Role.PUBLISH, timeout);
    }

    private static RtmpTestPlayer open(String url, RtmpClientSession.Role role, Duration timeout) throws IOException {
        RtmpTestPlayer player = new RtmpTestPlayer(RtmpUrl.parse(url), role, timeout);
        synchronized (player) {
            player.session.start(System.currentTimeMillis());
            player.flush();
        }
        player.socket.setSoTimeout(READ_POLL_MILLIS);
        player.reader.start();
        return player;
    }

    /** The onStatus codes received so far, in order (an error code that ended the session included). */
    public synchronized List<String> statusCodes() {
        return List.copyOf(statusCodes);
    }

    /** The data (18), audio (8) and video (9) messages received so far, in order. */
    public synchronized List<RtmpMessage> media() {
        return List.copyOf(media);
    }

    /** Why the session ended, if it did by failure (a refusal, a protocol error, the server closing); else null. */
    public synchronized RtmpClientException failure() {
        return failure;
    }

    /** The message stream id the server created for the play, or 0 before. */
    public synchronized int streamId() {
        return session.streamId();
    }

    /** Bytes received after the handshake. */
    public synchronized long bytesReceived() {
        return decoder.bytesReceived();
    }

    /** Waits until the status {@code code} has arrived; returns the codes received up to it. */
    public List<String> awaitStatus(String code) {
        return awaitStatus(code, timeout);
    }

    public synchronized List<String> awaitStatus(String code, Duration timeout) {
        await(() -> statusCodes.contains(code), timeout, "onStatus " + code);
        return List.copyOf(statusCodes.subList(0, statusCodes.indexOf(code) + 1));
    }

    /** Waits until at least {@code count} data/audio/video messages have arrived; returns all received so far. */
    public synchronized List<RtmpMessage> awaitMedia(int count, Duration timeout) {
        await(() -> media.size() >= count, timeout, count + " media messages");
        return List.copyOf(media);
    }

    /** Waits until the connection ends (the server closed it, or the session failed); returns the failure. */
    public synchronized RtmpClientException awaitEnd(Duration timeout) {
        await(() -> ended, timeout, "the end of the connection");
        return failure;
    }

    /** Publishes a data (18), audio (8) or video (9) message; see {@link RtmpClientSession#sendMedia}. */
    public synchronized void sendMedia(int type, long timestamp, byte[] payload) throws IOException {
        session.sendMedia(type, timestamp, payload);
        flush();
    }

    /**
     * Sends FCUnpublish and deleteStream if publishing, deleteStream if playing, closes the socket and
     * stops the reader.
     */
    @Override
    public void close() throws IOException {
        closing = true;
        synchronized (this) {
            session.close();
            try {
                if (!socket.isClosed()) flush();
            } catch (IOException e) {
                // The server may be gone already: closing is all that is left to do.
            }
        }
        socket.close();
        try {
            reader.join(timeout.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The name a data message starts with ({@code onMetaData}, {@code |RtmpSampleAccess}, ...), or null. */
    public static String dataName(RtmpMessage message) {
        if (message.type() != MessageType.DATA_AMF0) return null;
        byte[] p = message.payload();
        try {
            return new Amf0Reader(p, 0, p.length).read() instanceof String name ? name : null;
        } catch (AmfException e) {
            return null;
        }
    }

    private void await(BooleanSupplier condition, Duration timeout, String what) {
        long deadline = System.nanoTime() + timeout.toNanos();
        try {
            for (long left = timeout.toMillis(); !condition.getAsBoolean(); left = (deadline - System.nanoTime()) / 1_000_000) {
                if (left <= 0 || ended) {
                    throw new AssertionError("no " + what + " within " + timeout.toMillis() + " ms; status codes "
                            + statusCodes + ", " + media.size() + " media messages"
                            + (failure == null ? "" : ", failed: " + failure.getMessage()) + (ended ? ", connection ended" : ""));
                }
                wait(left);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while waiting for " + what, e);
        }
    }

    private void handshake() throws IOException {
        ClientHandshake handshake = new ClientHandshake();
        out.write(handshake.hello());
        out.flush();
        byte[] response = in.readNBytes(ClientHandshake.RESPONSE_SIZE);
        if (response.length < ClientHandshake.RESPONSE_SIZE) throw new EOFException("server closed the connection during the handshake");
        try {
            out.write(handshake.receive(ByteBuffer.wrap(response)));
        } catch (RtmpProtocolException e) {
            throw new IOException(e.getMessage(), e);
        }
        out.flush();
    }

    private void readLoop() {
        byte[] buffer = new byte[64 * 1024];
        List<RtmpMessage> received = new ArrayList<>();
        RtmpClientException end = null;
        try {
            while (end == null) {
                int n;
                try {
                    n = in.read(buffer);
                } catch (SocketTimeoutException e) {
                    synchronized (this) {
                        session.checkTimeout(System.currentTimeMillis());
                    }
                    continue;
                }
                if (n < 0) {
                    end = new RtmpClientException(RtmpClientException.Reason.CONNECTION_LOST, "server closed the connection", (NetStatus) null);
                    break;
                }
                synchronized (this) {
                    decoder.decode(ByteBuffer.wrap(buffer, 0, n), received::add);
                    for (RtmpMessage message : received) session.onMessage(message);
                    received.clear();
                    session.onBytesReceived(decoder.bytesReceived());
                    session.checkTimeout(System.currentTimeMillis());
                    flush();
                }
            }
        } catch (RtmpClientException e) {
            end = e;
        } catch (RtmpProtocolException e) {
            end = new RtmpClientException(RtmpClientException.Reason.PROTOCOL, "server broke the protocol: " + e.getMessage(), e);
        } catch (IOException e) {
            end = new RtmpClientException(RtmpClientException.Reason.CONNECTION_LOST, "I/O error: " + e.getMessage(), e);
        } finally {
            synchronized (this) {
                if (!closing) failure = end; // after close(), the socket's end is our own doing
                ended = true;
                notifyAll();
            }
        }
    }

    private void flush() throws IOException {
        if (outbound.size() == 0) return;
        outbound.writeTo(out);
        outbound.reset();
        out.flush();
    }

    /** Records under the player's lock (the session calls it from the reader, which holds it). */
    private final class RecordingListener implements RtmpClientSession.Listener {
        @Override
        public void onStatus(NetStatus status) {
            statusCodes.add(status.code());
            RtmpTestPlayer.this.notifyAll();
        }

        @Override
        public void onMedia(RtmpMessage message) {
            media.add(message);
            RtmpTestPlayer.this.notifyAll();
        }
    }
}
