package io.streamlet.relay;

import static io.streamlet.testing.Decoding.assertDecodableH264Aac;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import io.streamlet.live.StreamKey;
import io.streamlet.server.Streamlet;
import io.streamlet.testing.EncodedMedia;
import io.streamlet.testing.ExternalTools;
import io.streamlet.testing.FlvCollector;
import io.streamlet.testing.LocalServers;
import io.streamlet.testing.RtmpTestPlayer;
import io.streamlet.testing.RtmpTestPublisher;
import io.streamlet.testing.SyntheticMedia;
import io.streamlet.testing.TagLoopPublisher;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Forwarding end to end over real sockets, without a servlet container (forwards do not touch the web path):
 * a Streamlet publishes real H.264 + AAC to another Streamlet, to ffmpeg listening and to nginx's RTMP module
 * (which another Streamlet then pulls from),
 * each of which must give decodable video and audio; and bad destinations harm neither the publisher nor a player.
 */
class ForwardIT {
    private static final StreamKey LIVE_X = new StreamKey("live", "x");
    private static List<FlvCollector.Tag> media;

    private final LocalServers servers = new LocalServers();

    @TempDir
    Path dir;

    @BeforeAll
    static void encode() throws Exception {
        ExternalTools.require("ffmpeg", "ffmpeg");
        media = EncodedMedia.flvTags(true, "aac", 2);
    }

    @AfterEach
    void closeAll() throws Exception {
        servers.close();
    }

    private TagLoopPublisher publish(Streamlet server) throws IOException {
        TagLoopPublisher publisher = new TagLoopPublisher(server.rtmpPort(), "live", List.of("x"), media, 2000);
        servers.closeLater(publisher);
        return publisher;
    }

    @Test
    void forwardsToAnotherStreamletUntilThePublishEnds() throws Exception {
        Streamlet destination = servers.start();
        Streamlet origin = servers.start("streamlet.forward.destinations", "rtmp://127.0.0.1:" + destination.rtmpPort() + "/[app]/[stream]-copy");
        TagLoopPublisher publisher = publish(origin);
        StreamKey copy = new StreamKey("live", "x-copy");
        await(() -> destination.registry().find(copy) != null, "the copy published on the destination");
        assertDecodableH264Aac("rtmp://127.0.0.1:" + destination.rtmpPort() + "/live/x-copy");

        Forward forward = origin.forwards().forwards().get(0);
        assertEquals(Forward.State.FORWARDING, forward.state());
        assertEquals(LIVE_X, forward.source().key());
        assertTrue(forward.bytesSent() > 100_000, "bytes sent: " + forward.bytesSent());
        assertEquals(0, forward.reconnects());
        assertEquals(1, origin.forwards().connects());

        publisher.close();
        await(() -> origin.forwards().forwards().isEmpty(), "the forward stopped with its publish");
        await(() -> destination.registry().find(copy) == null, "the copy unpublished");
        assertEquals(0, origin.forwards().failures());
        assertEquals(0, origin.relayIo().connectionCount());
    }

