package io.streamlet.ingest;

import io.streamlet.EventLog;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.streamlet.auth.AuthConfig;
import io.streamlet.auth.Decision;
import io.streamlet.config.ConfigReader;
import io.streamlet.live.LiveConfig;
import io.streamlet.metrics.Metrics;
import io.streamlet.amf.Amf0;
import io.streamlet.auth.AccessPolicy;
import io.streamlet.auth.UrlSigner;
import io.streamlet.live.LiveSource;
import io.streamlet.live.SourceRegistry;
import io.streamlet.live.StreamKey;
import io.streamlet.rtmp.Command;
import io.streamlet.rtmp.MessageType;
import io.streamlet.rtmp.ProtocolControl;
import io.streamlet.rtmp.RtmpMessage;
import io.streamlet.rtmp.RtmpProtocolException;
import java.io.ByteArrayOutputStream;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The publishing state machine, fed messages directly, against a real {@link SourceRegistry}. */
class RtmpSessionTest {
    private static final byte[] AAC_SEQUENCE_HEADER = HexFormat.of().parseHex("AF001210");
    private static final byte[] AAC_FRAME = HexFormat.of().parseHex("AF01214912");

    private final RtmpConfig config = RtmpConfig.read(new ConfigReader(name -> switch (name) {
        case "streamlet.rtmp.ackWindow" -> "4096";
        default -> null;
    }));
    private final Metrics metrics = new Metrics();
    private final SourceRegistry registry = new SourceRegistry(LiveConfig.defaults());
    private final AccessPolicy openAccess = new AccessPolicy(AuthConfig.defaults(), metrics, Clock.systemUTC(), EventLog.inline());

    /** Records what the session sends and whether it asked to disconnect. */
    private static final class RecordingPeer implements RtmpSession.Peer {
        final List<RtmpMessage> sent = new ArrayList<>();
        String disconnectReason;
        String abortReason;

        @Override
        public void send(RtmpMessage message) {
            sent.add(message);
        }

        @Override
        public void disconnect(String reason) {
            disconnectReason = reason;
        }

        @Override
        public void abort(String reason) {
            abortReason = reason;
        }

        /** Decisions the session waits for, with what it will do with each; the test completes them. */
        final List<CompletableFuture<Decision>> awaited = new ArrayList<>();
        LiveSource playing;
        int playingStreamId;

        @Override
        public void await(CompletableFuture<Decision> decision, Consumer<Decision> then) {
            awaited.add(decision);
            decision.thenAccept(then); // the test completes it on its own thread, standing in for the I/O thread
        }

        @Override
        public void play(LiveSource source, int streamId) {
            playing = source;
            playingStreamId = streamId;
        }

        List<Command> commands() throws RtmpProtocolException {
            List<Command> out = new ArrayList<>();
            for (RtmpMessage m : sent) if (m.type() == MessageType.COMMAND_AMF0) out.add(Command.parse(m));
            return out;
        }

        Command lastCommand() throws RtmpProtocolException {
            List<Command> all = commands();
            return all.get(all.size() - 1);
        }

        List<Integer> types() {
            return sent.stream().map(RtmpMessage::type).toList();
        }
    }

    private final RecordingPeer peer = new RecordingPeer();
    private final RtmpSession session = new RtmpSession("t1", "127.0.0.1", config, registry, openAccess, peer);

    private static RtmpMessage command(int streamId, String name, double txn, Object commandObject, Object... args) {
        return Command.of(name, txn, commandObject, args).toMessage(streamId == 0 ? 3 : 8, streamId);
    }

    private static Map<String, Object> connectObject(String app, String tcUrl) {
        Map<String, Object> o = new LinkedHashMap<>();
        if (app != null) o.put("app", app);
        o.put("tcUrl", tcUrl);
        o.put("objectEncoding", 3.0);
        return o;
    }

    private static String code(Command status) {
        return (String) ((Map<?, ?>) status.argument(0)).get("code");
    }

