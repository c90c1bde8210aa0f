package io.streamlet.ingest;

import io.streamlet.amf.Amf0;
import io.streamlet.amf.Amf0Reader;
import io.streamlet.amf.AmfException;
import io.streamlet.auth.AccessPolicy;
import io.streamlet.auth.AccessRequest;
import io.streamlet.auth.Decision;
import io.streamlet.live.LiveSource;
import io.streamlet.live.Publication;
import io.streamlet.live.SourceRegistry;
import io.streamlet.live.StreamBusyException;
import io.streamlet.live.StreamKey;
import io.streamlet.rtmp.AggregateMessages;
import io.streamlet.rtmp.Command;
import io.streamlet.rtmp.MessageType;
import io.streamlet.rtmp.ProtocolControl;
import io.streamlet.rtmp.RtmpMessage;
import io.streamlet.rtmp.RtmpProtocolException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The command state machine of one RTMP connection, after the handshake: it takes decoded messages,
 * answers through a {@link Peer}, feeds published media to its {@link Publication}, or asks the peer to
 * play a source. It knows nothing of sockets, so tests drive it with messages.
 *
 * <p>The flow encoders follow: {@code connect}, then {@code releaseStream} and {@code FCPublish}
 * (Adobe artefacts, answered for compatibility), {@code createStream}, {@code publish}, then
 * {@code @setDataFrame}, audio and video, and at the end {@code FCUnpublish} and {@code deleteStream}.
 * Players: {@code connect}, {@code createStream}, {@code play}; then media flows the other way.
 * Anything out of that order that would make no sense (a publish before connect, media before
 * publish) is a protocol error; unknown commands get an empty answer.
 *
 * <p>Access decisions may wait for HTTP hooks: the session then hands the peer the pending decision and
 * what to do with it ({@link Peer#await}), and the peer reads nothing more until it has run that, so no
 * thread waits for a hook.
 *
 * <p>Not thread-safe: everything, {@link #close} included, runs on the connection's thread.
 */
public final class RtmpSession {
    private static final Logger log = LoggerFactory.getLogger(RtmpSession.class);

    /** The {@code connect} properties by which a client declares Enhanced RTMP support (E-RTMP v1 and v2). */
    private static final List<String> ENHANCED_RTMP_PROPERTIES =
            List.of("fourCcList", "videoFourCcInfoMap", "audioFourCcInfoMap", "capsEx");
    /** E-RTMP FourCcInfoMask.CanForward: what a server that relays media unchanged can do with a codec. */
    private static final double FOURCC_CAN_FORWARD = 0x04;
    /**
     * E-RTMP CapsExMask: Multitrack (0x02), ModEx (0x04) and TimestampNanoOffset (0x08, carried in a ModEx):
     * the tags are parsed past those headers and forwarded unchanged. Not Reconnect: Streamlet never asks for one.
     */
    private static final double CAPS_EX = 0x02 | 0x04 | 0x08;

    /** Where the session's answers go. */
    public interface Peer {
        void send(RtmpMessage message);

        /** Ends the connection once what was sent before is flushed. On the connection's thread. */
        void disconnect(String reason);

        /** Ends the connection now, from any thread: a new publisher session replaced this one. */
        void abort(String reason);

        /**
         * Holds the session's input until {@code decision} completes, then runs {@code then} with it on the
         * connection's thread (at once if it is complete).
         */
        void await(CompletableFuture<Decision> decision, Consumer<Decision> then);

        /**
         * Starts playing {@code source} on message stream {@code streamId}: from now on the peer sends the
         * source's media, and what the session sends goes out between media messages.
         */
        void play(LiveSource source, int streamId);
    }

    private enum State { AWAITING_CONNECT, CONNECTED, AWAITING_DECISION, PUBLISHING, PLAYING, CLOSED }

    private final String clientId;
    private final String clientIp;
    private final RtmpConfig config;
    private final SourceRegistry registry;
    private final AccessPolicy access;
    private final Peer peer;

    private State state = State.AWAITING_CONNECT;
    private String app;
    /** The connect's tcUrl without its query (which may carry a secret); read by the HTTP API. */
    private volatile String tcUrl;
    /** Query parameters of the connect URL and of the publish name, kept for authorization. */
    private final Map<String, String> queryParameters = new LinkedHashMap<>();
    private int nextStreamId = 1;
    private StreamKey streamKey;
    private Publication publication;
    /** What the access policy allowed for the current publication; the on_unpublish hooks get it back. */
    private AccessRequest publishRequest;
    /** What the access policy allowed for the current play; the on_stop hooks get it back. */
    private AccessRequest playRequest;
    private long peerAckWindow;
    private long bytesAcknowledged;

    public RtmpSession(String clientId, String clientIp, RtmpConfig config, SourceRegistry registry,
            AccessPolicy access, Peer peer) {
        this.clientId = clientId;
        this.clientIp = clientIp;
        this.config = config;
        this.registry = registry;
        this.access = access;
        this.peer = peer;
        // Until the peer sets its own window, acknowledge at the one we announce.
        this.peerAckWindow = config.ackWindow();
    }

    /** The tcUrl of the connect without its query, or null before a connect. */
    public String tcUrl() {
        return tcUrl;
    }

    /** The stream being (or last) published, or null before a publish. */
    public StreamKey streamKey() {
        return streamKey;
    }

    public boolean isPublishing() {
        return state == State.PUBLISHING;
    }

    public boolean isPlaying() {
        return state == State.PLAYING;
    }

    /** Decoded query parameters of the connect URL and the publish name (the latter win). */
    public Map<String, String> queryParameters() {
        return Collections.unmodifiableMap(queryParameters);
    }

    public void onMessage(RtmpMessage message) throws RtmpProtocolException {
        if (state == State.CLOSED) return;
        switch (message.type()) {
            case MessageType.WINDOW_ACK_SIZE -> peerAckWindow = ProtocolControl.parseUint32(message);
            case MessageType.USER_CONTROL -> onUserControl(ProtocolControl.parseUserControl(message));
            case MessageType.COMMAND_AMF0, MessageType.COMMAND_AMF3 -> onCommand(Command.parse(message), message.streamId());
            case MessageType.AUDIO, MessageType.VIDEO -> onMedia(message);
            case MessageType.DATA_AMF0 -> onData(message, message.payload());
            case MessageType.DATA_AMF3 -> onData(message, amf3DataToAmf0(message.payload()));
            case MessageType.AGGREGATE -> {
                requirePublishing(message);
                for (RtmpMessage sub : AggregateMessages.split(message)) {
                    if (sub.type() == MessageType.DATA_AMF0) onData(sub, sub.payload()); else onMedia(sub);
                }
            }
            // Acknowledgement, Set Peer Bandwidth, shared objects and the rest ask nothing of a publish-only server.
            default -> log.trace("[{}] ignored message {}", clientId, message);
        }
    }

    /** Sends an acknowledgement each time another window of bytes has arrived. */
    public void onBytesReceived(long totalBytes) {
        if (state != State.CLOSED && peerAckWindow > 0 && totalBytes - bytesAcknowledged >= peerAckWindow) {
            bytesAcknowledged = totalBytes;
            peer.send(ProtocolControl.acknowledgement(totalBytes & RtmpMessage.UINT32_MASK));
        }
    }

    /** The connection is gone: unpublishes if publishing, tells the on_stop hooks if playing. Idempotent. */
    public void close() {
        endPublishing();
        if (playRequest != null) {
            access.playEnded(playRequest);
            playRequest = null;
        }
        state = State.CLOSED;
    }

    private void onUserControl(ProtocolControl.UserControl event) {
        if (event.event() == ProtocolControl.PING_REQUEST) peer.send(ProtocolControl.pingResponse(event.value()));
    }

    private void onCommand(Command command, int streamId) throws RtmpProtocolException {
        String name = command.name();
        if (state == State.AWAITING_CONNECT && !name.equals("connect")) {
            throw new RtmpProtocolException("'" + name + "' before 'connect'");
        }
        switch (name) {
            case "connect" -> onConnect(command);
            case "releaseStream" -> sendResult(command, Amf0.UNDEFINED);
            case "FCPublish" -> {
                sendOnConnection(Command.of("onFCPublish", 0, null,
                        status("status", "NetStream.Publish.Start", "FCPublish " + command.argument(0))));
                sendResult(command, Amf0.UNDEFINED);
            }
            case "createStream" -> sendResult(command, (double) nextStreamId++);
            case "publish" -> onPublish(command, streamId);
            case "FCUnpublish" -> {
                endPublishing();
                sendOnConnection(Command.of("onFCUnpublish", 0, null,
                        status("status", "NetStream.Unpublish.Success", "FCUnpublish " + command.argument(0))));
                sendResult(command, Amf0.UNDEFINED);
            }
            case "deleteStream", "closeStream" -> {
                if (state == State.PLAYING) peer.disconnect("the player closed its stream");
                endPublishing();
            }
            case "play" -> onPlay(command, streamId);
            // ffmpeg asks before playing; a live stream has no length, and anything but a number it logs as unexpected.
            case "getStreamLength" -> sendResult(command, 0.0);
            default -> {
                // Like Adobe's and SRS's servers: an empty answer rather than an _error, which ffmpeg treats as fatal.
                log.debug("[{}] unknown command '{}' answered with an empty _result", clientId, name);
                if (command.transactionId() > 0) sendResult(command, null);
            }
        }
    }

    private void onConnect(Command command) throws RtmpProtocolException {
        if (state != State.AWAITING_CONNECT) throw new RtmpProtocolException("second 'connect' on one connection");
        if (!(command.commandObject() instanceof Map<?, ?> properties)) {
            throw new RtmpProtocolException("'connect' without a command object");
        }
        String tcUrl = properties.get("tcUrl") instanceof String s ? s : "";
        String appField = properties.get("app") instanceof String s ? s : "";
        app = stripSlashes(takeQuery(appField.isEmpty() ? appOfTcUrl(tcUrl) : appField));
        this.tcUrl = takeQuery(tcUrl);
        Object objectEncoding = properties.get("objectEncoding") instanceof Double d ? d : 0.0;
        state = State.CONNECTED;

        peer.send(ProtocolControl.windowAckSize(config.ackWindow()));
        peer.send(ProtocolControl.setPeerBandwidth(config.ackWindow(), ProtocolControl.LIMIT_DYNAMIC));
        peer.send(ProtocolControl.setChunkSize(config.outChunkSize()));
        Map<String, Object> serverProperties = new LinkedHashMap<>();
        serverProperties.put("fmsVer", "FMS/3,5,3,888");
        serverProperties.put("capabilities", 127.0);
        serverProperties.put("mode", 1.0);
        putEnhancedRtmpCapabilities(properties, serverProperties);
        Map<String, Object> info = status("status", "NetConnection.Connect.Success", "Connection succeeded.");
        info.put("objectEncoding", objectEncoding);
        sendOnConnection(Command.of("_result", command.transactionId(), serverProperties, info));
        log.info("[{}] connect app={} tcUrl={}", clientId, app, this.tcUrl); // the query may hold a signature
    }

    /**
     * Answers a client that declared Enhanced RTMP support with what Streamlet supports, as the spec asks of
     * servers: it forwards every codec unchanged, so the FourCC maps hold the wildcard with CanForward, and
     * {@code fourCcList} (E-RTMP v1, where clients look for their own codecs) echoes the client's list.
     * A legacy client's answer stays as it always was.
     */
    private static void putEnhancedRtmpCapabilities(Map<?, ?> client, Map<String, Object> server) {
        if (ENHANCED_RTMP_PROPERTIES.stream().noneMatch(client::containsKey)) return;
        List<?> fourCcs = client.get("fourCcList") instanceof List<?> list ? list : List.of("*");
        server.put("fourCcList", fourCcs.stream().filter(String.class::isInstance).toList());
        server.put("videoFourCcInfoMap", Map.of("*", FOURCC_CAN_FORWARD));
        server.put("audioFourCcInfoMap", Map.of("*", FOURCC_CAN_FORWARD));
        server.put("capsEx", CAPS_EX);
    }

    private void onPublish(Command command, int streamId) throws RtmpProtocolException {
        if (state == State.PUBLISHING) throw new RtmpProtocolException("second 'publish' while publishing " + streamKey);
        StreamKey key = requestedStream("publish", command, streamId, "NetStream.Publish.BadName");
        if (key == null) return;
        AccessRequest request = new AccessRequest(clientId, clientIp, key, queryParameters, tcUrl, null, clientId);
        state = State.AWAITING_DECISION;
        peer.await(access.authorizePublish(request), decision -> startPublishing(decision, request, streamId));
    }

    /**
     * The stream a {@code publish} or {@code play} names (its query kept for authorization), or null when the
     * name is invalid and the client was refused with {@code badNameCode}.
     */
    private StreamKey requestedStream(String commandName, Command command, int streamId, String badNameCode)
            throws RtmpProtocolException {
        if (state != State.CONNECTED) {
            throw new RtmpProtocolException("'" + commandName + "' while " + state.name().toLowerCase(Locale.ROOT));
        }
        String stream = command.argument(0) instanceof String s ? takeQuery(s) : "";
        if (!StreamKey.isValidName(app) || !StreamKey.isValidName(stream)) {
            refuse(streamId, badNameCode, "invalid app or stream name '" + app + "/" + stream + "'");
            return null;
        }
        return new StreamKey(app, stream);
    }

    private void startPublishing(Decision decision, AccessRequest request, int streamId) {
        if (state != State.AWAITING_DECISION) return; // the connection closed meanwhile
        state = State.CONNECTED;
        StreamKey key = request.key();
        if (decision.busy()) { // another origin of the cluster publishes it
            refuseBusy(request, streamId, decision.reason());
            return;
        }
        if (!decision.allowed()) {
            streamKey = key;
            refuse(streamId, "NetStream.Publish.Denied", "publishing " + key + " is not allowed");
            return;
        }
        try {
            publication = registry.publish(key, clientId, () -> peer.abort("replaced by a new publisher of " + key));
        } catch (StreamBusyException e) {
            refuseBusy(request, streamId, e.getMessage());
            return;
        }
        publishRequest = request;
        streamKey = key;
        state = State.PUBLISHING;
        peer.send(ProtocolControl.streamBegin(streamId));
        sendOnStream(streamId, status("status", "NetStream.Publish.Start", "Started publishing " + key + "."));
        log.info("[{}] publish {}", clientId, key);
    }

    private void refuseBusy(AccessRequest request, int streamId, String reason) {
        access.publishEnded(request); // as SRS: a backend told of the publish learns that it did not last
        streamKey = request.key();
        refuse(streamId, "NetStream.Publish.BadName", reason);
    }

    private void onPlay(Command command, int streamId) throws RtmpProtocolException {
        StreamKey key = requestedStream("play", command, streamId, "NetStream.Play.StreamNotFound");
        if (key == null) return;
        LiveSource live = registry.find(key);
        String publisher = live == null ? null : live.publisherId();
        AccessRequest request = new AccessRequest(clientId, clientIp, key, queryParameters, tcUrl, "",
                publisher == null ? "" : publisher);
        state = State.AWAITING_DECISION;
        // An allowed play of a stream not published here may wait for a pull to bring it (RTMP plays carry no hop count).
        CompletableFuture<Decision> ready = access.authorizePlay(request).thenCompose(decision -> !decision.allowed()
                ? CompletableFuture.completedFuture(decision) : registry.awaitSource(key, 0).thenApply(source -> decision));
        peer.await(ready, decision -> startPlaying(decision, request, streamId));
    }

    /** SRS's answer to a play: stream begin, Play.Reset and Play.Start, |RtmpSampleAccess, Data.Start, then media. */
    private void startPlaying(Decision decision, AccessRequest request, int streamId) {
        if (state != State.AWAITING_DECISION) return; // the connection closed meanwhile
        state = State.CONNECTED;
        StreamKey key = request.key();
        streamKey = key;
        if (!decision.allowed()) {
            refuse(streamId, "NetStream.Play.Failed", "playing " + key + " is not allowed");
            return;
        }
        LiveSource source = registry.find(key);
        if (source == null) {
            access.playEnded(request); // as for an HTTP 404: the backend told of the play learns that it did not last
            refuse(streamId, "NetStream.Play.StreamNotFound", "no live stream " + key);
            return;
        }
        playRequest = request;
        state = State.PLAYING;
        peer.send(ProtocolControl.streamBegin(streamId));
        sendOnStream(streamId, status("status", "NetStream.Play.Reset", "Playing and resetting " + key + "."));
        sendOnStream(streamId, status("status", "NetStream.Play.Start", "Started playing " + key + "."));
        peer.send(new RtmpMessage(Command.STREAM_CSID, MessageType.DATA_AMF0, 0, streamId,
                Amf0.encode("|RtmpSampleAccess", true, true)));
        peer.send(new RtmpMessage(Command.STREAM_CSID, MessageType.DATA_AMF0, 0, streamId,
                Amf0.encode("onStatus", status("status", "NetStream.Data.Start", "Started playing " + key + "."))));
        peer.play(source, streamId);
        log.info("[{}] play {}", clientId, key);
    }

    private void sendOnStream(int streamId, Map<String, Object> info) {
        peer.send(Command.of("onStatus", 0, null, info).toMessage(Command.STREAM_CSID, streamId));
    }

    /** Sends an error onStatus, then ends the connection: the client cannot do what it came for. */
    private void refuse(int streamId, String code, String description) {
        sendOnStream(streamId, status("error", code, description));
        log.warn("[{}] refused {} with {}: {}", clientId, streamKey == null ? app : streamKey, code, description);
        state = State.CLOSED;
        peer.disconnect(code + ": " + description);
    }

    private void onMedia(RtmpMessage message) throws RtmpProtocolException {
        requirePublishing(message);
        forward(message.type(), message.timestamp(), message.payload());
    }

    /** Metadata goes to the source; other data messages (cue points, text) are not kept by a live server. */
    private void onData(RtmpMessage message, byte[] amf0Payload) throws RtmpProtocolException {
        requirePublishing(message);
        if (amf0Payload == null) return;
        String name;
        try {
            name = new Amf0Reader(amf0Payload, 0, amf0Payload.length).read() instanceof String s ? s : "";
        } catch (AmfException e) {
            throw new RtmpProtocolException("malformed data message: " + e.getMessage(), e);
        }
        if (name.equals("@setDataFrame") || name.equals("onMetaData")) {
            forward(MessageType.DATA_AMF0, message.timestamp(), amf0Payload);
        } else {
            log.debug("[{}] {} data message '{}' ignored", clientId, streamKey, name);
        }
    }

    /**
     * An AMF3 data message is a format byte and AMF0 values that may switch to AMF3; the source takes
     * plain AMF0, so the values are re-encoded. Null if they hold something AMF0 cannot carry.
     */
    private byte[] amf3DataToAmf0(byte[] payload) throws RtmpProtocolException {
        if (payload.length == 0) throw new RtmpProtocolException("empty AMF3 data message");
        try {
            return Amf0.encode(Amf0.decodeAll(payload, 1, payload.length - 1).toArray());
        } catch (AmfException e) {
            throw new RtmpProtocolException("malformed AMF3 data message: " + e.getMessage(), e);
        } catch (IllegalArgumentException e) {
            log.warn("[{}] {} AMF3 data message dropped: {}", clientId, streamKey, e.getMessage());
            return null;
        }
    }

    private void forward(int type, long timestamp, byte[] payload) {
        try {
            publication.onMessage(type, timestamp, payload);
        } catch (IllegalArgumentException e) {
            log.warn("[{}] {} media refused by the source: {}", clientId, streamKey, e.getMessage());
            state = State.CLOSED;
            peer.disconnect("media refused: " + e.getMessage());
        }
    }

    private void requirePublishing(RtmpMessage message) throws RtmpProtocolException {
        if (state != State.PUBLISHING) {
            throw new RtmpProtocolException("message of type " + message.type() + " before 'publish'");
        }
    }

    private void endPublishing() {
        if (publication == null) return;
        Publication ending = publication;
        publication = null;
        state = State.CONNECTED;
        ending.unpublish();
        log.info("[{}] unpublish {}", clientId, streamKey);
        access.publishEnded(publishRequest);
        publishRequest = null;
    }

    private void sendResult(Command command, Object value) {
        sendOnConnection(Command.of("_result", command.transactionId(), null, value));
    }

    private void sendOnConnection(Command command) {
        peer.send(command.toMessage(Command.CONNECTION_CSID, 0));
    }

    private static Map<String, Object> status(String level, String code, String description) {
        Map<String, Object> info = new LinkedHashMap<>();
        info.put("level", level);
        info.put("code", code);
        info.put("description", description);
        return info;
    }

    /** Removes a {@code ?query} from {@code name}, keeping its parameters; returns the rest. */
    private String takeQuery(String name) {
        int q = name.indexOf('?');
        if (q < 0) return name;
        for (String pair : name.substring(q + 1).split("&")) {
            if (pair.isEmpty()) continue;
            int eq = pair.indexOf('=');
            queryParameters.put(decode(eq < 0 ? pair : pair.substring(0, eq)), eq < 0 ? "" : decode(pair.substring(eq + 1)));
        }
        return name.substring(0, q);
    }

    private static String decode(String s) {
        try {
            return URLDecoder.decode(s, StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return s; // a malformed escape: keep it as sent
        }
    }

    /** {@code rtmp://host[:port]/app[?query]} → {@code app[?query]}. */
    private static String appOfTcUrl(String tcUrl) {
        int scheme = tcUrl.indexOf("://");
        int path = tcUrl.indexOf('/', scheme < 0 ? 0 : scheme + 3);
        return path < 0 ? "" : tcUrl.substring(path + 1);
    }

    private static String stripSlashes(String s) {
        int start = 0;
        int end = s.length();
        while (start < end && s.charAt(start) == '/') start++;
        while (end > start && s.charAt(end - 1) == '/') end--;
        return s.substring(start, end);
    }
}
