package io.streamlet.rtmp.client;

import io.streamlet.amf.Amf0;
import io.streamlet.rtmp.AggregateMessages;
import io.streamlet.rtmp.ClientCommands;
import io.streamlet.rtmp.Command;
import io.streamlet.rtmp.MessageType;
import io.streamlet.rtmp.NetStatus;
import io.streamlet.rtmp.ProtocolControl;
import io.streamlet.rtmp.RtmpMessage;
import io.streamlet.rtmp.RtmpProtocolException;
import io.streamlet.rtmp.client.RtmpClientException.Reason;
import java.util.Arrays;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The command state machine of one RTMP client connection after the handshake, as a player or as a
 * publisher. It takes decoded messages, answers through a {@link Peer} and reports to a {@link Listener};
 * it knows nothing of sockets or clocks (the time is passed in), so tests drive it with messages.
 *
 * <pre>
 *            start()          _result            _result / play or publish        onStatus *.Start
 *   NEW ───────────▶ CONNECTING ───────▶ CREATING_STREAM ──────────────────▶ STARTING ──────────▶ STARTED
 *                        │                     │                                 │                  │
 *                        └─────────────── error answer, timeout, bad message ────┴──────────────────┴──▶ FAILED
 *   any state ── close() ──▶ CLOSED
 * </pre>
 *
 * <p>A player sends {@code connect}, {@code createStream}, {@code play} and a buffer length, then gets
 * {@code onStatus} NetStream.Play.Reset and .Start, and the stream's data, audio and video, which go to
 * {@link Listener#onMedia} (aggregates split). A publisher sends {@code connect}, {@code releaseStream}
 * and {@code FCPublish} (servers from FMS to SRS expect them), {@code createStream} and {@code publish},
 * and may {@link #sendMedia} once NetStream.Publish.Start came. Either way the session acknowledges
 * received bytes by the server's window, answers pings and Set Peer Bandwidth, and announces its own
 * outgoing chunk size after {@code connect}. What the server says and that is harmless ({@code onBWDone},
 * {@code onFCPublish}, answers to {@code releaseStream}) is ignored.
 *
 * <p>An error answer, a bad message or {@link #checkTimeout} past the response timeout throws an
 * {@link RtmpClientException} and leaves the session FAILED; every {@code onStatus}, the failing one
 * included, is given to the listener first. Not thread-safe: one thread drives it.
 */
public final class RtmpClientSession {
    private static final Logger log = LoggerFactory.getLogger(RtmpClientSession.class);

    /** Chunk streams a publisher sends on, as ffmpeg and OBS do: data, audio and video apart. */
    public static final int DATA_CSID = 4;
    public static final int AUDIO_CSID = 6;
    public static final int VIDEO_CSID = 7;
    /** What a player asks the server to buffer; live servers ignore it, some VOD servers wait for it. */
    private static final long PLAYER_BUFFER_MILLIS = 1000;
    /** AMF0 "onMetaData": a data message that starts with it is metadata. */
    private static final byte[] ON_METADATA = Amf0.encode("onMetaData");
    private static final byte[] SET_DATA_FRAME = Amf0.encode("@setDataFrame");

    public enum Role { PLAY, PUBLISH }

    public enum State { NEW, CONNECTING, CREATING_STREAM, STARTING, STARTED, FAILED, CLOSED }

    /**
     * @param chunkSize the chunk size this client announces and sends with (servers accept up to 16 MiB;
     *     large chunks cost fewer headers)
     * @param responseTimeoutMillis how long from {@link #start} to NetStream.Play.Start or .Publish.Start
     * @param flashVer what {@code connect} says the client is
     */
    public record Options(int chunkSize, long responseTimeoutMillis, String flashVer) {
        public static final Options DEFAULTS = new Options(60_000, 10_000, "LNX 9,0,124,2");

        public Options {
            if (chunkSize < 1 || chunkSize > ProtocolControl.MAX_CHUNK_SIZE) {
                throw new IllegalArgumentException("chunk size out of range: " + chunkSize);
            }
            if (responseTimeoutMillis < 1) throw new IllegalArgumentException("response timeout must be positive");
        }
    }

    /** Where the session's messages go: the transport encodes them into chunks and writes them in order. */
    public interface Peer {
        void send(RtmpMessage message);
    }

    /** What the session reports, on the thread that drives it. */
    public interface Listener {
        /** Every onStatus of the connection and the stream, in order, including one that ends the session. */
        default void onStatus(NetStatus status) {}

        /** NetStream.Play.Start (media follows) or NetStream.Publish.Start (send media from now on). */
        default void onStarted(int streamId) {}

        /** A player's data (18), audio (8) or video (9) message, as the server sent it. */
        void onMedia(RtmpMessage message);
    }

    private final RtmpUrl url;
    private final Role role;
    private final Options options;
    private final Peer peer;
    private final Listener listener;

    private State state = State.NEW;
    private long startedAtMillis;
    private double nextTransactionId = 1;
    private double connectTransaction;
    private double createStreamTransaction;
    private int streamId;
    /** The server's acknowledgement window: it expects an Acknowledgement each time this many bytes arrived. */
    private long ackWindow;
    private long bytesAcknowledged;
    /** The last Window Acknowledgement Size sent to the server, or -1. */
    private long announcedWindow = -1;

    public RtmpClientSession(RtmpUrl url, Role role, Options options, Peer peer, Listener listener) {
        this.url = url;
        this.role = role;
        this.options = options;
        this.peer = peer;
        this.listener = listener;
    }

    public State state() {
        return state;
    }

    public Role role() {
        return role;
    }

    public RtmpUrl url() {
        return url;
    }

    /** The message stream id the server created, or 0 before. */
    public int streamId() {
        return streamId;
    }

    public boolean isStarted() {
        return state == State.STARTED;
    }

    /** Sends {@code connect}; call once, right after the handshake. */
    public void start(long nowMillis) {
        if (state != State.NEW) throw new IllegalStateException("already started");
        startedAtMillis = nowMillis;
        state = State.CONNECTING;
        connectTransaction = nextTransactionId++;
        sendCommand(ClientCommands.connect(connectTransaction, url.app(), url.tcUrl(), options.flashVer(),
                role == Role.PUBLISH), 0);
    }

    /** Fails the session if it has not started streaming within the response timeout of {@link #start}. */
    public void checkTimeout(long nowMillis) throws RtmpClientException {
        if (state.compareTo(State.STARTED) >= 0 || state == State.NEW) return;
        if (nowMillis - startedAtMillis >= options.responseTimeoutMillis()) {
            throw fail(Reason.TIMEOUT, "no answer within " + options.responseTimeoutMillis() + " ms while "
                    + state.name().toLowerCase().replace('_', ' ') + " " + url, null);
        }
    }

    public void onMessage(RtmpMessage message) throws RtmpClientException {
        if (state == State.FAILED || state == State.CLOSED) return;
        try {
            switch (message.type()) {
                case MessageType.WINDOW_ACK_SIZE -> ackWindow = ProtocolControl.parseUint32(message);
                case MessageType.SET_PEER_BANDWIDTH -> onSetPeerBandwidth(ProtocolControl.parseUint32(message));
                case MessageType.USER_CONTROL -> onUserControl(ProtocolControl.parseUserControl(message));
                case MessageType.COMMAND_AMF0, MessageType.COMMAND_AMF3 -> onCommand(Command.parse(message));
                case MessageType.AUDIO, MessageType.VIDEO, MessageType.DATA_AMF0 -> onMedia(message);
                case MessageType.AGGREGATE -> {
                    for (RtmpMessage sub : AggregateMessages.split(message)) onMedia(sub);
                }
                // Acknowledgements, AMF3 data and shared objects ask nothing of a client.
                default -> log.trace("{} ignored {}", url, message);
            }
        } catch (RtmpProtocolException e) {
            state = State.FAILED;
            throw new RtmpClientException(Reason.PROTOCOL, "protocol error from " + url + ": " + e.getMessage(), e);
        }
    }

    /** Sends an acknowledgement each time another window of bytes has arrived (all bytes, handshake excluded). */
    public void onBytesReceived(long totalBytes) {
        if (state != State.FAILED && state != State.CLOSED && ackWindow > 0 && totalBytes - bytesAcknowledged >= ackWindow) {
            bytesAcknowledged = totalBytes;
            peer.send(ProtocolControl.acknowledgement(totalBytes & RtmpMessage.UINT32_MASK));
        }
    }

    /**
     * A publisher's data (18), audio (8) or video (9) message. Metadata given as a plain {@code onMetaData}
     * (as a source keeps it) goes out wrapped in {@code @setDataFrame}, as encoders send it and servers
     * expect it.
     *
     * @throws IllegalStateException before NetStream.Publish.Start, or for a player
     */
    public void sendMedia(int type, long timestamp, byte[] payload) {
        if (role != Role.PUBLISH || state != State.STARTED) {
            throw new IllegalStateException("media can only be sent once publishing has started (" + role + ", " + state + ")");
        }
        int csid = switch (type) {
            case MessageType.AUDIO -> AUDIO_CSID;
            case MessageType.VIDEO -> VIDEO_CSID;
            case MessageType.DATA_AMF0 -> DATA_CSID;
            default -> throw new IllegalArgumentException("not a media message type: " + type);
        };
        if (type == MessageType.DATA_AMF0 && startsWith(payload, ON_METADATA)) {
            byte[] wrapped = Arrays.copyOf(SET_DATA_FRAME, SET_DATA_FRAME.length + payload.length);
            System.arraycopy(payload, 0, wrapped, SET_DATA_FRAME.length, payload.length);
            payload = wrapped;
        }
        peer.send(new RtmpMessage(csid, type, timestamp & RtmpMessage.UINT32_MASK, streamId, payload));
    }

    /**
     * Ends the session politely: a publisher sends {@code FCUnpublish}, and either role {@code deleteStream}
     * for a stream it created; the transport then flushes and closes. Idempotent.
     */
    public void close() {
        if (state == State.CLOSED) return;
        boolean hadStream = streamId != 0 && state != State.FAILED;
        state = State.CLOSED;
        if (!hadStream) return;
        if (role == Role.PUBLISH) sendCommand(ClientCommands.fcUnpublish(nextTransactionId++, url.stream()), 0);
        sendCommand(ClientCommands.deleteStream(streamId), 0);
    }

    private void onSetPeerBandwidth(long window) {
        // Section 5.4.5: answer with a Window Acknowledgement Size when it differs from the last one sent.
        if (window != announcedWindow) {
            announcedWindow = window;
            peer.send(ProtocolControl.windowAckSize(window));
        }
    }

    private void onUserControl(ProtocolControl.UserControl event) {
        if (event.event() == ProtocolControl.PING_REQUEST) peer.send(ProtocolControl.pingResponse(event.value()));
    }

    private void onCommand(Command command) throws RtmpClientException, RtmpProtocolException {
        switch (command.name()) {
            case "_result", "_error" -> onAnswer(command, command.name().equals("_result"));
            case "onStatus" -> onStatus(command);
            // onBWDone, onFCPublish, onFCUnpublish, close and the like: nothing a client must act on.
            default -> log.debug("{} ignored command '{}'", url, command.name());
        }
    }

    private void onAnswer(Command answer, boolean success) throws RtmpClientException, RtmpProtocolException {
        double transaction = answer.transactionId();
        if (state == State.CONNECTING && transaction == connectTransaction) {
            NetStatus status = NetStatus.from(answer.argument(0));
            if (!success || status != null && status.isError()) {
                throw fail(Reason.CONNECT_REJECTED, "connect to " + url + " refused" + because(status), status);
            }
            onConnected();
        } else if (state == State.CREATING_STREAM && transaction == createStreamTransaction) {
            if (!success) {
                NetStatus status = NetStatus.from(answer.argument(0));
                throw fail(Reason.FAILED, "createStream on " + url + " refused" + because(status), status);
            }
            onStreamCreated(ClientCommands.createdStreamId(answer));
        }
        // Answers to releaseStream and FCPublish: servers that do not know them answer _error, harmlessly.
    }

    private void onConnected() {
        state = State.CREATING_STREAM;
        peer.send(ProtocolControl.setChunkSize(options.chunkSize()));
        if (role == Role.PUBLISH) {
            sendCommand(ClientCommands.releaseStream(nextTransactionId++, url.stream()), 0);
            sendCommand(ClientCommands.fcPublish(nextTransactionId++, url.stream()), 0);
        }
        createStreamTransaction = nextTransactionId++;
        sendCommand(ClientCommands.createStream(createStreamTransaction), 0);
    }

    private void onStreamCreated(int id) {
        streamId = id;
        state = State.STARTING;
        if (role == Role.PLAY) {
            sendCommand(ClientCommands.play(url.stream()), streamId);
            peer.send(ProtocolControl.setBufferLength(streamId, PLAYER_BUFFER_MILLIS));
        } else {
            sendCommand(ClientCommands.publish(url.stream()), streamId);
        }
    }

    private void onStatus(Command command) throws RtmpClientException {
        NetStatus status = NetStatus.of(command);
        if (status == null) {
            log.debug("{} ignored an onStatus without a code: {}", url, command);
            return;
        }
        listener.onStatus(status);
        if (status.isError()) {
            Reason reason = switch (status.code()) {
                case NetStatus.PLAY_STREAM_NOT_FOUND -> Reason.STREAM_NOT_FOUND;
                case NetStatus.PUBLISH_BAD_NAME, NetStatus.PUBLISH_DENIED -> Reason.PUBLISH_REFUSED;
                case NetStatus.CONNECT_REJECTED -> Reason.CONNECT_REJECTED;
                default -> Reason.FAILED;
            };
            throw fail(reason, (role == Role.PLAY ? "play " : "publish ") + url + " refused" + because(status), status);
        }
        String startCode = role == Role.PLAY ? NetStatus.PLAY_START : NetStatus.PUBLISH_START;
        if (state == State.STARTING && status.code().equals(startCode)) {
            state = State.STARTED;
            log.debug("{} {} started on stream {}", url, role, streamId);
            listener.onStarted(streamId);
        }
    }

    private void onMedia(RtmpMessage message) throws RtmpProtocolException {
        // Servers send |RtmpSampleAccess and metadata right before or after Play.Start: both are the stream's.
        if (role != Role.PLAY || state.compareTo(State.STARTING) < 0) {
            throw new RtmpProtocolException("message of type " + message.type() + " before 'play'");
        }
        listener.onMedia(message);
    }

    private void sendCommand(Command command, int messageStreamId) {
        peer.send(command.toMessage(messageStreamId == 0 ? Command.CONNECTION_CSID : Command.STREAM_CSID, messageStreamId));
    }

    private RtmpClientException fail(Reason reason, String message, NetStatus status) {
        state = State.FAILED;
        return new RtmpClientException(reason, message, status);
    }

    private static String because(NetStatus status) {
        if (status == null) return "";
        return ": " + status.code() + (status.description().isEmpty() ? "" : " (" + status.description() + ")");
    }

    private static boolean startsWith(byte[] payload, byte[] prefix) {
        return payload.length >= prefix.length && Arrays.equals(payload, 0, prefix.length, prefix, 0, prefix.length);
    }
}