    private void publishFlow(String app, String stream) throws RtmpProtocolException {
        session.onMessage(command(0, "connect", 1, connectObject(app, "rtmp://127.0.0.1/" + app)));
        session.onMessage(command(0, "releaseStream", 2, null, stream));
        session.onMessage(command(0, "FCPublish", 3, null, stream));
        session.onMessage(command(0, "createStream", 4, null));
        session.onMessage(command(1, "publish", 5, null, stream, "live"));
    }

    @Test
    void connectCreateStreamPublish() throws RtmpProtocolException {
        session.onMessage(command(0, "connect", 1, connectObject("live", "rtmp://127.0.0.1/live")));
        assertEquals(List.of(MessageType.WINDOW_ACK_SIZE, MessageType.SET_PEER_BANDWIDTH, MessageType.SET_CHUNK_SIZE,
                MessageType.COMMAND_AMF0), peer.types());
        assertEquals(4096, ProtocolControl.parseUint32(peer.sent.get(0)));
        assertEquals(60000, ProtocolControl.parseChunkSize(peer.sent.get(2)));
        Command result = peer.lastCommand();
        assertEquals("_result", result.name());
        assertEquals(1.0, result.transactionId());
        assertTrue(((Map<?, ?>) result.commandObject()).get("fmsVer") instanceof String);
        assertEquals("NetConnection.Connect.Success", code(result));
        assertEquals(3.0, ((Map<?, ?>) result.argument(0)).get("objectEncoding"));

        session.onMessage(command(0, "releaseStream", 2, null, "x"));
        assertEquals(List.of("_result", 2.0), List.of(peer.lastCommand().name(), peer.lastCommand().transactionId()));
        session.onMessage(command(0, "FCPublish", 3, null, "x"));
        List<Command> commands = peer.commands();
        assertEquals("onFCPublish", commands.get(commands.size() - 2).name());
        assertEquals(3.0, peer.lastCommand().transactionId());
        session.onMessage(command(0, "createStream", 4, null));
        assertEquals(1.0, peer.lastCommand().argument(0));

        peer.sent.clear();
        session.onMessage(command(1, "publish", 5, null, "x", "live"));
        assertEquals(new ProtocolControl.UserControl(ProtocolControl.STREAM_BEGIN, 1),
                ProtocolControl.parseUserControl(peer.sent.get(0)));
        assertEquals("NetStream.Publish.Start", code(peer.lastCommand()));
        assertEquals(1, peer.sent.get(1).streamId(), "onStatus goes on the published stream");
        assertTrue(session.isPublishing());
        StreamKey key = new StreamKey("live", "x");
        assertEquals(key, session.streamKey());
        LiveSource source = registry.find(key);
        assertNotNull(source);

        session.onMessage(new RtmpMessage(5, MessageType.DATA_AMF0, 0, 1,
                Amf0.encode("@setDataFrame", "onMetaData", new Amf0.EcmaArray(Map.of("audiocodecid", 10.0)))));
        session.onMessage(new RtmpMessage(4, MessageType.AUDIO, 0, 1, AAC_SEQUENCE_HEADER));
        session.onMessage(new RtmpMessage(4, MessageType.AUDIO, 23, 1, AAC_FRAME));
        assertEquals(3, source.tagsIn());
        assertNull(peer.disconnectReason);

        session.onMessage(command(0, "FCUnpublish", 6, null, "x"));
        session.onMessage(command(1, "deleteStream", 0, null, 1.0));
        assertTrue(source.isEnded());
        assertNull(registry.find(key));
        assertFalse(session.isPublishing());
    }

    @Test
    void queryStringsAreKeptOutOfTheStreamKey() throws RtmpProtocolException {
        publishFlow("live?vhost=a", "cam1?token=s%20cret&x");
        assertEquals(new StreamKey("live", "cam1"), session.streamKey());
        assertEquals(Map.of("vhost", "a", "token", "s cret", "x", ""), session.queryParameters());
        assertNotNull(registry.find(new StreamKey("live", "cam1")));
    }

