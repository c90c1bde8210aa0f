package io.streamlet.ingest;

import io.streamlet.EventLog;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.streamlet.server.StreamletConfig;
import io.streamlet.delivery.Players;
import io.streamlet.metrics.Metrics;
import io.streamlet.amf.Amf0;
import io.streamlet.auth.AccessPolicy;
import io.streamlet.live.LiveSource;
import io.streamlet.live.SourceRegistry;
import io.streamlet.live.StreamKey;
import io.streamlet.rtmp.Command;
import io.streamlet.rtmp.MessageType;
import io.streamlet.rtmp.RtmpMessage;
import io.streamlet.testing.RtmpTestPublisher;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** {@link RtmpServer} over real sockets on 127.0.0.1, with a real {@link SourceRegistry}. */
class RtmpServerTest {
    private static final String HOST = "127.0.0.1";
    private static final byte[] AAC_SEQUENCE_HEADER = HexFormat.of().parseHex("AF001210");
    private static final byte[] AAC_FRAME = HexFormat.of().parseHex("AF01214912");

    private final List<RtmpServer> servers = new ArrayList<>();
    private final List<RtmpTestPublisher> publishers = new ArrayList<>();
    private SourceRegistry registry;

    private RtmpServer startServer(Map<String, String> overrides) throws IOException {
        Map<String, String> knobs = new HashMap<>(Map.of(
                "streamlet.rtmp.host", HOST,
                "streamlet.rtmp.port", "0",
                "streamlet.rtmp.maxMessageSize", "64KiB",
                "streamlet.rtmp.handshakeTimeout", "2s"));
        knobs.putAll(overrides);
        StreamletConfig config = StreamletConfig.load(knobs::get);
        registry = new SourceRegistry(config.live());
        RtmpServer server = newServer(config, registry);
        servers.add(server);
        server.start();
        return server;
    }

    private RtmpTestPublisher publish(RtmpServer server, String stream) throws IOException {
        RtmpTestPublisher publisher = track(RtmpTestPublisher.publish(HOST, server.port(), "live", stream));
        assertEquals("NetStream.Publish.Start", publisher.lastStatusCode());
        return publisher;
    }

    private RtmpTestPublisher track(RtmpTestPublisher publisher) {
        publishers.add(publisher);
        return publisher;
    }

