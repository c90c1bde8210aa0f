package io.streamlet.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.streamlet.testing.FlvCollector;
import io.streamlet.testing.HttpFlvClient;
import io.streamlet.testing.LivePublisher;
import io.streamlet.testing.RedisServer;
import io.streamlet.testing.StandaloneContainer;
import io.streamlet.testing.WebContainer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code kill -9} of an origin: origin A is the packaged WAR run as a process of its own ({@code java -jar}),
 * killed by its pid while an edge serves its stream; the publisher goes to origin B once A's directory entry
 * expired, and the edge's players go on with B's media and time still going forward.
 */
class OriginCrashIT {
    private static final long HEARTBEAT_MS = 300;

    @TempDir
    Path tmp;
    private RedisServer redis;
    private Process originA;
    private WebContainer container;
    private final List<AutoCloseable> opened = new ArrayList<>();

    @AfterEach
    void stop() throws Exception {
        for (int i = opened.size() - 1; i >= 0; i--) opened.get(i).close();
        if (originA != null && originA.isAlive()) originA.destroyForcibly().waitFor();
        if (container != null) container.close();
        if (redis != null) redis.close();
    }

    /** Origin A: {@code java -jar streamlet.war}, a cluster origin on free ports. Returns its RTMP port. */
    private int startOriginA() throws Exception {
        int httpPort = StandaloneContainer.freePort();
        int rtmpPort = StandaloneContainer.freePort();
        Path log = tmp.resolve("origin-a.log");
        List<String> command = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Djava.io.tmpdir=" + tmp, "-Xmx256m", "-Dstreamlet.rtmp.host=127.0.0.1", "-Dstreamlet.rtmp.port=" + rtmpPort,
                "-Dstreamlet.cluster.mode=origin", "-Dstreamlet.cluster.redis=" + redis.uri(),
                "-Dstreamlet.cluster.nodeUrl=http://127.0.0.1:" + httpPort, "-Dstreamlet.cluster.heartbeat=" + HEARTBEAT_MS + "ms",
                "-Dstreamlet.hls.enabled=false",
                "-jar", System.getProperty("streamlet.war", "target/streamlet.war"),
                "--http-host=127.0.0.1", "--http-port=" + httpPort);
        originA = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!Files.readString(log).contains("Streamlet serves")) {
            assertTrue(originA.isAlive() && System.nanoTime() < deadline, "origin A did not start:\n" + Files.readString(log));
            Thread.sleep(100);
        }
        return rtmpPort;
    }

    private static void readKeyframe(HttpFlvClient player, int tagsBefore) throws Exception {
        long deadline = System.currentTimeMillis() + 15_000;
        while (player.flv.tags.stream().skip(tagsBefore).noneMatch(t -> t.isVideo() && t.isKeyframe() && !t.isSequenceHeader())) {
            assertFalse(player.ended(), "the edge ended the player's response");
            assertTrue(System.currentTimeMillis() < deadline, "no keyframe within 15 s; tags: " + player.flv.tags.size());
            player.readTags(player.flv.tags.size() + 1, 1000);
        }
    }

    @Test
    void theEdgeKeepsItsPlayersThroughAnOriginsCrashAndTheRepublishOnAnother() throws Exception {
        redis = RedisServer.start();
        int rtmpA = startOriginA();
        container = WebContainer.Kind.JETTY.start(Map.of("streamlet.rtmp.enabled", "false"));
        String base = "http://127.0.0.1:" + container.httpPort();
        WebContainer.Webapp originB = container.deploy("/b", Map.of("streamlet.cluster.mode", "origin",
                "streamlet.cluster.redis", redis.uri().toString(), "streamlet.cluster.nodeUrl", base + "/b",
                "streamlet.cluster.heartbeat", HEARTBEAT_MS + "ms"));
        container.deploy("/e1", Map.of("streamlet.cluster.mode", "edge", "streamlet.cluster.redis", redis.uri().toString(),
                "streamlet.cluster.nodeUrl", base + "/e1"));

        LivePublisher onA = new LivePublisher(rtmpA, "cam");
        opened.add(onA);
        List<HttpFlvClient> players = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            HttpFlvClient p = new HttpFlvClient(container.httpPort(), "GET", "/e1/live/cam.flv");
            opened.add(p);
            assertEquals(200, p.status);
            players.add(p);
        }
        for (HttpFlvClient p : players) readKeyframe(p, 0);
        int[] before = players.stream().mapToInt(p -> p.flv.tags.size()).toArray();

        originA.destroyForcibly(); // SIGKILL: no unpublish, no release; its entry lives until its time to live
        originA.waitFor();
        long killed = System.nanoTime();
        LivePublisher onB = null;
        int refusals = 0;
        while (onB == null) {
            try {
                onB = new LivePublisher(originB.rtmpPort(), "cam");
                opened.add(onB);
            } catch (IOException refused) {
                refusals++;
                assertTrue(System.nanoTime() - killed < TimeUnit.SECONDS.toNanos(5), "B still refused: " + refused.getMessage());
                Thread.sleep(100);
            }
        }
        long republishedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killed);
        for (int i = 0; i < players.size(); i++) readKeyframe(players.get(i), before[i]);
        long failoverMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killed);
        System.out.printf("crash failover: B accepted the publish %d ms after the kill (%d refusals while A's entry lived);"
                + " players had B's keyframe after %d ms%n", republishedMs, refusals, failoverMs);
        assertTrue(failoverMs < 10_000, "crash failover took " + failoverMs + " ms");
        for (HttpFlvClient p : players) {
            assertFalse(p.ended());
            long last = -1;
            for (FlvCollector.Tag tag : p.flv.media()) {
                assertTrue(tag.timestamp() >= last, "timestamp went back from " + last + " to " + tag.timestamp());
                last = tag.timestamp();
            }
        }
    }
}