    @Test
    void appFallsBackToTheTcUrl() throws RtmpProtocolException {
        session.onMessage(command(0, "connect", 1, connectObject(null, "rtmp://127.0.0.1:1935/show/")));
        session.onMessage(command(0, "createStream", 2, null));
        session.onMessage(command(1, "publish", 3, null, "y"));
        assertEquals(new StreamKey("show", "y"), session.streamKey());
    }

    @Test
    void publishBeforeConnectIsAProtocolError() {
        RtmpProtocolException e = assertThrows(RtmpProtocolException.class,
                () -> session.onMessage(command(1, "publish", 1, null, "x")));
        assertEquals("'publish' before 'connect'", e.getMessage());
        assertNull(registry.find(new StreamKey("live", "x")));
    }

    @Test
    void mediaBeforePublishIsAProtocolError() throws RtmpProtocolException {
        session.onMessage(command(0, "connect", 1, connectObject("live", "")));
        assertThrows(RtmpProtocolException.class,
                () -> session.onMessage(new RtmpMessage(4, MessageType.AUDIO, 0, 1, AAC_SEQUENCE_HEADER)));
        assertThrows(RtmpProtocolException.class,
                () -> session.onMessage(new RtmpMessage(5, MessageType.DATA_AMF0, 0, 1, Amf0.encode("onMetaData"))));
    }

    @Test
    void secondPublisherOfAStreamIsRefusedWithBadName() throws RtmpProtocolException {
        RecordingPeer firstPeer = new RecordingPeer();
        RtmpSession first = new RtmpSession("t0", "127.0.0.1", config, registry, openAccess, firstPeer);
        first.onMessage(command(0, "connect", 1, connectObject("live", "")));
        first.onMessage(command(1, "publish", 2, null, "busy"));
        assertTrue(first.isPublishing());

        publishFlow("live", "busy");
        Command status = peer.lastCommand();
        assertEquals("onStatus", status.name());
        assertEquals("error", ((Map<?, ?>) status.argument(0)).get("level"));
        assertEquals("NetStream.Publish.BadName", code(status));
        assertTrue(((String) ((Map<?, ?>) status.argument(0)).get("description")).contains("already published by client 't0'"));
        assertNotNull(peer.disconnectReason);
        assertFalse(session.isPublishing());
        session.close();

        LiveSource source = registry.find(new StreamKey("live", "busy"));
        assertEquals("t0", source.publisherId(), "the first publisher keeps the stream");
        first.onMessage(new RtmpMessage(4, MessageType.AUDIO, 0, 1, AAC_SEQUENCE_HEADER));
        assertEquals(1, source.tagsIn());
    }

    @Test
    void invalidNamesAreRefused() throws RtmpProtocolException {
        publishFlow("live", "../etc");
        assertEquals("NetStream.Publish.BadName", code(peer.lastCommand()));
        assertNotNull(peer.disconnectReason);
        assertTrue(registry.sources().isEmpty());
    }

    @Test
    void closeUnpublishes() throws RtmpProtocolException {
        publishFlow("live", "x");
        LiveSource source = registry.find(new StreamKey("live", "x"));
        session.close();
        session.close();
        assertTrue(source.isEnded());
        assertNull(registry.find(new StreamKey("live", "x")));
    }

    @Test
    void mediaTheSourceRefusesEndsTheConnection() throws RtmpProtocolException {
        publishFlow("live", "x");
        session.onMessage(new RtmpMessage(4, MessageType.AUDIO, 0, 1, new byte[0]));
        assertTrue(peer.disconnectReason.startsWith("media refused"), peer.disconnectReason);
    }

