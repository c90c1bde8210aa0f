package io.streamlet.cluster;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.Delay;
import io.streamlet.live.StreamKey;
import java.net.URI;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The directory shared by the nodes of a cluster, in Redis through Lettuce's asynchronous API: one string key
 * per stream ({@code streamlet:stream:app/stream} = {@code "epoch node"}) with a time to live. Taking and
 * refreshing a hold is one Lua script, so the compare-and-set is atomic in Redis; so is the release.
 *
 * <p>While Redis cannot be reached, commands fail at once (they are not queued for a reconnect that may never
 * come), the outage is logged once when it starts and once when it ends, and the client reconnects in the
 * background with a short backoff, so a restarted Redis gets its entries back from the next heartbeat.
 */
public final class RedisStreamDirectory implements StreamDirectory {
    private static final Logger log = LoggerFactory.getLogger(RedisStreamDirectory.class);
    private static final String KEY_PREFIX = "streamlet:stream:";
    /** Extends our own hold, takes a free key, or answers 0 when someone else holds it. */
    private static final String HOLD = """
            local held = redis.call('GET', KEYS[1])
            if held == ARGV[1] then
              redis.call('PEXPIRE', KEYS[1], ARGV[2])
              return 1
            end
            if held then return 0 end
            redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
            return 1
            """;
    /** Deletes the key only while it is still ours. */
    private static final String RELEASE = """
            if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
            return 0
            """;

    /**
     * Lettuce logs each failed reconnect at WARN; the directory logs the outage once. Held here, since
     * java.util.logging keeps its loggers weakly (the WAR logs through it).
     */
    private static final java.util.logging.Logger RECONNECT_LOG = quiet("io.lettuce.core.protocol.ConnectionWatchdog");

    private final RedisURI uri;
    /** Where Redis is, for the log: no password. */
    private final String where;
    private final ClientResources resources;
    private final RedisClient client;
    private final ClusterMetrics metrics;
    private final AtomicBoolean reachable = new AtomicBoolean(true);
    /** The connection once made; Lettuce then reconnects it by itself. Replaced while the first connect fails. */
    private volatile CompletableFuture<StatefulRedisConnection<String, String>> connection;

    /** @param commandTimeout how long a command may take before it counts as failed */
    public RedisStreamDirectory(URI redis, Duration commandTimeout, ClusterMetrics metrics) {
        this.uri = RedisURI.create(redis);
        this.where = uri.getHost() != null ? uri.getHost() + ":" + uri.getPort() : "sentinel master " + uri.getSentinelMasterId();
        this.metrics = metrics;
        this.resources = ClientResources.builder()
                .ioThreadPoolSize(1)
                .computationThreadPoolSize(1)
                .reconnectDelay(Delay.exponential(Duration.ofMillis(50), commandTimeout, 2, TimeUnit.MILLISECONDS))
                .build();
        this.client = RedisClient.create(resources);
        client.setOptions(ClientOptions.builder()
                .autoReconnect(true)
                .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                .timeoutOptions(TimeoutOptions.enabled(commandTimeout))
                .build());
        this.connection = connect();
    }

    @Override
    public CompletableFuture<Boolean> hold(StreamKey key, Entry holder, long ttlMs) {
        return run(redis -> redis.<Long>eval(HOLD, ScriptOutputType.INTEGER, new String[] {KEY_PREFIX + key},
                holder.encode(), Long.toString(ttlMs)))
                .thenApply(held -> held == 1L);
    }

    @Override
    public CompletableFuture<Void> release(StreamKey key, Entry holder) {
        return run(redis -> redis.<Long>eval(RELEASE, ScriptOutputType.INTEGER, new String[] {KEY_PREFIX + key},
                holder.encode()))
                .thenApply(deleted -> null);
    }

    @Override
    public CompletableFuture<Optional<Entry>> lookup(StreamKey key) {
        return run(redis -> redis.get(KEY_PREFIX + key)).thenApply(stored -> Optional.ofNullable(stored).map(Entry::decode));
    }

    /** Whether the last command reached Redis. */
    public boolean isReachable() {
        return reachable.get();
    }

    private <T> CompletableFuture<T> run(Function<RedisAsyncCommands<String, String>, CompletionStage<T>> command) {
        CompletableFuture<StatefulRedisConnection<String, String>> current = connection;
        if (current.isCompletedExceptionally()) {
            current = connect(); // Redis was down at start: Lettuce reconnects only a connection it once made
            connection = current;
        }
        return current.thenCompose(c -> command.apply(c.async()))
                .toCompletableFuture()
                .whenComplete((result, failure) -> noteOutcome(failure));
    }

    private CompletableFuture<StatefulRedisConnection<String, String>> connect() {
        return client.connectAsync(StringCodec.UTF8, uri).toCompletableFuture();
    }

    /** Logs the start and the end of an outage, not each failed command. */
    private void noteOutcome(Throwable failure) {
        if (failure == null) {
            if (reachable.compareAndSet(false, true)) log.info("stream directory: Redis {} reachable again", where);
            return;
        }
        metrics.directoryError();
        if (reachable.compareAndSet(true, false)) {
            Throwable cause = failure.getCause() != null ? failure.getCause() : failure;
            log.warn("stream directory: Redis {} unreachable ({}); running streams go on, edges use streamlet.cluster.origins",
                    where, cause.getMessage());
        }
    }

    private static java.util.logging.Logger quiet(String name) {
        java.util.logging.Logger logger = java.util.logging.Logger.getLogger(name);
        logger.setLevel(java.util.logging.Level.SEVERE);
        return logger;
    }

    @Override
    public void close() {
        client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        resources.shutdown(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(3, TimeUnit.SECONDS);
    }
}
