package io.streamlet.relay;

import static io.streamlet.testing.Decoding.assertDecodableH264Aac;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.streamlet.flv.ScriptData;
import io.streamlet.live.LiveSource;
import io.streamlet.live.StreamKey;
import io.streamlet.testing.EncodedMedia;
import io.streamlet.testing.ExternalTools;
import io.streamlet.testing.ExternalTools.Result;
import io.streamlet.testing.FlvCollector;
import io.streamlet.testing.HttpFlvClient;
import io.streamlet.testing.RtmpTestPlayer;
import io.streamlet.testing.RtmpTestPublisher;
import io.streamlet.testing.SyntheticMedia;
import io.streamlet.testing.TagLoopPublisher;
import io.streamlet.testing.WebContainer;
import java.io.ByteArrayOutputStream;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Pulls between two servers over real sockets: an origin where a stream is published, and an edge that
 * pulls it over HTTP-FLV on its first play ({@code streamlet.pull.sources}), in each embedded container.
 */
class PullIT {
    private static final StreamKey KEY = new StreamKey("live", "pulled");

    /** Publishes synthetic 30 fps media in real time on a thread, timestamps from 0, until closed. */
    private static final class LivePublisher implements AutoCloseable {
        private final RtmpTestPublisher publisher;
        private final Thread thread;
        private volatile boolean stopped;

        LivePublisher(int rtmpPort) throws Exception {
            publisher = RtmpTestPublisher.publish("127.0.0.1", rtmpPort, KEY.app(), KEY.stream());
            assertEquals("NetStream.Publish.Start", publisher.lastStatusCode());
            SyntheticMedia.sendHeaders(publisher);
            thread = new Thread(() -> {
                try {
                    for (int f = 0; !stopped; f++) {
                        SyntheticMedia.sendFrames(publisher, 0, f, f + 1, 300);
                        Thread.sleep(33);
                    }
                } catch (Exception e) {
                    // closed
                }
            }, "pull-it-publisher");
            thread.setDaemon(true);
            thread.start();
        }

        @Override
        public void close() throws Exception {
            stopped = true;
            thread.join(2000);
            publisher.close();
        }
    }

    private static Map<String, String> edgeKnobs(String url, String... more) {
        Map<String, String> knobs = new java.util.HashMap<>(Map.of("streamlet.pull.sources", "live/*=" + url,
                "streamlet.pull.idleTimeout", "2s", "streamlet.pull.maxStreamWait", "5s"));
        for (int i = 0; i < more.length; i += 2) knobs.put(more[i], more[i + 1]);
        return knobs;
    }

    private static String flvUrl(WebContainer origin) {
        return "http://127.0.0.1:" + origin.httpPort() + "/[app]/[stream].flv";
    }

