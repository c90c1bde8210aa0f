package io.streamlet.rtmp.client;

import io.streamlet.EventLog;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.streamlet.amf.Amf0;
import io.streamlet.auth.AccessPolicy;
import io.streamlet.auth.Decision;
import io.streamlet.ingest.RtmpSession;
import io.streamlet.live.LiveSource;
import io.streamlet.live.SourceRegistry;
import io.streamlet.live.StreamKey;
import io.streamlet.metrics.Metrics;
import io.streamlet.rtmp.ChunkDecoder;
import io.streamlet.rtmp.ChunkEncoder;
import io.streamlet.rtmp.Command;
import io.streamlet.rtmp.MessageType;
import io.streamlet.rtmp.NetStatus;
import io.streamlet.rtmp.ProtocolControl;
import io.streamlet.rtmp.RtmpMessage;
import io.streamlet.rtmp.RtmpProtocolException;
import io.streamlet.rtmp.client.RtmpClientException.Reason;
import io.streamlet.rtmp.client.RtmpClientSession.Role;
import io.streamlet.rtmp.client.RtmpClientSession.State;
import io.streamlet.server.StreamletConfig;
import java.nio.ByteBuffer;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/**
 * The client state machine on bytes: what it sends goes through a chunk encoder and a decoder before a
 * test reads it, and the server's answers reach it the same way, as over a socket.
 */
class RtmpClientSessionTest {
    private static final RtmpUrl URL = RtmpUrl.parse("rtmp://127.0.0.1:1935/live/cam?sign=abc");
    private static final RtmpClientSession.Options OPTIONS = new RtmpClientSession.Options(4096, 5_000, "LNX 9,0,124,2");
    private static final byte[] AVC_KEYFRAME = HexFormat.of().parseHex("1701000000000000020000");
    private static final byte[] AAC_SEQUENCE_HEADER = HexFormat.of().parseHex("AF001210");

    /** Both directions of a connection as bytes, with what the client sent decoded for the test to read. */
    private static final class Wire implements RtmpClientSession.Peer, RtmpClientSession.Listener {
        private final ChunkEncoder clientEncoder = new ChunkEncoder();
        private final ChunkDecoder serverDecoder = new ChunkDecoder(1 << 20);
        private final ChunkEncoder serverEncoder = new ChunkEncoder();
        private final ChunkDecoder clientDecoder = new ChunkDecoder(1 << 20);
        final List<RtmpMessage> sent = new ArrayList<>();
        final List<NetStatus> statuses = new ArrayList<>();
        final List<RtmpMessage> media = new ArrayList<>();
        int startedOn;

        @Override
        public void send(RtmpMessage message) {
            try {
                serverDecoder.decode(ByteBuffer.wrap(clientEncoder.encode(message)), sent::add);
            } catch (RtmpProtocolException e) {
                throw new AssertionError("the client sent bytes a decoder refuses", e);
            }
        }

        @Override
        public void onStatus(NetStatus status) {
            statuses.add(status);
        }

        @Override
        public void onStarted(int streamId) {
            startedOn = streamId;
        }

        @Override
        public void onMedia(RtmpMessage message) {
            media.add(message);
        }

        /** The server sends {@code message}: its bytes reach the session. */
        void deliver(RtmpClientSession session, RtmpMessage message) throws RtmpClientException, RtmpProtocolException {
            List<RtmpMessage> decoded = new ArrayList<>();
            clientDecoder.decode(ByteBuffer.wrap(serverEncoder.encode(message)), decoded::add);
            for (RtmpMessage m : decoded) session.onMessage(m);
            session.onBytesReceived(clientDecoder.bytesReceived());
        }

        List<Command> commands() throws RtmpProtocolException {
            List<Command> out = new ArrayList<>();
            for (RtmpMessage m : sent) if (m.type() == MessageType.COMMAND_AMF0) out.add(Command.parse(m));
            return out;
        }

        List<String> commandNames() throws RtmpProtocolException {
            return commands().stream().map(Command::name).toList();
        }

        Command lastCommand() throws RtmpProtocolException {
            List<Command> all = commands();
            return all.get(all.size() - 1);
        }
    }

    private final Wire wire = new Wire();

    private static RtmpMessage fromServer(int streamId, String name, double transactionId, Object commandObject, Object... args) {
        return Command.of(name, transactionId, commandObject, args).toMessage(streamId == 0 ? 3 : 5, streamId);
    }

