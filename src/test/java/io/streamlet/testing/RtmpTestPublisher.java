package io.streamlet.testing;

import io.streamlet.amf.Amf0;
import io.streamlet.rtmp.ChunkDecoder;
import io.streamlet.rtmp.ChunkEncoder;
import io.streamlet.rtmp.Command;
import io.streamlet.rtmp.Handshake;
import io.streamlet.rtmp.MessageType;
import io.streamlet.rtmp.ProtocolControl;
import io.streamlet.rtmp.RtmpMessage;
import io.streamlet.rtmp.RtmpProtocolException;
import java.io.Closeable;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A small real RTMP publisher over a socket, built on Streamlet's own codec: handshake (simple form),
 * connect, createStream, publish, then metadata and media. Also gives raw access to the socket for
 * tests that send broken input. Not thread-safe; one test thread drives it.
 */
public final class RtmpTestPublisher implements Closeable {
    private static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(5);
    private static final int AUDIO_CSID = 4;
    private static final int VIDEO_CSID = 6;
    private static final int DATA_CSID = 5;

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;
    private final ChunkEncoder encoder = new ChunkEncoder();
    private final ChunkDecoder decoder = new ChunkDecoder(16 * 1024 * 1024 - 1);
    private final Deque<RtmpMessage> inbox = new ArrayDeque<>();
    private final byte[] readBuffer = new byte[64 * 1024];
    private Duration timeout = DEFAULT_TIMEOUT;
    private double nextTransactionId = 1;
    private int streamId;
    private String lastStatusCode;

    private RtmpTestPublisher(String host, int port) throws IOException {
        socket = new Socket();
        socket.connect(new InetSocketAddress(host, port), (int) timeout.toMillis());
        socket.setTcpNoDelay(true);
        socket.setSoTimeout((int) timeout.toMillis());
        in = socket.getInputStream();
        out = socket.getOutputStream();
    }

    /** A connected socket, nothing sent yet: for tests of the handshake itself. */
    public static RtmpTestPublisher openRaw(String host, int port) throws IOException {
        return new RtmpTestPublisher(host, port);
    }

    /** A connection that has completed the handshake. */
    public static RtmpTestPublisher open(String host, int port) throws IOException {
        RtmpTestPublisher publisher = new RtmpTestPublisher(host, port);
        try {
            publisher.handshake();
        } catch (IOException | RuntimeException e) {
            publisher.close();
            throw e;
        }
        return publisher;
    }

    /** Opens, connects to {@code app}, creates a stream and publishes {@code stream}; check {@link #lastStatusCode()}. */
    public static RtmpTestPublisher publish(String host, int port, String app, String stream) throws IOException {
        RtmpTestPublisher publisher = open(host, port);
        try {
            publisher.connect(app);
            publisher.createStream();
            publisher.publish(stream);
        } catch (IOException | RuntimeException e) {
            publisher.close();
            throw e;
        }
        return publisher;
    }

    /** How long a read waits for the server. */
    public RtmpTestPublisher timeout(Duration timeout) throws SocketException {
        this.timeout = timeout;
        socket.setSoTimeout((int) timeout.toMillis());
        return this;
    }

    public void handshake() throws IOException {
        out.write(Handshake.clientHello());
        out.flush();
        int version = in.read();
        if (version != Handshake.VERSION) throw new IOException("server answered version " + version);
        byte[] s1 = in.readNBytes(Handshake.PACKET_SIZE);
        byte[] s2 = in.readNBytes(Handshake.PACKET_SIZE);
        if (s2.length < Handshake.PACKET_SIZE) throw new EOFException("handshake cut short");
        try {
            out.write(Handshake.clientResponse(s1));
        } catch (RtmpProtocolException e) {
            throw new IOException(e.getMessage(), e);
        }
        out.flush();
    }

    /** Sends {@code connect} and returns the code of the answer (NetConnection.Connect.Success when accepted). */
    public String connect(String app) throws IOException {
        Map<String, Object> properties = new LinkedHashMap<>();
        properties.put("app", app);
        properties.put("type", "nonprivate");
        properties.put("flashVer", "FMLE/3.0 (compatible; RtmpTestPublisher)");
        properties.put("tcUrl", "rtmp://127.0.0.1:" + socket.getPort() + "/" + app);
        Command answer = call("connect", properties);
        return lastStatusCode = statusCode(answer.argument(0));
    }

