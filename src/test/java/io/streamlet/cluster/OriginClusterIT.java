package io.streamlet.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.streamlet.live.StreamKey;
import io.streamlet.server.Streamlet;
import io.streamlet.server.StreamletConfig;
import io.streamlet.testing.RedisServer;
import io.streamlet.testing.RtmpTestPublisher;
import io.streamlet.testing.SyntheticMedia;
import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Two origins sharing a real Redis directory, published to over real RTMP sockets: a stream has one origin
 * across the cluster, its entry follows its publisher, and a Redis outage stops no stream.
 */
class OriginClusterIT {
    private static final StreamKey KEY = new StreamKey("live", "cam");
    private static final long HEARTBEAT_MS = 200;

    private RedisServer redis;
    private Streamlet originA;
    private Streamlet originB;
    /** What an edge reads: the same Redis, through a directory of its own. */
    private RedisStreamDirectory reader;

    @BeforeEach
    void start() throws Exception {
        redis = RedisServer.start();
        originA = origin("http://127.0.0.1:18001");
        originB = origin("http://127.0.0.1:18002");
        reader = new RedisStreamDirectory(redis.uri(), Duration.ofMillis(500), new ClusterMetrics());
    }

    private Streamlet origin(String nodeUrl) {
        return origin(nodeUrl, redis.uri());
    }

    private static Streamlet origin(String nodeUrl, URI directory) {
        Map<String, String> knobs = Map.of("streamlet.rtmp.port", "0", "streamlet.cluster.mode", "origin",
                "streamlet.cluster.redis", directory.toString(), "streamlet.cluster.nodeUrl", nodeUrl,
                "streamlet.cluster.heartbeat", HEARTBEAT_MS + "ms");
        return Streamlet.start(StreamletConfig.load(knobs::get));
    }

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable c : new AutoCloseable[] {originA, originB, reader, redis}) {
            if (c != null) c.close();
        }
    }

    private static RtmpTestPublisher publish(Streamlet origin, String stream) throws Exception {
        RtmpTestPublisher p = RtmpTestPublisher.publish("127.0.0.1", origin.rtmpPort(), "live", stream);
        if ("NetStream.Publish.Start".equals(p.lastStatusCode())) SyntheticMedia.sendHeaders(p);
        return p;
    }

    private String holder(StreamKey key) throws Exception {
        Optional<StreamDirectory.Entry> entry = reader.lookup(key).get(5, TimeUnit.SECONDS);
        return entry.map(StreamDirectory.Entry::node).orElse(null);
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) throw new AssertionError("timed out waiting until " + what);
            Thread.sleep(20);
        }
    }

    private boolean heldBy(StreamKey key, String node) {
        try {
            return node == null ? holder(key) == null : node.equals(holder(key));
        } catch (Exception stillDown) {
            return false;
        }
    }

    @Test
    void aSecondPublisherOnAnotherOriginIsRefusedLikeOneOnTheSameOrigin() throws Exception {
        try (RtmpTestPublisher first = publish(originA, "cam");
                RtmpTestPublisher sameOrigin = publish(originA, "cam");
                RtmpTestPublisher otherOrigin = publish(originB, "cam")) {
            assertEquals("NetStream.Publish.Start", first.lastStatusCode());
            assertEquals("NetStream.Publish.BadName", sameOrigin.lastStatusCode());
            assertEquals("NetStream.Publish.BadName", otherOrigin.lastStatusCode());
            assertEquals("http://127.0.0.1:18001", holder(KEY));
            assertEquals(1, originB.cluster().metrics().refusals());
            assertEquals(0, originA.cluster().metrics().refusals(), "the same origin's second publish is refused by its registry");
            assertTrue(originB.registry().sources().isEmpty());
            SyntheticMedia.sendFrames(first, 0, 0, 10, 500); // the first publisher goes on
        }
    }

    @Test
    void theEntryFollowsThePublisherToAnotherOrigin() throws Exception {
        try (RtmpTestPublisher onA = publish(originA, "cam")) {
            SyntheticMedia.sendFrames(onA, 0, 0, 5, 500);
            await("origin A holds the stream", () -> heldBy(KEY, "http://127.0.0.1:18001"));
        }
        await("origin A released the stream", () -> heldBy(KEY, null));
        try (RtmpTestPublisher onB = publish(originB, "cam")) {
            assertEquals("NetStream.Publish.Start", onB.lastStatusCode());
            assertEquals("http://127.0.0.1:18002", holder(KEY));
            Thread.sleep(4 * HEARTBEAT_MS);
            assertEquals("http://127.0.0.1:18002", holder(KEY), "the heartbeat keeps it past its time to live");
        }
    }

    @Test
    void stoppingAnOriginReleasesItsEntries() throws Exception {
        RtmpTestPublisher onA = publish(originA, "cam");
        await("origin A holds the stream", () -> heldBy(KEY, "http://127.0.0.1:18001"));
        originA.close();
        originA = null;
        assertEquals(null, holder(KEY));
        onA.close();
    }

    @Test
    void aRedisOutageStopsNoStreamAndTheEntriesComeBackWithinAHeartbeat() throws Exception {
        try (RtmpTestPublisher onA = publish(originA, "cam")) {
            await("origin A holds the stream", () -> heldBy(KEY, "http://127.0.0.1:18001"));
            redis.kill();
            SyntheticMedia.sendFrames(onA, 0, 0, 30, 500);
            try (RtmpTestPublisher duringOutage = publish(originB, "other")) {
                assertEquals("NetStream.Publish.Start", duringOutage.lastStatusCode(), "publishes go on without the directory");
                Thread.sleep(3 * HEARTBEAT_MS);
                SyntheticMedia.sendFrames(onA, 0, 30, 40, 500);
                assertTrue(originA.registry().find(KEY).publisherId() != null, "the running stream kept its publisher");
                assertTrue(originA.cluster().metrics().directoryErrors() > 0);

                redis.restart();
                long restarted = System.nanoTime();
                await("both entries are back", () -> heldBy(KEY, "http://127.0.0.1:18001")
                        && heldBy(new StreamKey("live", "other"), "http://127.0.0.1:18002"));
                long backMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - restarted);
                // one heartbeat, plus the client's reconnect backoff (capped at the heartbeat) and the polling
                assertTrue(backMs < 3 * HEARTBEAT_MS + 500, "entries back after " + backMs + " ms");
            }
        }
    }

    @Test
    void anOriginFindsTheDirectoryThroughARedisSentinel() throws Exception {
        try (RedisServer sentinel = redis.startSentinel("mymaster");
                Streamlet originC = origin("http://127.0.0.1:18003", sentinel.uri())) {
            assertTrue(sentinel.uri().toString().startsWith("redis-sentinel://127.0.0.1:"), sentinel.uri().toString());
            try (RtmpTestPublisher onA = publish(originA, "cam");
                    RtmpTestPublisher onC = publish(originC, "cam")) {
                assertEquals("NetStream.Publish.Start", onA.lastStatusCode());
                assertEquals("NetStream.Publish.BadName", onC.lastStatusCode(), "A's entry read through the Sentinel");
                assertEquals(1, originC.cluster().metrics().refusals());
            }
            await("origin A released the stream", () -> heldBy(KEY, null));
            try (RtmpTestPublisher onC = publish(originC, "cam")) {
                assertEquals("NetStream.Publish.Start", onC.lastStatusCode());
                assertEquals("http://127.0.0.1:18003", holder(KEY), "C's entry written through the Sentinel");
                assertEquals(0, originC.cluster().metrics().directoryErrors());
            }
        }
    }
}
