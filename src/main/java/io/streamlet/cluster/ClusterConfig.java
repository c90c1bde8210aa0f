package io.streamlet.cluster;

import io.streamlet.config.ConfigReader;
import io.streamlet.config.InvalidConfigException;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The cluster's knobs ({@code streamlet.cluster.*}): SRS's origin cluster and edge. Origins take publishers and
 * write which stream they hold to the stream directory; edges pull a stream from the origin that has it when
 * their first player comes, and stop {@code idleTimeoutMs} after the last one left.
 *
 * @param redis the directory's Redis URI ({@code redis://host:6379/0}, or a Sentinel URI); null: no directory
 *     shared between nodes, edges find origins from {@code origins} alone
 * @param origins base URLs an edge may pull from ({@code http://10.0.0.5:8080}, or {@code rtmp://host:1935}),
 *     tried in order when the directory is off or has no entry for the stream
 * @param nodeUrl this node's HTTP base URL as the other nodes reach it; null when unset
 * @param heartbeatMs how often an origin refreshes its directory entries; an entry lives three heartbeats
 * @param idleTimeoutMs how long an edge keeps pulling after its last player left
 * @param maxStreamWaitMs how long an edge player waits for a stream no origin has before a 404
 */
public record ClusterConfig(Mode mode, URI redis, List<URI> origins, URI nodeUrl, long heartbeatMs, long idleTimeoutMs,
        long maxStreamWaitMs) {

    public enum Mode {
        STANDALONE, ORIGIN, EDGE;

        public String knobValue() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    private static final Set<String> ORIGIN_SCHEMES = Set.of("http", "https", "rtmp");

    public ClusterConfig {
        origins = List.copyOf(origins);
        if (mode == Mode.STANDALONE && (redis != null || !origins.isEmpty())) {
            throw new InvalidConfigException("streamlet.cluster.redis and streamlet.cluster.origins need"
                    + " streamlet.cluster.mode=origin or edge (it is standalone)");
        }
        if (mode == Mode.ORIGIN && redis != null && nodeUrl == null) {
            throw new InvalidConfigException("streamlet.cluster.mode=origin with streamlet.cluster.redis needs"
                    + " streamlet.cluster.nodeUrl: the URL edges pull this node's streams from");
        }
        if (mode == Mode.EDGE && redis == null && origins.isEmpty()) {
            throw new InvalidConfigException("streamlet.cluster.mode=edge needs streamlet.cluster.redis or"
                    + " streamlet.cluster.origins: where to find the streams it plays");
        }
    }

    /** A record's entry lives this long unless refreshed: three heartbeats, so one lost refresh loses nothing. */
    public long claimTtlMs() {
        return 3 * heartbeatMs;
    }

    public static ClusterConfig read(ConfigReader r) {
        return new ClusterConfig(
                r.choice("streamlet.cluster.mode", Mode.STANDALONE, Mode.class, Mode::knobValue),
                r.parsed("streamlet.cluster.redis", null, ClusterConfig::redisUri),
                r.parsedList("streamlet.cluster.origins", part -> baseUrl(part, ORIGIN_SCHEMES)),
                r.parsed("streamlet.cluster.nodeUrl", null, v -> v == null ? null : baseUrl(v, Set.of("http", "https"))),
                r.duration("streamlet.cluster.heartbeat", 1_000, 100, 60_000),
                r.duration("streamlet.cluster.idleTimeout", 15_000, 0, 3_600_000),
                r.duration("streamlet.cluster.maxStreamWait", 5_000, 0, 600_000));
    }

    /** Standalone: no directory, no pulls. */
    public static ClusterConfig standalone() {
        return new ClusterConfig(Mode.STANDALONE, null, List.of(), null, 1_000, 15_000, 5_000);
    }

    private static URI redisUri(String v) {
        if (v == null) return null;
        URI uri = uri(v);
        if (uri.getScheme() == null || !uri.getScheme().startsWith("redis")) {
            throw new IllegalArgumentException("expected a Redis URI such as redis://127.0.0.1:6379/0 or redis-sentinel://...");
        }
        return uri;
    }

    /** A base URL without a trailing slash, so that {@code base + "/app/stream.flv"} is the stream's URL. */
    private static URI baseUrl(String v, Set<String> schemes) {
        URI uri = uri(v.endsWith("/") ? v.substring(0, v.length() - 1) : v);
        if (!schemes.contains(uri.getScheme()) || uri.getHost() == null) {
            throw new IllegalArgumentException("expected a " + String.join(":// or ", schemes.stream().sorted().toList())
                    + ":// base URL such as http://10.0.0.5:8080");
        }
        return uri;
    }

    private static URI uri(String v) {
        try {
            return new URI(v);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException(e.getMessage());
        }
    }
}