    @Test
    void aggregatesAndAmf3MetadataReachTheSource() throws RtmpProtocolException {
        publishFlow("live", "x");
        LiveSource source = registry.find(new StreamKey("live", "x"));
        ByteArrayOutputStream aggregate = new ByteArrayOutputStream();
        aggregate.writeBytes(HexFormat.of().parseHex("08 000004 000000 00 000000 AF001210 0000000F".replace(" ", "")));
        aggregate.writeBytes(HexFormat.of().parseHex("08 000005 000017 00 000000 AF01214912 00000010".replace(" ", "")));
        session.onMessage(new RtmpMessage(4, MessageType.AGGREGATE, 1000, 1, aggregate.toByteArray()));
        assertEquals(2, source.tagsIn());

        byte[] amf0 = Amf0.encode("@setDataFrame", "onMetaData", new Amf0.EcmaArray(Map.of("width", 320.0)));
        byte[] amf3 = new byte[amf0.length + 1];
        System.arraycopy(amf0, 0, amf3, 1, amf0.length);
        session.onMessage(new RtmpMessage(5, MessageType.DATA_AMF3, 0, 1, amf3));
        session.onMessage(new RtmpMessage(5, MessageType.DATA_AMF0, 0, 1, Amf0.encode("onCuePoint", "ignored")));
        assertEquals(3, source.tagsIn());

        assertThrows(RtmpProtocolException.class, () -> session.onMessage(
                new RtmpMessage(5, MessageType.DATA_AMF0, 0, 1, HexFormat.of().parseHex("02000A6F6E"))));
    }

    @Test
    void unknownCommandsGetAnEmptyResultAndPingsAPong() throws RtmpProtocolException {
        session.onMessage(command(0, "connect", 1, connectObject("live", "")));
        session.onMessage(command(0, "someQuery", 7, null, "x"));
        assertEquals(List.of("_result", 7.0), List.of(peer.lastCommand().name(), peer.lastCommand().transactionId()));
        assertNull(peer.lastCommand().argument(0));
        session.onMessage(command(0, "getStreamLength", 8, null, "x"));
        assertEquals(List.of("_result", 8.0, 0.0), List.of(peer.lastCommand().name(), peer.lastCommand().transactionId(),
                peer.lastCommand().argument(0)), "a live stream's length, as a number ffmpeg reads without a warning");
        peer.sent.clear();
        session.onMessage(command(0, "someNotification", 0, null));
        session.onMessage(ProtocolControl.userControl(ProtocolControl.PING_REQUEST, 0xABCDL));
        assertEquals(1, peer.sent.size());
        assertArrayEquals(ProtocolControl.pingResponse(0xABCDL).payload(), peer.sent.get(0).payload());
        assertNull(peer.disconnectReason);
    }

    @Test
    void acknowledgesEachWindowOfBytes() throws RtmpProtocolException {
        session.onBytesReceived(4000);
        assertTrue(peer.sent.isEmpty());
        session.onBytesReceived(5000);
        assertEquals(5000, ProtocolControl.parseUint32(peer.sent.get(0)));
        session.onMessage(ProtocolControl.windowAckSize(100_000)); // the peer's own window replaces ours
        session.onBytesReceived(50_000);
        assertEquals(1, peer.sent.size());
        session.onBytesReceived(105_000);
        assertEquals(List.of(MessageType.ACKNOWLEDGEMENT, MessageType.ACKNOWLEDGEMENT), peer.types());
        session.onBytesReceived(0x1_0000_0010L + 105_000); // past 4 GiB the sequence number wraps
        assertEquals(105_016, ProtocolControl.parseUint32(peer.sent.get(2)));
    }

    @Test
    void enhancedRtmpClientLearnsThatEveryCodecIsForwarded() throws RtmpProtocolException {
        Map<String, Object> connect = connectObject("live", "rtmp://127.0.0.1/live");
        connect.put("fourCcList", List.of("hvc1", "av01", "Opus"));
        connect.put("videoFourCcInfoMap", Map.of("hvc1", 7.0));
        connect.put("capsEx", 3.0);
        session.onMessage(command(0, "connect", 1, connect));
        Map<?, ?> server = (Map<?, ?>) peer.lastCommand().commandObject();
        assertEquals(List.of("hvc1", "av01", "Opus"), server.get("fourCcList"), "E-RTMP v1: the client's own list");
        assertEquals(Map.of("*", 4.0), server.get("videoFourCcInfoMap"), "any video codec: CanForward");
        assertEquals(Map.of("*", 4.0), server.get("audioFourCcInfoMap"), "any audio codec: CanForward");
        assertEquals(2.0 + 4.0 + 8.0, server.get("capsEx"), "Multitrack, ModEx, TimestampNanoOffset; not Reconnect");
        assertEquals("NetConnection.Connect.Success", code(peer.lastCommand()));
    }