    private static String get(WebContainer server, String path) throws Exception {
        HttpResponse<String> response = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.httpPort() + path)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, response.statusCode(), path);
        return response.body();
    }

    private static void await(BooleanSupplier condition, long timeoutMs, String what) throws InterruptedException {
        long deadline = System.currentTimeMillis() + timeoutMs;
        while (!condition.getAsBoolean()) {
            assertTrue(System.currentTimeMillis() < deadline, "timed out waiting: " + what);
            Thread.sleep(20);
        }
    }

    /** Indexes of the AVC sequence headers in {@code tags}. */
    private static List<Integer> videoHeaders(List<FlvCollector.Tag> tags) {
        List<Integer> at = new ArrayList<>();
        for (int i = 0; i < tags.size(); i++) if (tags.get(i).isVideo() && tags.get(i).isSequenceHeader()) at.add(i);
        return at;
    }

    private static void assertMonotonic(List<FlvCollector.Tag> tags) {
        for (int i = 1; i < tags.size(); i++) {
            assertTrue(tags.get(i).timestamp() >= tags.get(i - 1).timestamp(), "timestamp went back at tag " + i);
        }
    }

    @ParameterizedTest(name = "on {0}")
    @EnumSource(WebContainer.Kind.class)
    void twentyPlayersShareOneUpstreamAndStayAcrossItsRestart(WebContainer.Kind container) throws Exception {
        try (WebContainer origin = container.start(Map.of());
                WebContainer edge = container.start(edgeKnobs(flvUrl(origin)))) {
            LivePublisher publisher = new LivePublisher(origin.rtmpPort());
            List<HttpFlvClient> players = new ArrayList<>();
            try {
                for (int i = 0; i < 20; i++) players.add(new HttpFlvClient(edge.httpPort(), "GET", "/live/pulled.flv"));
                for (HttpFlvClient p : players) {
                    assertEquals(200, p.status);
                    p.readTags(20, 10_000);
                    assertTrue(p.flv.tags.stream().anyMatch(FlvCollector.Tag::isKeyframe), "player got media: " + p.flv.tags);
                }
                LiveSource atOrigin = origin.streamlet().registry().find(KEY);
                assertEquals(1, atOrigin.consumerCount(), "exactly one upstream for 20 players");
                assertEquals(1, edge.streamlet().pulls().startedCount());
                Pull pull = edge.streamlet().pulls().pulls().get(0);
                assertEquals(Pull.State.PULLING, pull.state());
                String api = get(edge, "/api/v1/pulls");
                assertTrue(api.contains("\"stream\":\"live/pulled\"") && api.contains("\"state\":\"pulling\"")
                        && api.contains("\"upstream\":\"http://127.0.0.1:" + origin.httpPort() + "/live/pulled.flv\""), api);
                assertTrue(get(edge, "/metrics").contains("streamlet_pull_started_total 1"));

                publisher.close(); // the origin's stream ends: the edge's upstream response ends with it
                await(() -> pull.reconnects() == 1, 5000, "the edge saw its upstream break");
                publisher = new LivePublisher(origin.rtmpPort()); // back, its clock from 0 again
                HttpFlvClient watcher = players.get(0);
                long deadline = System.currentTimeMillis() + 10_000;
                while (videoHeaders(watcher.flv.tags).size() < 2 && System.currentTimeMillis() < deadline) {
                    watcher.readTags(watcher.flv.tags.size() + 1, 1000);
                }
                List<Integer> headers = videoHeaders(watcher.flv.tags);
                assertEquals(2, headers.size(), "the restarted upstream's fresh sequence header reached the player");
                int resumed = headers.get(1);
                watcher.readTags(resumed + 40, 10_000);
                FlvCollector.Tag firstVideo = watcher.flv.tags.subList(resumed + 1, watcher.flv.tags.size()).stream()
                        .filter(FlvCollector.Tag::isVideo).findFirst().orElseThrow();
                assertTrue(firstVideo.isKeyframe(), "the player resumes at a keyframe: " + firstVideo);
                assertMonotonic(watcher.flv.tags);
                assertEquals(1, origin.streamlet().registry().find(KEY).consumerCount(), "still one upstream");
                for (HttpFlvClient p : players) assertTrue(!p.ended(), "no player lost");
            } finally {
                for (HttpFlvClient p : players) p.close();
                publisher.close();
            }
        }
    }

    @ParameterizedTest(name = "on {0}")
    @EnumSource(WebContainer.Kind.class)
    void idlePullStopsAndAPlayerBackInTimeReusesItAlsoOverRtmp(WebContainer.Kind container) throws Exception {
        try (WebContainer origin = container.start(Map.of());
                WebContainer edge = container.start(edgeKnobs(flvUrl(origin)));
                LivePublisher publisher = new LivePublisher(origin.rtmpPort())) {
            Pulls pulls = edge.streamlet().pulls();
            try (RtmpTestPlayer player = RtmpTestPlayer.play("rtmp://127.0.0.1:" + edge.rtmpPort() + "/live/pulled",
                    Duration.ofSeconds(10))) {
                player.awaitStatus("NetStream.Play.Start");
                assertTrue(player.awaitMedia(10, Duration.ofSeconds(10)).size() >= 10, "RTMP play of a pulled stream");
            }
            Thread.sleep(300); // well within the idle timeout
            try (HttpFlvClient back = new HttpFlvClient(edge.httpPort(), "GET", "/live/pulled.flv")) {
                back.readTags(10, 10_000);
                assertTrue(back.flv.tags.size() >= 10);
            }
            assertEquals(1, pulls.startedCount(), "the player back in time reused the pull");
            await(() -> pulls.pulls().isEmpty(), 5000, "the idle pull stopped");
            await(() -> edge.streamlet().registry().find(KEY) == null, 2000, "its stream unmounted");
            await(() -> origin.streamlet().registry().find(KEY).consumerCount() == 0, 2000, "the origin lost its edge player");
            try (HttpFlvClient later = new HttpFlvClient(edge.httpPort(), "GET", "/live/pulled.flv")) {
                assertEquals(200, later.status, "a later player starts a new pull");
                later.readTags(10, 10_000);
                assertTrue(later.flv.tags.size() >= 10);
            }
            assertEquals(2, pulls.startedCount());
        }
    }

    @ParameterizedTest(name = "on {0}")
    @EnumSource(WebContainer.Kind.class)
    void silentSourceGives404AfterMaxStreamWaitAndHopsStopLoops(WebContainer.Kind container) throws Exception {
        try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
                WebContainer edge = container.start(edgeKnobs("http://127.0.0.1:" + silent.getLocalPort() + "/[stream].flv",
                        "streamlet.pull.maxStreamWait", "2s"))) {
            List<Socket> accepted = new ArrayList<>();
            Thread acceptor = new Thread(() -> {
                try {
                    while (true) accepted.add(silent.accept()); // and never answers
                } catch (Exception closed) {
                    // the test ended
                }
            });
            acceptor.setDaemon(true);
            acceptor.start();
            long start = System.nanoTime();
            try (HttpFlvClient player = new HttpFlvClient(edge.httpPort(), "GET", "/live/nowhere.flv")) {
                long waitedMs = (System.nanoTime() - start) / 1_000_000;
                assertEquals(404, player.status);
                assertTrue(waitedMs >= 1800 && waitedMs < 6000, "404 after maxStreamWait, not a hang: " + waitedMs + " ms");
            }
            start = System.nanoTime();
            try (HttpFlvClient relayed = new HttpFlvClient(edge.httpPort(), "GET", "/live/other.flv",
                    Map.of(Pulls.HOPS_HEADER, "2"))) {
                assertEquals(404, relayed.status);
                assertTrue((System.nanoTime() - start) / 1_000_000 < 1000, "past maxHops: 404 at once");
            }
            assertNull(edge.streamlet().registry().find(new StreamKey("live", "other")));
            assertNotNull(edge.streamlet().pulls());
            await(() -> edge.streamlet().pulls().pulls().isEmpty(), 5000, "the pull that found nothing stopped");
            for (Socket s : accepted) s.close();
        }
    }

    @ParameterizedTest(name = "on {0}")
    @EnumSource(WebContainer.Kind.class)
    void pullsFromFfmpegServingRtmpAndTheStreamDecodes(WebContainer.Kind container) throws Exception {
        String ffmpeg = ExternalTools.require("ffmpeg", "ffmpeg");
        String ffprobe = ExternalTools.require("ffprobe", "ffmpeg");
        int port;
        try (ServerSocket free = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = free.getLocalPort();
        }
        Process server = ExternalTools.start(List.of(ffmpeg, "-hide_banner", "-loglevel", "error", "-re",
                "-f", "lavfi", "-i", "testsrc2=size=320x180:rate=25", "-f", "lavfi", "-i", "sine=frequency=440",
                "-c:v", "libx264", "-preset", "ultrafast", "-g", "25", "-pix_fmt", "yuv420p", "-c:a", "aac", "-t", "20",
                "-f", "flv", "-listen", "1", "rtmp://127.0.0.1:" + port + "/live/cam"));
        try (WebContainer edge = container.start(edgeKnobs("rtmp://127.0.0.1:" + port + "/[app]/[stream]",
                "streamlet.pull.maxStreamWait", "10s"))) {
            Result probe = ExternalTools.run(List.of(ffprobe, "-hide_banner", "-v", "error", "-show_entries",
                    "stream=codec_name,width,height", "-of", "compact",
                    "http://127.0.0.1:" + edge.httpPort() + "/live/cam.flv"), 30);
            assertEquals(0, probe.exitCode(), probe.output());
            assertTrue(probe.output().contains("codec_name=h264|width=320|height=180"), probe.output());
            assertTrue(probe.output().contains("codec_name=aac"), probe.output());
            assertDecodableH264Aac("rtmp://127.0.0.1:" + edge.rtmpPort() + "/live/cam"); // within the idle timeout: the same pull
            assertEquals(1, edge.streamlet().pulls().startedCount());
            Pull pull = edge.streamlet().pulls().pulls().get(0);
            assertEquals("rtmp://127.0.0.1:" + port + "/live/cam", pull.upstreamUrl().toString());
            assertTrue(pull.bytesIn() > 0);
        } finally {
            server.destroy();
            server.waitFor();
        }
    }

    @ParameterizedTest(name = "on {0}")
    @EnumSource(WebContainer.Kind.class)
    void pullsFromAnotherStreamletOverRtmpAcrossARestart(WebContainer.Kind container) throws Exception {
        try (WebContainer origin = container.start(Map.of());
                WebContainer edge = container.start(edgeKnobs("rtmp://127.0.0.1:" + origin.rtmpPort() + "/[app]/[stream]"))) {
            LivePublisher publisher = new LivePublisher(origin.rtmpPort());
            try (HttpFlvClient player = new HttpFlvClient(edge.httpPort(), "GET", "/live/pulled.flv")) {
                assertEquals(200, player.status);
                player.readTags(30, 10_000);
                assertTrue(player.flv.tags.stream().anyMatch(FlvCollector.Tag::isKeyframe), "media over RTMP: " + player.flv.tags);
                assertTrue(player.flv.tags.stream().noneMatch(t -> t.type() == 18 && !ScriptData.parse(t.body()).isMetadata()),
                        "no RTMP-only data messages: " + player.flv.tags);
                assertEquals(1, origin.streamlet().players().size(), "the edge plays once at the origin");

                publisher.close();
                publisher = new LivePublisher(origin.rtmpPort());
                long deadline = System.currentTimeMillis() + 10_000;
                while (videoHeaders(player.flv.tags).size() < 2 && System.currentTimeMillis() < deadline) {
                    player.readTags(player.flv.tags.size() + 1, 1000);
                }
                assertEquals(2, videoHeaders(player.flv.tags).size(), "the player goes on after the restart");
                player.readTags(videoHeaders(player.flv.tags).get(1) + 30, 10_000);
                assertMonotonic(player.flv.tags);
            } finally {
                publisher.close();
            }
        }
    }

    @ParameterizedTest(name = "on {0}")
    @EnumSource(WebContainer.Kind.class)
    void aWebSocketFlvPlayerOfAPulledStreamReceivesDecodableFlv(WebContainer.Kind container, @TempDir Path dir) throws Exception {
        ExternalTools.require("ffmpeg", "ffmpeg");
        List<FlvCollector.Tag> media = EncodedMedia.flvTags(true, "aac", 2);
        try (WebContainer origin = container.start(Map.of());
                WebContainer edge = container.start(edgeKnobs("rtmp://127.0.0.1:" + origin.rtmpPort() + "/[app]/[stream]"));
                TagLoopPublisher publisher = new TagLoopPublisher(origin.rtmpPort(), "live", List.of("ws"), media, 2000)) {
            ByteArrayOutputStream received = new ByteArrayOutputStream();
            WebSocket.Listener collector = new WebSocket.Listener() {
                @Override
                public CompletionStage<?> onBinary(WebSocket ws, ByteBuffer data, boolean last) {
                    synchronized (received) {
                        while (data.hasRemaining()) received.write(data.get());
                    }
                    ws.request(1);
                    return null;
                }
            };
            WebSocket ws = HttpClient.newHttpClient().newWebSocketBuilder()
                    .buildAsync(URI.create("ws://127.0.0.1:" + edge.httpPort() + "/live/ws.flv"), collector)
                    .get(10, TimeUnit.SECONDS); // the upgrade answers once the pull has mounted the stream
            Thread.sleep(3500); // over two seconds of media after the join burst
            ws.abort();
            Path flv = dir.resolve("pulled.flv");
            synchronized (received) {
                Files.write(flv, received.toByteArray());
            }
            assertDecodableH264Aac(flv.toString());
            assertEquals(1, edge.streamlet().pulls().startedCount());
        }
    }
}