    /** Sends {@code createStream}; returns the stream id, which later messages use. */
    public int createStream() throws IOException {
        Command answer = call("createStream", null);
        if (!(answer.argument(0) instanceof Double id)) throw new IOException("createStream answered " + answer);
        return streamId = id.intValue();
    }

    /** Sends {@code publish} and returns the code of the onStatus answer. */
    public String publish(String stream) throws IOException {
        send(Command.of("publish", nextTransactionId++, null, stream, "live").toMessage(Command.STREAM_CSID, streamId));
        Command status = awaitCommand("onStatus");
        return lastStatusCode = statusCode(status.argument(0));
    }

    /** The code of the last onStatus or connect answer. */
    public String lastStatusCode() {
        return lastStatusCode;
    }

    /** Changes the chunk size of what is sent from now on (Set Chunk Size, then chunks of that size). */
    public void setChunkSize(int size) throws IOException {
        send(ProtocolControl.setChunkSize(size));
    }

    /** {@code @setDataFrame("onMetaData", metadata)} as encoders send it. */
    public void sendMetadata(Map<String, Object> metadata) throws IOException {
        byte[] payload = Amf0.encode("@setDataFrame", "onMetaData", new Amf0.EcmaArray(metadata));
        send(new RtmpMessage(DATA_CSID, MessageType.DATA_AMF0, 0, streamId, payload));
    }

    public void sendAudio(long timestamp, byte[] payload) throws IOException {
        send(new RtmpMessage(AUDIO_CSID, MessageType.AUDIO, timestamp, streamId, payload));
    }

    public void sendVideo(long timestamp, byte[] payload) throws IOException {
        send(new RtmpMessage(VIDEO_CSID, MessageType.VIDEO, timestamp, streamId, payload));
    }

    public void send(RtmpMessage message) throws IOException {
        sendRaw(encoder.encode(message));
    }

    /** Bytes as they are, bypassing the encoder (which does not learn of them). */
    public void sendRaw(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
    }

    /** Sends a command on the connection and waits for its {@code _result} or {@code _error}. */
    public Command call(String name, Object commandObject, Object... arguments) throws IOException {
        double transactionId = nextTransactionId++;
        send(Command.of(name, transactionId, commandObject, arguments).toMessage(Command.CONNECTION_CSID, 0));
        while (true) {
            Command answer = awaitCommand(null);
            if (answer.transactionId() == transactionId && (answer.name().equals("_result") || answer.name().equals("_error"))) {
                return answer;
            }
        }
    }

    /** The next command from the server named {@code name} (any command when null); other messages are skipped. */
    public Command awaitCommand(String name) throws IOException {
        while (true) {
            RtmpMessage message = readMessage();
            if (message.type() != MessageType.COMMAND_AMF0) continue;
            try {
                Command command = Command.parse(message);
                if (name == null || command.name().equals(name)) return command;
            } catch (RtmpProtocolException e) {
                throw new IOException("server sent a bad command: " + e.getMessage(), e);
            }
        }
    }

    /** The next message from the server. */
    public RtmpMessage readMessage() throws IOException {
        while (inbox.isEmpty()) {
            int n = in.read(readBuffer);
            if (n < 0) throw new EOFException("server closed the connection");
            try {
                decoder.decode(ByteBuffer.wrap(readBuffer, 0, n), inbox::add);
            } catch (RtmpProtocolException e) {
                throw new IOException("server broke the protocol: " + e.getMessage(), e);
            }
        }
        return inbox.poll();
    }

    /** Reads and discards until the server closes the connection: true, or the timeout passes: false. */
    public boolean awaitClosedByServer() throws IOException {
        try {
            while (in.read(readBuffer) >= 0) {
                // what the server said before closing does not matter here
            }
            return true;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (SocketException e) {
            return true; // reset by the server
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }

    private static String statusCode(Object info) {
        return info instanceof Map<?, ?> map && map.get("code") instanceof String code ? code : null;
    }
}
