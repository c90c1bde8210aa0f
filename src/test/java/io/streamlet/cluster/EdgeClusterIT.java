package io.streamlet.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.streamlet.live.Client;
import io.streamlet.live.StreamKey;
import io.streamlet.relay.Pull;
import io.streamlet.server.Streamlet;
import io.streamlet.testing.FlvCollector;
import io.streamlet.testing.HookServer;
import io.streamlet.testing.HttpFlvClient;
import io.streamlet.testing.LivePublisher;
import io.streamlet.testing.RedisServer;
import io.streamlet.testing.RtmpTestPublisher;
import io.streamlet.testing.WebContainer;
import java.io.IOException;
import java.net.URI;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Two origins and two edges, each a Streamlet webapp of its own in one embedded Jetty (its own RTMP port and
 * context path: {@code /a}, {@code /b}, {@code /e1}, {@code /e2}), edges pulling over real HTTP-FLV. Every case
 * runs with the Redis directory and with the directory off (edges know the origins from their static list).
 */
class EdgeClusterIT {
    private static final StreamKey KEY = new StreamKey("live", "cam");
    /** Long enough for a first pull on a loaded machine (it takes a few hundred ms on an idle one). */
    private static final long MAX_STREAM_WAIT_MS = 8000;

    enum Directory { REDIS, STATIC }

    private RedisServer redis;
    private WebContainer container;
    private WebContainer.Webapp originA;
    private WebContainer.Webapp originB;
    private WebContainer.Webapp edge1;
    private WebContainer.Webapp edge2;
    private final List<AutoCloseable> opened = new ArrayList<>();

    private void startCluster(Directory directory) throws Exception {
        startCluster(directory, Map.of(), Map.of());
    }

    /** As {@link #startCluster(Directory)}, with more knobs for the origins and for the edges. */
    private void startCluster(Directory directory, Map<String, String> originKnobs, Map<String, String> edgeKnobs)
            throws Exception {
        container = WebContainer.Kind.JETTY.start(Map.of("streamlet.rtmp.enabled", "false"));
        String base = "http://127.0.0.1:" + container.httpPort();
        Map<String, String> origin = new LinkedHashMap<>(Map.of("streamlet.cluster.mode", "origin",
                "streamlet.cluster.heartbeat", "300ms"));
        // with Redis an edge finds streams in the directory, and falls back to origin A alone (Redis down);
        // without, it tries A then B
        Map<String, String> edge = new LinkedHashMap<>(Map.of("streamlet.cluster.mode", "edge",
                "streamlet.cluster.idleTimeout", "1s", "streamlet.cluster.maxStreamWait", MAX_STREAM_WAIT_MS + "ms",
                "streamlet.cluster.origins", directory == Directory.REDIS ? base + "/a" : base + "/a," + base + "/b"));
        origin.putAll(originKnobs);
        edge.putAll(edgeKnobs);
        if (directory == Directory.REDIS) {
            redis = RedisServer.start();
            origin.put("streamlet.cluster.redis", redis.uri().toString());
            edge.put("streamlet.cluster.redis", redis.uri().toString());
        }
        originA = container.deploy("/a", with(origin, "streamlet.cluster.nodeUrl", base + "/a"));
        originB = container.deploy("/b", with(origin, "streamlet.cluster.nodeUrl", base + "/b"));
        edge1 = container.deploy("/e1", with(edge, "streamlet.cluster.nodeUrl", base + "/e1"));
        edge2 = container.deploy("/e2", with(edge, "streamlet.cluster.nodeUrl", base + "/e2"));
    }

    private static Map<String, String> with(Map<String, String> knobs, String name, String value) {
        Map<String, String> all = new LinkedHashMap<>(knobs);
        all.put(name, value);
        return all;
    }

    @AfterEach
    void stop() throws Exception {
        for (int i = opened.size() - 1; i >= 0; i--) opened.get(i).close();
        if (container != null) container.close();
        if (redis != null) redis.close();
    }

    private <T extends AutoCloseable> T open(T closeable) {
        opened.add(closeable);
        return closeable;
    }

    private HttpFlvClient play(WebContainer.Webapp edge) throws IOException {
        return open(new HttpFlvClient(container.httpPort(), "GET", edge.contextPath() + "/live/cam.flv"));
    }

    private static List<Pull> pulls(WebContainer.Webapp node) {
        return node.streamlet().pulls().pulls();
    }

