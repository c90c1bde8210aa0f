package io.streamlet.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.streamlet.live.StreamKey;
import io.streamlet.testing.RedisServer;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The Redis directory against a real redis-server of the test's own: holds, refusals, releases, an outage. */
class RedisStreamDirectoryIT {
    private static final StreamKey KEY = new StreamKey("live", "cam");
    private static final StreamDirectory.Entry A = new StreamDirectory.Entry("http://127.0.0.1:1001", "1-a");
    private static final StreamDirectory.Entry B = new StreamDirectory.Entry("http://127.0.0.1:1002", "1-b");

    private RedisServer redis;
    private final ClusterMetrics metrics = new ClusterMetrics();
    private RedisStreamDirectory directory;

    @BeforeEach
    void start() throws Exception {
        redis = RedisServer.start();
        directory = new RedisStreamDirectory(redis.uri(), Duration.ofMillis(500), metrics);
    }

    @AfterEach
    void stop() throws Exception {
        if (directory != null) directory.close();
        if (redis != null) redis.close();
    }

    private static <T> T await(CompletableFuture<T> f) throws Exception {
        return f.get(5, TimeUnit.SECONDS);
    }

    @Test
    void theFirstHolderKeepsTheStreamAndOthersAreRefused() throws Exception {
        assertTrue(await(directory.hold(KEY, A, 5_000)));
        assertFalse(await(directory.hold(KEY, B, 5_000)), "another origin takes a held stream");
        assertTrue(await(directory.hold(KEY, A, 5_000)), "the holder's heartbeat extends its hold");
        assertEquals(Optional.of(A), await(directory.lookup(KEY)));
        assertEquals(Optional.empty(), await(directory.lookup(new StreamKey("live", "other"))));
    }

    @Test
    void aNewRunOfTheSameNodeIsAnotherHolder() throws Exception {
        assertTrue(await(directory.hold(KEY, A, 5_000)));
        assertFalse(await(directory.hold(KEY, new StreamDirectory.Entry(A.node(), "2-a"), 5_000)));
    }

    @Test
    void onlyTheHolderReleases() throws Exception {
        assertTrue(await(directory.hold(KEY, A, 5_000)));
        await(directory.release(KEY, B));
        assertEquals(Optional.of(A), await(directory.lookup(KEY)), "someone else's release leaves the entry");
        await(directory.release(KEY, A));
        assertEquals(Optional.empty(), await(directory.lookup(KEY)));
        assertTrue(await(directory.hold(KEY, B, 5_000)), "a released stream is free");
    }

    @Test
    void anEntryNotRefreshedExpires() throws Exception {
        assertTrue(await(directory.hold(KEY, A, 200)));
        Thread.sleep(400);
        assertEquals(Optional.empty(), await(directory.lookup(KEY)));
        assertTrue(await(directory.hold(KEY, B, 5_000)));
    }

    @Test
    void aRestartedRedisGetsItsEntriesBackFromTheNextHeartbeat() throws Exception {
        assertTrue(await(directory.hold(KEY, A, 5_000)));
        assertTrue(directory.isReachable());
        redis.kill();
        ExecutionException down = assertThrows(ExecutionException.class, () -> await(directory.lookup(KEY)));
        assertFalse(directory.isReachable(), "failed: " + down.getCause());
        assertThrows(ExecutionException.class, () -> await(directory.hold(KEY, A, 5_000)), "fails at once, not queued");
        assertTrue(metrics.directoryErrors() >= 2);

        redis.restart();
        // the client reconnects by itself within its backoff (at most the 500 ms command timeout); then the
        // first heartbeat writes the entry again
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        boolean held = false;
        while (!held && System.nanoTime() < deadline) {
            try {
                held = await(directory.hold(KEY, A, 5_000));
            } catch (ExecutionException stillDown) {
                Thread.sleep(50);
            }
        }
        assertTrue(held);
        assertTrue(directory.isReachable());
        assertEquals(Optional.of(A), await(directory.lookup(KEY)));
        assertFalse(await(directory.hold(KEY, B, 5_000)));
    }

    @Test
    void aDirectoryStartedWhileRedisIsDownConnectsOnceItIsUp() throws Exception {
        directory.close();
        redis.kill();
        directory = new RedisStreamDirectory(redis.uri(), Duration.ofMillis(500), metrics);
        assertThrows(ExecutionException.class, () -> await(directory.lookup(KEY)));
        redis.restart();
        assertTrue(await(directory.hold(KEY, A, 5_000)));
        assertEquals(Optional.of(A), await(directory.lookup(KEY)));
    }
}