    @Test
    void enhancedRtmpV2ClientWithoutFourCcListGetsTheWildcardList() throws RtmpProtocolException {
        Map<String, Object> connect = connectObject("live", "rtmp://127.0.0.1/live");
        connect.put("audioFourCcInfoMap", Map.of("Opus", 1.0));
        session.onMessage(command(0, "connect", 1, connect));
        Map<?, ?> server = (Map<?, ?>) peer.lastCommand().commandObject();
        assertEquals(List.of("*"), server.get("fourCcList"));
        assertEquals(Map.of("*", 4.0), server.get("videoFourCcInfoMap"));
        assertEquals(14.0, server.get("capsEx"));
    }

    @Test
    void legacyClientGetsNoEnhancedRtmpProperties() throws RtmpProtocolException {
        session.onMessage(command(0, "connect", 1, connectObject("live", "rtmp://127.0.0.1/live")));
        Map<?, ?> server = (Map<?, ?>) peer.lastCommand().commandObject();
        assertEquals(List.of("fmsVer", "capabilities", "mode"), List.copyOf(server.keySet()));
    }

    @Test
    void aDeniedPublishGetsAnErrorStatusAndNeverStarts() throws RtmpProtocolException {
        AccessPolicy access = new AccessPolicy(AuthConfig.read(new ConfigReader(Map.of("streamlet.auth.publishSecret", "pub")::get)),
                metrics, Clock.systemUTC(), EventLog.inline());
        String sign = new UrlSigner("pub").sign("/live/signed", System.currentTimeMillis() / 1000 + 60);
        // the last character changed: a signature need not hold any given digit
        String tampered = sign.substring(0, sign.length() - 1) + (sign.endsWith("0") ? "1" : "0");
        for (String name : List.of("signed", "signed?sign=" + tampered, "other?sign=" + sign)) {
            RecordingPeer refused = new RecordingPeer();
            RtmpSession denied = new RtmpSession("d", "127.0.0.1", config, registry, access, refused);
            denied.onMessage(command(0, "connect", 1, connectObject("live", "rtmp://127.0.0.1/live")));
            denied.onMessage(command(0, "createStream", 2, null));
            denied.onMessage(command(1, "publish", 3, null, name, "live"));
            assertEquals("NetStream.Publish.Denied", code(refused.lastCommand()), name);
            assertTrue(refused.commands().stream().noneMatch(c -> c.name().equals("onStatus")
                    && code(c).equals("NetStream.Publish.Start")), name);
            assertNotNull(refused.disconnectReason, name);
            assertFalse(denied.isPublishing());
        }
        assertNull(registry.find(new StreamKey("live", "signed")));

        RecordingPeer allowed = new RecordingPeer();
        RtmpSession publisher = new RtmpSession("a", "127.0.0.1", config, registry, access, allowed);
        // The signature may come with the connect URL as well as with the stream name.
        publisher.onMessage(command(0, "connect", 1, connectObject("live?sign=" + sign, "rtmp://127.0.0.1/live?sign=" + sign)));
        publisher.onMessage(command(0, "createStream", 2, null));
        publisher.onMessage(command(1, "publish", 3, null, "signed", "live"));
        assertEquals("NetStream.Publish.Start", code(allowed.lastCommand()));
        assertNotNull(registry.find(new StreamKey("live", "signed")));
    }