    private LiveSource source(String stream) {
        return registry.find(new StreamKey("live", stream));
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) fail("timed out waiting until " + what);
            Thread.sleep(10);
        }
    }

    /** Sends audio and waits until the source has taken it all: proof the connection still works. */
    private void assertStillPublishing(RtmpTestPublisher publisher, String stream) throws Exception {
        LiveSource source = source(stream);
        assertNotNull(source, stream + " is published");
        long before = source.tagsIn();
        publisher.sendAudio(0, AAC_SEQUENCE_HEADER);
        publisher.sendAudio(23, AAC_FRAME);
        await(stream + " received two more tags", () -> source.tagsIn() == before + 2);
    }

    private static List<Thread> rtmpThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.isAlive() && t.getName().startsWith("streamlet-rtmp-")).toList();
    }

    private final Metrics metrics = new Metrics();
    private final List<AutoCloseable> closeAfter = new ArrayList<>();

    private RtmpServer newServer(StreamletConfig config, SourceRegistry registry) {
        Players players = new Players(config.delivery(), metrics, EventLog.inline());
        AccessPolicy access = new AccessPolicy(config.auth(), metrics, Clock.systemUTC(), EventLog.inline());
        closeAfter.add(players);
        closeAfter.add(access);
        return new RtmpServer(config.rtmp(), registry, players, access, metrics);
    }

    @AfterEach
    void tearDown() throws Exception {
        for (RtmpTestPublisher p : publishers) p.close();
        for (RtmpServer s : servers) s.close();
        for (AutoCloseable c : closeAfter) c.close();
    }

    @Test
    void publishesMetadataAndMediaInAnyChunkSize() throws Exception {
        RtmpServer server = startServer(Map.of());
        RtmpTestPublisher publisher = publish(server, "x");
        assertTrue(rtmpThreads().stream().allMatch(Thread::isDaemon));
        publisher.sendMetadata(Map.of("audiocodecid", 10.0, "duration", 0.0));
        await("the metadata arrived", () -> source("x").tagsIn() == 1);
        for (int chunkSize : new int[] {1, 7, 4096}) {
            publisher.setChunkSize(chunkSize);
            assertStillPublishing(publisher, "x");
        }
        assertEquals(7, source("x").tagsIn());
    }

    @Test
    void secondPublisherGetsBadNameAndTheFirstKeepsPublishing() throws Exception {
        RtmpServer server = startServer(Map.of());
        RtmpTestPublisher first = publish(server, "x");
        RtmpTestPublisher second = track(RtmpTestPublisher.publish(HOST, server.port(), "live", "x"));
        assertEquals("NetStream.Publish.BadName", second.lastStatusCode());
        assertTrue(second.awaitClosedByServer(), "the refused publisher is disconnected");
        assertStillPublishing(first, "x");
    }

    /** Ways a client can break the protocol; each must close that connection only. */
    enum BadInput {
        GARBAGE_HANDSHAKE {
            @Override
            RtmpTestPublisher send(int port) throws IOException {
                RtmpTestPublisher p = RtmpTestPublisher.openRaw(HOST, port);
                p.sendRaw("GET /live/x.flv HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                return p;
            }
        },
        CHUNK_SIZE_ZERO {
            @Override
            RtmpTestPublisher send(int port) throws IOException {
                return connected(port, "02 000000 000004 01 00000000 00000000");
            }
        },
        OVERSIZED_MESSAGE {
            @Override
            RtmpTestPublisher send(int port) throws IOException {
                return connected(port, "06 000000 100000 09 01000000 17"); // declares 1 MiB, limit 64 KiB
            }
        },
        CONTINUATION_OF_A_MESSAGE_NEVER_STARTED {
            @Override
            RtmpTestPublisher send(int port) throws IOException {
                return connected(port, "C7 0102030405");
            }
        },
        TRUNCATED_AMF {
            @Override
            RtmpTestPublisher send(int port) throws IOException {
                return connected(port, "03 000000 000008 14 00000000 0200076372656174"); // "creat", cut short
            }
        },
        PUBLISH_BEFORE_CONNECT {
            @Override
            RtmpTestPublisher send(int port) throws IOException {
                RtmpTestPublisher p = RtmpTestPublisher.open(HOST, port);
                p.send(Command.of("publish", 1, null, "y", "live").toMessage(Command.STREAM_CSID, 1));
                return p;
            }
        },
        MEDIA_BEFORE_PUBLISH {
            @Override
            RtmpTestPublisher send(int port) throws IOException {
                RtmpTestPublisher p = RtmpTestPublisher.open(HOST, port);
                p.connect("live");
                p.sendAudio(0, AAC_SEQUENCE_HEADER);
                return p;
            }
        };

        abstract RtmpTestPublisher send(int port) throws IOException;

        private static RtmpTestPublisher connected(int port, String hex) throws IOException {
            RtmpTestPublisher p = RtmpTestPublisher.open(HOST, port);
            assertEquals("NetConnection.Connect.Success", p.connect("live"));
            p.sendRaw(HexFormat.of().parseHex(hex.replace(" ", "")));
            return p;
        }
    }

    @ParameterizedTest
    @EnumSource(BadInput.class)
    void badInputClosesOnlyThatConnection(BadInput input) throws Exception {
        RtmpServer server = startServer(Map.of());
        RtmpTestPublisher bystander = publish(server, "bystander");
        RtmpTestPublisher bad = track(input.send(server.port()));
        assertTrue(bad.awaitClosedByServer(), input + " closes the connection");
        assertStillPublishing(bystander, "bystander");
        assertStillPublishing(publish(server, "newcomer"), "newcomer");
    }

    @Test
    void publisherVanishingMidMessageIsUnpublished() throws Exception {
        RtmpServer server = startServer(Map.of());
        RtmpTestPublisher publisher = publish(server, "x");
        publisher.sendRaw(HexFormat.of().parseHex("06000000000400090100000017")); // 1 of 1024 bytes
        publisher.close();
        await("x is unpublished", () -> source("x") == null);
        assertStillPublishing(publish(server, "x"), "x");
    }

    @Test
    void silentPublisherIsUnpublishedAfterTheIdleTimeout() throws Exception {
        RtmpServer server = startServer(Map.of("streamlet.rtmp.idleTimeout", "300ms"));
        RtmpTestPublisher publisher = publish(server, "x");
        LiveSource source = source("x");
        assertTrue(publisher.awaitClosedByServer());
        await("x is unpublished", () -> source.isEnded() && source("x") == null);
    }

    @Test
    void silentClientIsDroppedAfterTheHandshakeTimeout() throws Exception {
        RtmpServer server = startServer(Map.of("streamlet.rtmp.handshakeTimeout", "200ms"));
        RtmpTestPublisher silent = track(RtmpTestPublisher.openRaw(HOST, server.port()));
        silent.sendRaw(new byte[] {3, 0, 0}); // C0 and the start of C1, then nothing
        assertTrue(silent.awaitClosedByServer());
    }

    @Test
    void connectionsOverTheLimitAreRefused() throws Exception {
        RtmpServer server = startServer(Map.of("streamlet.rtmp.maxConnections", "2"));
        publish(server, "a");
        publish(server, "b");
        RtmpTestPublisher third = track(RtmpTestPublisher.openRaw(HOST, server.port()));
        assertTrue(third.awaitClosedByServer());
        assertEquals(2, server.connectionCount());
        publishers.get(0).close();
        await("a's slot is free", () -> server.connectionCount() == 1);
        publish(server, "c"); // a freed slot is usable again
    }

    @Test
    void closeDisconnectsEveryoneAndLeavesNoThreadOrPort() throws Exception {
        RtmpServer server = startServer(Map.of());
        int port = server.port();
        RtmpTestPublisher publisher = publish(server, "x");
        LiveSource source = source("x");
        server.close();
        server.close();
        assertTrue(publisher.awaitClosedByServer());
        assertTrue(source.isEnded(), "close() returns once the connections have ended");
        assertEquals(List.of(), rtmpThreads());
        try (ServerSocket again = new ServerSocket()) {
            again.bind(new InetSocketAddress(HOST, port)); // the port is free again
        }
    }

    @Test
    void aTakenPortIsAnIOExceptionNamingIt() throws Exception {
        try (ServerSocket taken = new ServerSocket()) {
            taken.bind(new InetSocketAddress(HOST, 0));
            int port = taken.getLocalPort();
            StreamletConfig config = StreamletConfig.load(Map.of("streamlet.rtmp.host", HOST,
                    "streamlet.rtmp.port", Integer.toString(port))::get);
            RtmpServer server = newServer(config, new SourceRegistry(config.live()));
            servers.add(server);
            IOException e = assertThrows(IOException.class, server::start);
            assertTrue(e.getMessage().contains(HOST + ":" + port), e.getMessage());
        }
    }

    @Test
    void ffmpegPublishes(@TempDir Path dir) throws Exception {
        Path ffmpeg = Path.of("/usr/bin/ffmpeg");
        if ("true".equals(System.getenv("CI"))) {
            assertTrue(Files.isExecutable(ffmpeg), "CI must have ffmpeg at " + ffmpeg);
        } else {
            Assumptions.assumeTrue(Files.isExecutable(ffmpeg), "ffmpeg not installed");
        }
        RtmpServer server = startServer(Map.of("streamlet.rtmp.maxMessageSize", "8MiB"));
        Path log = dir.resolve("ffmpeg.log");
        Process process = new ProcessBuilder(ffmpeg.toString(), "-hide_banner", "-nostdin", "-loglevel", "info",
                "-re", "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=30", "-f", "lavfi", "-i", "sine",
                "-t", "3", "-c:v", "libx264", "-preset", "ultrafast", "-c:a", "aac",
                "-f", "flv", "rtmp://" + HOST + ":" + server.port() + "/live/x")
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try {
            await("ffmpeg publishes live/x", () -> source("x") != null || !process.isAlive());
            LiveSource source = source("x");
            assertNotNull(source, () -> "ffmpeg did not publish:\n" + read(log));
            assertTrue(process.waitFor(30, TimeUnit.SECONDS), "ffmpeg finishes");
            assertEquals(0, process.exitValue(), () -> read(log));
            assertTrue(source.tagsIn() > 100, "3 s of 30 fps video and audio, got " + source.tagsIn() + " tags");
            await("ffmpeg's stream is unpublished", source::isEnded);
        } finally {
            process.destroyForcibly();
        }
    }

    private static String read(Path log) {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            return "(no ffmpeg log: " + e + ")";
        }
    }

    @Test
    void aggregateMessagesOverTheWire() throws Exception {
        RtmpServer server = startServer(Map.of());
        RtmpTestPublisher publisher = publish(server, "x");
        byte[] aggregate = HexFormat.of().parseHex(("08 000004 000000 00 000000 AF001210 0000000F"
                + " 08 000005 000017 00 000000 AF01214912 00000010").replace(" ", ""));
        publisher.send(new RtmpMessage(4, MessageType.AGGREGATE, 500, 1, aggregate));
        publisher.send(new RtmpMessage(5, MessageType.DATA_AMF0, 0, 1, Amf0.encode("onMetaData", Map.of())));
        await("three tags", () -> source("x").tagsIn() == 3);
        assertFalse(source("x").isEnded());
    }
}