    private static void await(String what, long timeoutMs, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) throw new AssertionError("timed out waiting until " + what);
            Thread.sleep(20);
        }
    }

    /** Reads until the player has a video keyframe after {@code tagsBefore} tags. */
    private static void readKeyframe(HttpFlvClient player, int tagsBefore) throws Exception {
        long deadline = System.currentTimeMillis() + 10_000;
        while (player.flv.tags.stream().skip(tagsBefore).noneMatch(t -> t.isVideo() && t.isKeyframe() && !t.isSequenceHeader())) {
            assertFalse(player.ended(), "the edge ended the player's response");
            assertTrue(System.currentTimeMillis() < deadline, "no keyframe within 10 s; tags: " + player.flv.tags.size());
            player.readTags(player.flv.tags.size() + 1, 1000);
        }
    }

    private static void assertMonotonic(HttpFlvClient player) {
        long last = -1;
        for (FlvCollector.Tag tag : player.flv.media()) {
            assertTrue(tag.timestamp() >= last, "timestamp went back from " + last + " to " + tag.timestamp());
            last = tag.timestamp();
        }
    }

    @ParameterizedTest(name = "directory {0}")
    @EnumSource(Directory.class)
    void anEdgePullsAStreamPublishedOnAnOriginOnceForAllItsPlayers(Directory directory) throws Exception {
        startCluster(directory);
        // on B: with Redis only the directory knows it (the edges' static list is A alone)
        open(new LivePublisher(originB.rtmpPort(), "cam"));
        HttpFlvClient first = play(edge1);
        assertEquals(200, first.status);
        readKeyframe(first, 0);
        assertTrue(first.flv.tags.get(0).type() == 18, "metadata first: " + first.flv.tags.get(0));

        List<HttpFlvClient> players = new ArrayList<>();
        for (int i = 0; i < 49; i++) players.add(play(edge1));
        for (HttpFlvClient p : players) {
            assertEquals(200, p.status);
            readKeyframe(p, 0);
        }
        assertEquals(1, pulls(edge1).size(), "one upstream for 50 players");
        Pull pull = pulls(edge1).get(0);
        assertEquals(originB.streamlet().config().cluster().nodeUrl() + "/live/cam.flv", pull.upstreamUrl().toString());
        List<Client> onOrigin = originB.streamlet().players().stream().filter(c -> KEY.equals(c.streamKey())).toList();
        assertEquals(1, onOrigin.size(), "the origin serves the edge once: " + onOrigin);
        assertEquals("edge", onOrigin.get(0).type(), "the origin shows the edge's pull as an edge");
        assertEquals(50, edge1.streamlet().players().size());
        assertTrue(pulls(edge2).isEmpty(), "an edge without players pulls nothing");

        String edgeStreams = get("/e1/api/v1/streams/");
        assertTrue(edgeStreams.contains("\"upstream\":{\"url\":\"" + pull.upstreamUrl() + "\",\"state\":\"pulling\""), edgeStreams);
        assertTrue(get("/b/api/v1/clients/").contains("\"type\":\"edge\""));
        if (directory == Directory.REDIS) {
            assertTrue(get("/b/metrics").contains("streamlet_cluster_claims_total 1"), get("/b/metrics"));
        }
    }

    private String get(String path) throws IOException {
        try (var in = URI.create(container.url(path)).toURL().openStream()) {
            return new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        }
    }

    @ParameterizedTest(name = "directory {0}")
    @EnumSource(Directory.class)
    void anOriginAnswersAStreamItDoesNotHaveAtOnceAndAnEdgeWaitsThenGives404(Directory directory) throws Exception {
        startCluster(directory);
        long start = System.nanoTime();
        try (HttpFlvClient onOrigin = new HttpFlvClient(container.httpPort(), "GET", "/a/live/cam.flv")) {
            assertEquals(404, onOrigin.status);
        }
        assertTrue(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start) < 1000, "an origin does not wait");
        start = System.nanoTime();
        assertEquals(404, play(edge1).status);
        long waitedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertTrue(waitedMs >= MAX_STREAM_WAIT_MS - 500 && waitedMs < MAX_STREAM_WAIT_MS + 4000,
                "the edge's player waited " + waitedMs + " ms (maxStreamWait " + MAX_STREAM_WAIT_MS + " ms)");
    }

    @ParameterizedTest(name = "directory {0}")
    @EnumSource(Directory.class)
    void playersStayWhenThePublisherMovesToTheOtherOrigin(Directory directory) throws Exception {
        startCluster(directory);
        LivePublisher onA = new LivePublisher(originA.rtmpPort(), "cam");
        List<HttpFlvClient> players = new ArrayList<>();
        for (int i = 0; i < 3; i++) players.add(play(edge1));
        for (HttpFlvClient p : players) readKeyframe(p, 0);
        int[] before = players.stream().mapToInt(p -> p.flv.tags.size()).toArray();

        onA.close();
        long moved = System.nanoTime();
        LivePublisher onB = null;
        while (onB == null) { // with Redis, B may publish once A released the stream (at once, when it ended)
            try {
                onB = open(new LivePublisher(originB.rtmpPort(), "cam"));
            } catch (IOException refused) {
                assertTrue(System.nanoTime() - moved < TimeUnit.SECONDS.toNanos(5), refused.getMessage());
                Thread.sleep(50);
            }
        }
        for (int i = 0; i < players.size(); i++) readKeyframe(players.get(i), before[i]);
        long failoverMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - moved);
        System.out.printf("graceful failover (%s): players had B's first keyframe %d ms after A's publisher left%n",
                directory, failoverMs);
        assertTrue(failoverMs < 4000, "failover took " + failoverMs + " ms");
        for (HttpFlvClient p : players) {
            assertFalse(p.ended());
            assertMonotonic(p);
        }
        assertEquals(1, pulls(edge1).size());
        assertTrue(pulls(edge1).get(0).upstreamUrl().toString().contains("/b/"), "the pull moved to origin B");
    }

    @ParameterizedTest(name = "directory {0}")
    @EnumSource(Directory.class)
    void theEdgeStopsPullingAfterItsIdleTimeout(Directory directory) throws Exception {
        startCluster(directory);
        open(new LivePublisher(originA.rtmpPort(), "cam"));
        HttpFlvClient player = play(edge2);
        readKeyframe(player, 0);
        player.close();
        await("the edge stopped pulling", 5000, () -> pulls(edge2).isEmpty());
        await("the origin's edge client is gone", 5000,
                () -> originA.streamlet().players().stream().noneMatch(c -> KEY.equals(c.streamKey())));
    }

    @Test
    void withRedisDownAnEdgeFindsNewStreamsOnItsStaticOrigins() throws Exception {
        startCluster(Directory.REDIS);
        open(new LivePublisher(originA.rtmpPort(), "cam"));
        redis.kill();
        HttpFlvClient player = play(edge1);
        assertEquals(200, player.status);
        readKeyframe(player, 0);
        redis.restart();
        HttpFlvClient onEdge2 = play(edge2);
        readKeyframe(onEdge2, 0);
        assertTrue(pulls(edge2).get(0).upstreamUrl().toString().contains("/a/"));
    }

    @Test
    void hooksOnAnEdgeFireForItsOwnPlayersAndItsOriginSeesThePullAsOnePlayer() throws Exception {
        HookServer hooks = open(new HookServer());
        startCluster(Directory.STATIC,
                Map.of("streamlet.hooks.onPlay", hooks.url("/origin/on_play").toString(),
                        "streamlet.hooks.onStop", hooks.url("/origin/on_stop").toString()),
                Map.of("streamlet.hooks.onPlay", hooks.url("/edge/on_play").toString(),
                        "streamlet.hooks.onStop", hooks.url("/edge/on_stop").toString()));
        open(new LivePublisher(originA.rtmpPort(), "cam"));
        HttpFlvClient first = play(edge1);
        readKeyframe(first, 0);
        HttpFlvClient second = play(edge1);
        readKeyframe(second, 0);

        JsonNode firstPlay = hooks.next("/edge/on_play", 3000);
        JsonNode secondPlay = hooks.next("/edge/on_play", 3000);
        assertNotNull(secondPlay, "the edge tells its hook of each of its players");
        assertEquals("live", firstPlay.get("app").asText());
        assertEquals("cam", firstPlay.get("stream").asText());
        assertNotEquals(firstPlay.get("client_id"), secondPlay.get("client_id"));
        JsonNode pullPlay = hooks.next("/origin/on_play", 3000);
        assertNotNull(pullPlay, "the origin tells its hook of the edge's pull");
        assertNull(hooks.next("/origin/on_play", 300), "one play on the origin for the edge's two players");
        Client pullOnOrigin = originA.streamlet().players().stream().filter(c -> KEY.equals(c.streamKey())).findFirst().orElseThrow();
        assertEquals(pullOnOrigin.id(), pullPlay.get("client_id").asText());

        first.close(); // the edge learns it when a write fails; the stream goes on meanwhile
        JsonNode firstStop = hooks.next("/edge/on_stop", 10_000);
        assertNotNull(firstStop, "on_stop on the edge when its player leaves");
        assertEquals(firstPlay.get("client_id"), firstStop.get("client_id"));
        assertNull(hooks.next("/origin/on_stop", 300), "the pull goes on for the other player");

        second.close();
        assertEquals(secondPlay.get("client_id"), hooks.next("/edge/on_stop", 10_000).get("client_id"));
        JsonNode pullStop = hooks.next("/origin/on_stop", 10_000);
        assertNotNull(pullStop, "on_stop on the origin once the idle edge stopped pulling");
        assertEquals(pullPlay.get("client_id"), pullStop.get("client_id"));
    }

    @Test
    void anEdgeRefusesAPublisherAsABadName() throws Exception {
        startCluster(Directory.STATIC);
        try (RtmpTestPublisher onEdge = RtmpTestPublisher.publish("127.0.0.1", edge1.rtmpPort(), "live", "cam")) {
            assertEquals("NetStream.Publish.BadName", onEdge.lastStatusCode());
        }
        assertTrue(edge1.streamlet().registry().sources().isEmpty(), "nothing mounted on the edge");
        // the same encoder on an origin reaches the edge's players
        open(new LivePublisher(originA.rtmpPort(), "cam"));
        readKeyframe(play(edge1), 0);
    }
}