    private static RtmpMessage onStatus(int streamId, String level, String code) {
        return fromServer(streamId, "onStatus", 0, null, new NetStatus(level, code, code + " described").toInfoObject());
    }

    private static RtmpMessage connectSuccess(double transactionId) {
        return fromServer(0, "_result", transactionId, Map.of("fmsVer", "FMS/3,5,3,888"),
                new NetStatus("status", NetStatus.CONNECT_SUCCESS, "ok").toInfoObject());
    }

    /** A player session that has sent play on stream 1. */
    private RtmpClientSession playing() throws Exception {
        RtmpClientSession session = new RtmpClientSession(URL, Role.PLAY, OPTIONS, wire, wire);
        session.start(0);
        wire.deliver(session, connectSuccess(1));
        wire.deliver(session, fromServer(0, "_result", 2, null, 1.0));
        return session;
    }

    @Test
    void playConnectsCreatesAStreamAndPlays() throws Exception {
        RtmpClientSession session = new RtmpClientSession(URL, Role.PLAY, OPTIONS, wire, wire);
        session.start(0);
        Command connect = wire.lastCommand();
        assertEquals("connect", connect.name());
        assertEquals(1.0, connect.transactionId());
        Map<?, ?> properties = (Map<?, ?>) connect.commandObject();
        assertEquals("live", properties.get("app"));
        assertEquals("rtmp://127.0.0.1:1935/live", properties.get("tcUrl"), "no stream and no query in the tcUrl");
        assertEquals(State.CONNECTING, session.state());

        // What SRS sends before its answer; the client takes the window and answers the bandwidth.
        wire.deliver(session, ProtocolControl.windowAckSize(2_500_000));
        wire.deliver(session, ProtocolControl.setPeerBandwidth(2_500_000, ProtocolControl.LIMIT_DYNAMIC));
        wire.deliver(session, ProtocolControl.setChunkSize(60_000));
        wire.deliver(session, connectSuccess(1));
        wire.deliver(session, fromServer(0, "onBWDone", 0, null, 0.0));
        assertEquals(State.CREATING_STREAM, session.state());
        // The decoder applies the client's Set Chunk Size rather than passing it on.
        assertEquals(List.of(MessageType.COMMAND_AMF0, MessageType.WINDOW_ACK_SIZE, MessageType.COMMAND_AMF0),
                wire.sent.stream().map(RtmpMessage::type).toList());
        assertEquals(2_500_000, ProtocolControl.parseUint32(wire.sent.get(1)));
        assertEquals(4096, wire.serverDecoder.chunkSize());
        assertEquals(List.of("createStream", 2.0), List.of(wire.lastCommand().name(), wire.lastCommand().transactionId()));

        wire.deliver(session, fromServer(0, "_result", 2, null, 1.0));
        assertEquals(State.STARTING, session.state());
        assertEquals(1, session.streamId());
        Command play = wire.lastCommand();
        assertEquals(List.of("cam?sign=abc", -2.0), play.arguments(), "the query goes with the stream name");
        RtmpMessage buffer = wire.sent.get(wire.sent.size() - 1);
        assertEquals(new ProtocolControl.UserControl(ProtocolControl.SET_BUFFER_LENGTH, 1),
                ProtocolControl.parseUserControl(buffer));
        assertEquals(1, wire.sent.get(wire.sent.size() - 2).streamId(), "play goes on the created stream");

        wire.deliver(session, ProtocolControl.streamBegin(1));
        wire.deliver(session, onStatus(1, "status", NetStatus.PLAY_RESET));
        assertEquals(0, wire.startedOn);
        wire.deliver(session, onStatus(1, "status", NetStatus.PLAY_START));
        assertEquals(State.STARTED, session.state());
        assertEquals(1, wire.startedOn);
        RtmpMessage sampleAccess = new RtmpMessage(5, MessageType.DATA_AMF0, 0, 1, Amf0.encode("|RtmpSampleAccess", false, false));
        RtmpMessage video = new RtmpMessage(6, MessageType.VIDEO, 40, 1, AVC_KEYFRAME);
        wire.deliver(session, sampleAccess);
        wire.deliver(session, video);
        assertEquals(List.of(NetStatus.PLAY_RESET, NetStatus.PLAY_START), wire.statuses.stream().map(NetStatus::code).toList());
        assertEquals(2, wire.media.size());
        assertArrayEquals(AVC_KEYFRAME, wire.media.get(1).payload());
        assertEquals(40, wire.media.get(1).timestamp());
    }

