package io.streamlet.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.streamlet.config.ConfigReader;
import io.streamlet.live.LiveConfig;
import io.streamlet.live.Publication;
import io.streamlet.live.SourceRegistry;
import io.streamlet.live.StreamKey;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Two origins' claims over one directory, each with its own registry: who may publish, and when an entry goes. */
class OriginClaimsTest {
    private static final StreamKey KEY = new StreamKey("live", "cam");
    private static final StreamDirectory.Entry A = new StreamDirectory.Entry("http://a", "1");
    private static final StreamDirectory.Entry B = new StreamDirectory.Entry("http://b", "1");

    private final InMemoryStreamDirectory directory = new InMemoryStreamDirectory();
    private final ClusterConfig config = ClusterConfig.read(new ConfigReader(
            Map.of("streamlet.cluster.mode", "origin", "streamlet.cluster.heartbeat", "100ms")::get));
    private final SourceRegistry registryA = registry();
    private final SourceRegistry registryB = registry();
    private final OriginClaims claimsA = new OriginClaims(directory, A, registryA, config, new ClusterMetrics());
    private final ClusterMetrics metricsB = new ClusterMetrics();
    private final OriginClaims claimsB = new OriginClaims(directory, B, registryB, config, metricsB);

    /** A republish within 10 s continues the source: the case where the entry must go before the source does. */
    private static SourceRegistry registry() {
        return new SourceRegistry(LiveConfig.read(new ConfigReader(Map.of("streamlet.live.republishGrace", "10s")::get)));
    }

    @AfterEach
    void close() {
        claimsA.close();
        claimsB.close();
        registryA.close();
        registryB.close();
    }

    private Optional<StreamDirectory.Entry> holder() {
        return directory.lookup(KEY).join();
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) throw new AssertionError("timed out waiting until " + what);
            Thread.sleep(10);
        }
    }

    @Test
    void aStreamHeldByOneOriginIsRefusedOnTheOther() throws Exception {
        assertNull(claimsA.claim(KEY).join());
        registryA.publish(KEY, "pa", () -> {});
        assertEquals("stream live/cam is already published on another origin", claimsB.claim(KEY).join());
        assertEquals(1, metricsB.refusals());
        Thread.sleep(5 * config.heartbeatMs()); // past the entry's time to live: the heartbeat kept it
        assertEquals(Optional.of(A), holder());
    }

    @Test
    void anEntryGoesWhenItsPublisherLeavesEvenWhileTheSourceWaitsForARepublish() throws Exception {
        assertNull(claimsA.claim(KEY).join());
        Publication publication = registryA.publish(KEY, "pa", () -> {});
        publication.unpublish(); // the source stays for its grace window
        await("the entry is released", () -> holder().isEmpty());
        assertNull(claimsB.claim(KEY).join(), "the publisher may move to another origin");
        assertEquals("stream live/cam is already published on another origin", claimsA.claim(KEY).join());
    }

    @Test
    void aClaimWhosePublishNeverCameIsDroppedAfterItsTimeToLive() throws Exception {
        assertNull(claimsA.claim(KEY).join());
        await("the unused claim is released", () -> holder().isEmpty());
    }

    @Test
    void theEndOfAStreamReleasesItsEntry() throws Exception {
        SourceRegistry plain = new SourceRegistry(LiveConfig.read(new ConfigReader(name -> null)));
        try (OriginClaims claims = new OriginClaims(directory, A, plain, config, new ClusterMetrics())) {
            assertNull(claims.claim(KEY).join());
            plain.publish(KEY, "pa", () -> {}).unpublish();
            assertEquals(Optional.empty(), holder(), "released at once, not at the next heartbeat");
        } finally {
            plain.close();
        }
    }
}