    private void playFlow(RtmpSession player, String app, String stream) throws RtmpProtocolException {
        player.onMessage(command(0, "connect", 1, connectObject(app, "rtmp://127.0.0.1/" + app)));
        player.onMessage(command(0, "createStream", 2, null));
        player.onMessage(command(1, "play", 3, null, stream));
    }

    private static List<String> statusCodes(RecordingPeer peer) {
        List<String> codes = new ArrayList<>();
        for (RtmpMessage m : peer.sent) {
            if (m.type() != MessageType.COMMAND_AMF0) continue;
            try {
                Command c = Command.parse(m);
                if (c.name().equals("onStatus")) codes.add(code(c));
            } catch (RtmpProtocolException e) {
                throw new AssertionError(e);
            }
        }
        return codes;
    }

    @Test
    void playOfALiveStreamAnswersAsSrsThenHandsThePeerTheSource() throws RtmpProtocolException {
        publishFlow("live", "watched");
        RecordingPeer viewer = new RecordingPeer();
        RtmpSession player = new RtmpSession("v1", "127.0.0.1", config, registry, openAccess, viewer);
        playFlow(player, "live", "watched");
        assertEquals(List.of("NetStream.Play.Reset", "NetStream.Play.Start"), statusCodes(viewer));
        assertTrue(viewer.sent.stream().anyMatch(m -> m.type() == MessageType.DATA_AMF0
                && new String(m.payload(), java.nio.charset.StandardCharsets.ISO_8859_1).contains("|RtmpSampleAccess")));
        assertEquals(registry.find(new StreamKey("live", "watched")), viewer.playing);
        assertEquals(1, viewer.playingStreamId);
        assertTrue(player.isPlaying());
        assertNull(viewer.disconnectReason);
    }

    @Test
    void secondPlayIsAProtocolError() throws RtmpProtocolException {
        publishFlow("live", "twice");
        RtmpSession player = new RtmpSession("v1", "127.0.0.1", config, registry, openAccess, new RecordingPeer());
        playFlow(player, "live", "twice");
        assertThrows(RtmpProtocolException.class, () -> player.onMessage(command(1, "play", 4, null, "twice")));
    }

    @Test
    void playOfAnUnknownStreamIsStreamNotFoundAndEndsTheConnection() throws RtmpProtocolException {
        RecordingPeer viewer = new RecordingPeer();
        RtmpSession player = new RtmpSession("v1", "127.0.0.1", config, registry, openAccess, viewer);
        playFlow(player, "live", "nobody");
        assertEquals(List.of("NetStream.Play.StreamNotFound"), statusCodes(viewer));
        assertNotNull(viewer.disconnectReason);
        assertNull(viewer.playing);
    }

    @Test
    void aPlayWaitsForItsDecisionWithoutBlocking() throws RtmpProtocolException {
        publishFlow("live", "hooked");
        AccessPolicy signed = new AccessPolicy(AuthConfig.read(new ConfigReader(Map.of("streamlet.auth.playSecret", "s")::get)),
                metrics, Clock.systemUTC(), EventLog.inline());
        RecordingPeer viewer = new RecordingPeer();
        RtmpSession player = new RtmpSession("v1", "127.0.0.1", config, registry, signed, viewer);
        playFlow(player, "live", "hooked");
        assertEquals(1, viewer.awaited.size(), "the decision went to the peer to wait for");
        assertEquals(List.of("NetStream.Play.Failed"), statusCodes(viewer), "no signature: denied");
        assertNull(viewer.playing);

        String sign = new UrlSigner("s").sign("/live/hooked", System.currentTimeMillis() / 1000 + 60);
        RecordingPeer allowed = new RecordingPeer();
        RtmpSession signedPlayer = new RtmpSession("v2", "127.0.0.1", config, registry, signed, allowed);
        playFlow(signedPlayer, "live", "hooked?sign=" + sign);
        assertEquals(List.of("NetStream.Play.Reset", "NetStream.Play.Start"), statusCodes(allowed));
        assertNotNull(allowed.playing);
        signed.close();
    }
}