    @Test
    void forwardsWhereTheBackendSays() throws Exception {
        Streamlet destination = servers.start();
        BlockingQueue<JsonNode> asked = new LinkedBlockingQueue<>();
        HttpServer backend = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 8);
        backend.createContext("/forward", exchange -> {
            asked.add(new ObjectMapper().readTree(exchange.getRequestBody()));
            byte[] answer = ("{\"code\":0,\"data\":{\"urls\":[\"rtmp://127.0.0.1:" + destination.rtmpPort()
                    + "/live/from-backend?token=t\"]}}").getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, answer.length);
            exchange.getResponseBody().write(answer);
            exchange.close();
        });
        backend.start();
        servers.closeLater(() -> backend.stop(0));
        Streamlet origin = servers.start("streamlet.forward.backend", "http://127.0.0.1:" + backend.getAddress().getPort() + "/forward");
        publish(origin);
        JsonNode request = asked.poll(10, java.util.concurrent.TimeUnit.SECONDS);
        assertNotNull(request, "the backend was asked");
        assertEquals("on_forward", request.path("action").asText());
        assertEquals("live", request.path("app").asText());
        assertEquals("x", request.path("stream").asText());
        assertEquals(origin.registry().find(LIVE_X).publisherId(), request.path("client_id").asText());
        assertEquals("127.0.0.1", request.path("ip").asText());
        assertEquals(origin.serverId(), request.path("server_id").asText());
        assertEquals("__defaultVhost__", request.path("vhost").asText());
        await(() -> destination.registry().find(new StreamKey("live", "from-backend")) != null, "the backend's destination got the stream");
        assertEquals("rtmp://127.0.0.1:" + destination.rtmpPort() + "/live/from-backend?token=t",
                origin.forwards().forwards().get(0).destination());
    }

    @Test
    void forwardsToFfmpegListening() throws Exception {
        String ffmpeg = ExternalTools.require("ffmpeg", "ffmpeg");
        int port = freePort();
        Path received = dir.resolve("received.flv");
        // ffmpeg may still be starting: the forward finds a closed port first and retries with backoff.
        Process listener = ExternalTools.start(List.of(ffmpeg, "-hide_banner", "-loglevel", "error", "-listen", "1",
                "-i", "rtmp://127.0.0.1:" + port + "/live/x", "-t", "3", "-c", "copy", "-y", received.toString()));
        servers.closeLater(listener::destroy);
        Streamlet origin = servers.start("streamlet.forward.destinations", "rtmp://127.0.0.1:" + port + "/live/[stream]");
        publish(origin);
        assertTrue(listener.waitFor(20, java.util.concurrent.TimeUnit.SECONDS), "ffmpeg received 3 s of media");
        assertEquals(0, listener.exitValue());
        assertDecodableH264Aac(received.toString());
        assertTrue(origin.forwards().connects() >= 1);
    }

    @Test
    void forwardsToNginxRtmpAndAnotherStreamletPullsItBack() throws Exception {
        String nginx = ExternalTools.require("nginx", "nginx libnginx-mod-rtmp");
        Path module = Path.of("/usr/lib/nginx/modules/ngx_rtmp_module.so");
        if (!Files.exists(module)) ExternalTools.require("ngx_rtmp_module.so", "libnginx-mod-rtmp");
        int port = freePort();
        Files.writeString(dir.resolve("nginx.conf"), String.join("\n",
                "load_module " + module + ";",
                "pid " + dir.resolve("nginx.pid") + ";",
                "error_log " + dir.resolve("error.log") + " info;",
                "events { worker_connections 64; }",
                "rtmp { server { listen 127.0.0.1:" + port + "; application live { live on; } } }", ""));
        Process server = ExternalTools.start(List.of(nginx, "-p", dir.toString(), "-c", dir.resolve("nginx.conf").toString(),
                "-g", "daemon off; master_process off;"));
        servers.closeLater(() -> {
            server.destroy();
            server.waitFor();
        });
        Streamlet origin = servers.start("streamlet.forward.destinations", "rtmp://127.0.0.1:" + port + "/[app]/[stream]");
        publish(origin);
        await(() -> origin.forwards().connects() >= 1, "nginx accepted the publish");
        assertDecodableH264Aac("rtmp://127.0.0.1:" + port + "/live/x");

        // Pull (issue 13): nginx-rtmp as the source of a pull, on a play of the stream here. nginx sends a new
        // subscriber up to a GOP of audio before its first keyframe; a short track guess makes sure that lead
        // always outlasts it (it once made the pulled stream audio only when the lead outlasted the default 1 s).
        Streamlet edge = servers.start("streamlet.live.trackGuess", "200ms",
                "streamlet.pull.sources", "live/*=rtmp://127.0.0.1:" + port + "/[app]/[stream]");
        assertDecodableH264Aac("rtmp://127.0.0.1:" + edge.rtmpPort() + "/live/x");
        assertEquals("rtmp://127.0.0.1:" + port + "/live/x", edge.pulls().pulls().get(0).upstreamUrl().toString());
    }

    @Test
    void badDestinationsHarmNeitherThePublisherNorAPlayer() throws Exception {
        Streamlet destination = servers.start();
        try (RtmpTestPublisher taken = RtmpTestPublisher.publish("127.0.0.1", destination.rtmpPort(), "live", "taken");
                ServerSocket garbage = new ServerSocket(0, 8, InetAddress.getLoopbackAddress());
                NeverReads stalled = new NeverReads(destination.rtmpPort())) {
            SyntheticMedia.sendHeaders(taken);
            startGarbageServer(garbage);
            Streamlet origin = servers.start(
                    "streamlet.http.playerStallTimeout", "1s",
                    "streamlet.forward.timeout", "2s",
                    "streamlet.forward.destinations", String.join(",",
                            "rtmp://127.0.0.1:" + freePort() + "/live/closed",
                            "rtmp://127.0.0.1:" + garbage.getLocalPort() + "/live/garbage",
                            "rtmp://127.0.0.1:" + destination.rtmpPort() + "/live/taken",
                            "rtmp://127.0.0.1:" + stalled.port() + "/live/stalled"));
            // Synthetic frames of 2 MB/s: a destination that does not read fills the sockets' buffers within seconds.
            SyntheticPublisher publisher = new SyntheticPublisher(origin.rtmpPort(), 64 * 1024);
            try (RtmpTestPlayer player = RtmpTestPlayer.play("rtmp://127.0.0.1:" + origin.rtmpPort() + "/live/x")) {
                player.awaitStatus("NetStream.Play.Start");
                Forwards forwards = origin.forwards();
                for (String name : List.of("closed", "garbage", "taken", "stalled")) {
                    await(() -> forwards.forwards().stream().anyMatch(f -> f.destination().endsWith("/" + name) && f.reconnects() >= 1),
                            "the forward to " + name + " failed and was rescheduled");
                }
                assertTrue(forwards.failures() >= 3, "failures: " + forwards.failures());
                int before = player.media().size();
                Thread.sleep(1000);
                assertTrue(player.media().size() >= before + 40, "the player kept receiving: " + before + " then " + player.media().size());
                assertNull(publisher.failure, "the publisher kept going");
                assertNotNull(origin.registry().find(LIVE_X).publisherId());
            }
            publisher.close();
            await(() -> origin.forwards().forwards().isEmpty(), "every forward stopped with the publish");
        }
    }

    /** Publishes live/x: 30 fps of synthetic H.264 frames of {@code frameBytes}, a keyframe a second, AAC between, in real time. */
    private static final class SyntheticPublisher implements AutoCloseable {
        private final RtmpTestPublisher publisher;
        private final Thread thread;
        private volatile boolean stopped;
        volatile Exception failure;

        SyntheticPublisher(int port, int frameBytes) throws IOException {
            publisher = RtmpTestPublisher.publish("127.0.0.1", port, "live", "x");
            publisher.setChunkSize(60_000);
            SyntheticMedia.sendHeaders(publisher);
            thread = new Thread(() -> {
                long start = System.nanoTime();
                try {
                    for (int f = 0; !stopped; f++) {
                        SyntheticMedia.sendFrames(publisher, 0, f, f + 1, frameBytes);
                        long due = start + (f + 1) * 1_000_000_000L / 30;
                        long wait = due - System.nanoTime();
                        if (wait > 0) Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
                    }
                } catch (IOException | InterruptedException e) {
                    if (!stopped) failure = e;
                }
            }, "synthetic-publisher");
            thread.start();
        }

        @Override
        public void close() throws Exception {
            stopped = true;
            thread.join(5_000);
            publisher.close();
        }
    }

    private static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) fail("timed out waiting for " + what);
            Thread.sleep(50);
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /** Answers every connection with bytes that are not an RTMP handshake. */
    private static void startGarbageServer(ServerSocket server) {
        Thread t = new Thread(() -> {
            while (!server.isClosed()) {
                try (Socket s = server.accept(); OutputStream out = s.getOutputStream()) {
                    out.write("SSH-2.0-OpenSSH_9.2\r\n".getBytes());
                    out.flush();
                    s.getInputStream().read(new byte[4096]);
                } catch (IOException e) {
                    // the client hung up, or the server closed
                }
            }
        }, "garbage-server");
        t.setDaemon(true);
        t.start();
    }

    /**
     * A proxy to a real RTMP server that relays the client's first bytes (handshake, commands, the first media)
     * and then stops reading from it, with a small receive buffer: a destination that accepts and never reads.
     */
    private static final class NeverReads implements AutoCloseable {
        private static final int RELAYED = 16 * 1024;
        private final ServerSocket server;
        private final List<Socket> sockets = new ArrayList<>();

        NeverReads(int upstreamPort) throws IOException {
            server = new ServerSocket();
            server.setReceiveBufferSize(4096);
            server.bind(new java.net.InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 8);
            Thread t = new Thread(() -> {
                while (!server.isClosed()) {
                    try {
                        Socket client = server.accept();
                        Socket upstream = new Socket(InetAddress.getLoopbackAddress(), upstreamPort);
                        synchronized (sockets) {
                            sockets.add(client);
                            sockets.add(upstream);
                        }
                        pump(upstream.getInputStream(), client.getOutputStream(), Long.MAX_VALUE);
                        pump(client.getInputStream(), upstream.getOutputStream(), RELAYED);
                    } catch (IOException e) {
                        return;
                    }
                }
            }, "never-reads");
            t.setDaemon(true);
            t.start();
        }

        int port() {
            return server.getLocalPort();
        }

        private static void pump(InputStream in, OutputStream out, long limit) {
            Thread t = new Thread(() -> {
                byte[] buf = new byte[1024];
                long total = 0;
                try {
                    for (int n; total < limit && (n = in.read(buf, 0, (int) Math.min(buf.length, limit - total))) > 0; total += n) {
                        out.write(buf, 0, n);
                    }
                    if (total >= limit) Thread.sleep(Long.MAX_VALUE); // stop reading, keep the connection open
                } catch (IOException | InterruptedException e) {
                    // closed
                }
            }, "never-reads-pump");
            t.setDaemon(true);
            t.start();
        }

        @Override
        public void close() throws IOException {
            server.close();
            synchronized (sockets) {
                for (Socket s : sockets) s.close();
            }
        }
    }
}