    @Test
    void aggregatesAreSplitForTheListener() throws Exception {
        RtmpClientSession session = playing();
        byte[] aggregate = HexFormat.of().parseHex(
                "08" + "000004" + "000064" + "00" + "000000" + "AF001210" + "0000000F"
                        + "08" + "000004" + "00007D" + "00" + "000000" + "AF001210" + "0000000F");
        wire.deliver(session, new RtmpMessage(6, MessageType.AGGREGATE, 1000, 1, aggregate));
        assertEquals(List.of(1000L, 1025L), wire.media.stream().map(RtmpMessage::timestamp).toList());
    }

    @Test
    void acknowledgesEachWindowAndAnswersPings() throws Exception {
        RtmpClientSession session = playing();
        wire.deliver(session, ProtocolControl.windowAckSize(1000));
        wire.deliver(session, onStatus(1, "status", NetStatus.PLAY_START));
        wire.sent.clear();
        wire.deliver(session, new RtmpMessage(6, MessageType.VIDEO, 0, 1, new byte[1200]));
        assertEquals(1, wire.sent.size());
        assertEquals(MessageType.ACKNOWLEDGEMENT, wire.sent.get(0).type());
        assertEquals(wire.clientDecoder.bytesReceived(), ProtocolControl.parseUint32(wire.sent.get(0)));

        wire.deliver(session, ProtocolControl.userControl(ProtocolControl.PING_REQUEST, 123456));
        assertEquals(new ProtocolControl.UserControl(ProtocolControl.PING_RESPONSE, 123456),
                ProtocolControl.parseUserControl(wire.sent.get(1)));
    }

    @Test
    void streamNotFoundEndsThePlayWithItsOwnReason() throws Exception {
        RtmpClientSession session = playing();
        RtmpClientException e = assertThrows(RtmpClientException.class,
                () -> wire.deliver(session, onStatus(1, "error", NetStatus.PLAY_STREAM_NOT_FOUND)));
        assertEquals(Reason.STREAM_NOT_FOUND, e.reason());
        assertEquals(NetStatus.PLAY_STREAM_NOT_FOUND, e.status().code());
        assertTrue(e.getMessage().contains("rtmp://127.0.0.1:1935/live/cam") && !e.getMessage().contains("sign="),
                e.getMessage());
        assertEquals(List.of(NetStatus.PLAY_STREAM_NOT_FOUND), wire.statuses.stream().map(NetStatus::code).toList(),
                "the listener hears the status before the session fails");
        assertEquals(State.FAILED, session.state());

        int sent = wire.sent.size();
        session.close();
        assertEquals(sent, wire.sent.size(), "a failed session sends nothing more");
    }

    @Test
    void aRefusedConnectIsReported() throws Exception {
        RtmpClientSession session = new RtmpClientSession(URL, Role.PLAY, OPTIONS, wire, wire);
        session.start(0);
        RtmpClientException e = assertThrows(RtmpClientException.class, () -> wire.deliver(session,
                fromServer(0, "_error", 1, null, new NetStatus("error", NetStatus.CONNECT_REJECTED, "bad app").toInfoObject())));
        assertEquals(Reason.CONNECT_REJECTED, e.reason());
        assertTrue(e.getMessage().endsWith("NetConnection.Connect.Rejected (bad app)"), e.getMessage());
    }

    @Test
    void noStartWithinTheResponseTimeoutFails() throws Exception {
        RtmpClientSession session = playing();
        session.checkTimeout(4_999);
        RtmpClientException e = assertThrows(RtmpClientException.class, () -> session.checkTimeout(5_000));
        assertEquals(Reason.TIMEOUT, e.reason());
        assertEquals("no answer within 5000 ms while starting rtmp://127.0.0.1:1935/live/cam", e.getMessage());
    }

    @Test
    void mediaBeforePlayAndBrokenAnswersAreProtocolErrors() throws Exception {
        RtmpClientSession session = new RtmpClientSession(URL, Role.PLAY, OPTIONS, wire, wire);
        session.start(0);
        RtmpClientException e = assertThrows(RtmpClientException.class,
                () -> wire.deliver(session, new RtmpMessage(6, MessageType.VIDEO, 0, 1, AVC_KEYFRAME)));
        assertEquals(Reason.PROTOCOL, e.reason());

        RtmpClientSession other = new RtmpClientSession(URL, Role.PLAY, OPTIONS, wire, wire);
        other.start(0);
        wire.deliver(other, connectSuccess(1));
        e = assertThrows(RtmpClientException.class, () -> wire.deliver(other, fromServer(0, "_result", 2, null, "one")));
        assertEquals(Reason.PROTOCOL, e.reason());
    }

