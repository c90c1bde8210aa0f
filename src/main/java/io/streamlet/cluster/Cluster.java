package io.streamlet.cluster;

import io.streamlet.auth.AccessPolicy;
import io.streamlet.live.SourceRegistry;
import io.streamlet.relay.Pulls;
import java.time.Duration;
import java.util.HexFormat;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This node's part in a cluster ({@code streamlet.cluster.mode}): an origin claims its published streams in the
 * stream directory, an edge locates the streams its players ask for; standalone does neither and makes nothing.
 */
public final class Cluster implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Cluster.class);
    /**
     * Why an edge refuses a publisher. SRS's edge forwards the publish to its origin instead; here an encoder
     * is pointed at an origin, which the directory then names to every edge.
     */
    private static final String EDGE_TAKES_NO_PUBLISHERS = "this node is a cluster edge (streamlet.cluster.mode=edge),"
            + " which takes no publishers: publish to an origin";

    private final ClusterConfig config;
    private final ClusterMetrics metrics = new ClusterMetrics();
    /** Null when standalone. */
    private final StreamDirectory directory;
    /** Null unless an origin. */
    private final OriginClaims claims;
    /** Null unless an edge. */
    private final EdgeLocator locator;

    /**
     * Starts the node's role: an origin hooks its claim into {@code access}'s publish decision, an edge refuses
     * every publish there and adds its locator to {@code pulls}.
     */
    public Cluster(ClusterConfig config, SourceRegistry registry, AccessPolicy access, Pulls pulls) {
        this.config = config;
        this.directory = switch (config.mode()) {
            case STANDALONE -> null;
            case ORIGIN, EDGE -> config.redis() == null ? new InMemoryStreamDirectory()
                    : new RedisStreamDirectory(config.redis(), Duration.ofMillis(config.heartbeatMs()), metrics);
        };
        if (config.mode() == ClusterConfig.Mode.ORIGIN) {
            String node = config.nodeUrl() == null ? "local" : config.nodeUrl().toString();
            StreamDirectory.Entry self = new StreamDirectory.Entry(node, newEpoch());
            this.claims = new OriginClaims(directory, self, registry, config, metrics);
            access.claimPublishesWith(request -> claims.claim(request.key()));
        } else {
            this.claims = null;
        }
        if (config.mode() == ClusterConfig.Mode.EDGE) {
            this.locator = new EdgeLocator(directory, config);
            access.claimPublishesWith(request -> CompletableFuture.completedFuture(EDGE_TAKES_NO_PUBLISHERS));
            pulls.addLocator(locator, Duration.ofMillis(config.idleTimeoutMs()), Duration.ofMillis(config.maxStreamWaitMs()));
        } else {
            this.locator = null;
        }
        if (directory != null) {
            log.info("cluster: {} {}, directory {}", config.mode().knobValue(),
                    config.nodeUrl() == null ? "" : config.nodeUrl(),
                    config.redis() == null ? "in memory, origins " + config.origins() : "in Redis");
        }
    }

    public ClusterConfig config() {
        return config;
    }

    public ClusterMetrics metrics() {
        return metrics;
    }

    /** The edge's locator, or null unless this node is an edge. */
    public EdgeLocator locator() {
        return locator;
    }

    /** This run of the node: the start time and some randomness, so two runs never share an entry. */
    private static String newEpoch() {
        byte[] random = new byte[3];
        ThreadLocalRandom.current().nextBytes(random);
        return System.currentTimeMillis() + "-" + HexFormat.of().formatHex(random);
    }

    /** Releases the origin's entries (call after the registry closed) and disconnects from the directory. */
    @Override
    public void close() {
        if (claims != null) claims.close();
        if (directory != null) directory.close();
    }
}