    @Test
    void publishRefusedWithBadName() throws Exception {
        RtmpClientSession session = new RtmpClientSession(URL, Role.PUBLISH, OPTIONS, wire, wire);
        session.start(0);
        wire.deliver(session, connectSuccess(1));
        assertEquals(List.of("connect", "releaseStream", "FCPublish", "createStream"), wire.commandNames());
        wire.deliver(session, fromServer(0, "_error", 2, null, Amf0.UNDEFINED)); // a server without releaseStream
        wire.deliver(session, fromServer(0, "_result", 4, null, 1.0));
        assertEquals(List.of("cam?sign=abc", "live"), wire.lastCommand().arguments());
        assertThrows(IllegalStateException.class, () -> session.sendMedia(MessageType.AUDIO, 0, AAC_SEQUENCE_HEADER));
        RtmpClientException e = assertThrows(RtmpClientException.class,
                () -> wire.deliver(session, onStatus(1, "error", NetStatus.PUBLISH_BAD_NAME)));
        assertEquals(Reason.PUBLISH_REFUSED, e.reason());
    }

    /** Both state machines on bytes: this client publishing to Streamlet's own server session. */
    @Test
    void publishesToStreamletsRtmpSession() throws Exception {
        StreamletConfig config = StreamletConfig.load(name -> null);
        SourceRegistry registry = new SourceRegistry(config.live());
        AccessPolicy access = new AccessPolicy(config.auth(), new Metrics(), Clock.systemUTC(), EventLog.inline());
        List<RtmpMessage> toClient = new ArrayList<>();
        RtmpSession server = new RtmpSession("s1", "127.0.0.1", config.rtmp(), registry, access, new RtmpSession.Peer() {
            @Override
            public void send(RtmpMessage message) {
                toClient.add(message);
            }

            @Override
            public void disconnect(String reason) {
                throw new AssertionError("server disconnected: " + reason);
            }

            @Override
            public void abort(String reason) {
                throw new AssertionError("server aborted: " + reason);
            }

            @Override
            public void await(CompletableFuture<Decision> decision, Consumer<Decision> then) {
                then.accept(decision.join()); // no hooks: decided at once
            }

            @Override
            public void play(LiveSource source, int streamId) {
                throw new AssertionError("a publisher does not play");
            }
        });
        RtmpClientSession client = new RtmpClientSession(URL, Role.PUBLISH, OPTIONS, wire, wire);
        client.start(0);
        for (int delivered = 0, fed = 0; client.state() != State.STARTED; ) {
            assertTrue(fed < wire.sent.size() || delivered < toClient.size(), "the conversation stalled in " + client.state());
            while (fed < wire.sent.size()) server.onMessage(wire.sent.get(fed++));
            while (delivered < toClient.size()) wire.deliver(client, toClient.get(delivered++));
        }
        assertEquals(List.of(NetStatus.PUBLISH_START), wire.statuses.stream().map(NetStatus::code).toList());
        assertEquals(Map.of("sign", "abc"), server.queryParameters());

        int before = wire.sent.size();
        client.sendMedia(MessageType.DATA_AMF0, 0, Amf0.encode("onMetaData", new Amf0.EcmaArray(Map.of("width", 320.0))));
        client.sendMedia(MessageType.AUDIO, 0, AAC_SEQUENCE_HEADER);
        client.sendMedia(MessageType.VIDEO, 0, AVC_KEYFRAME);
        assertEquals("@setDataFrame", Amf0.decodeAll(wire.sent.get(before).payload(), 0, wire.sent.get(before).payload().length).get(0),
                "metadata goes out as encoders send it");
        for (int i = before; i < wire.sent.size(); i++) server.onMessage(wire.sent.get(i));
        LiveSource source = registry.find(new StreamKey("live", "cam"));
        assertNotNull(source);
        assertEquals(3, source.tagsIn());

        before = wire.sent.size();
        client.close();
        assertEquals(List.of("FCUnpublish", "deleteStream"),
                wire.commandNames().subList(wire.commandNames().size() - 2, wire.commandNames().size()));
        for (int i = before; i < wire.sent.size(); i++) server.onMessage(wire.sent.get(i));
        assertNull(registry.find(new StreamKey("live", "cam")), "the server unpublished");
        assertEquals(State.CLOSED, client.state());
    }
}
