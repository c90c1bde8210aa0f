package io.streamlet.relay;

import com.fasterxml.jackson.databind.JsonNode;
import io.streamlet.auth.AccessRequest;
import io.streamlet.auth.HookClient;
import io.streamlet.delivery.Players;
import io.streamlet.live.Client;
import io.streamlet.live.ClientIds;
import io.streamlet.live.LiveSource;
import io.streamlet.live.SourceRegistry;
import io.streamlet.metrics.Metrics;
import io.streamlet.rtmp.client.RtmpClientSession;
import io.streamlet.rtmp.client.RtmpUrl;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Forwarding (SRS's {@code forward}): on every publish, starts a {@link Forward} to each destination of
 * {@code streamlet.forward.destinations} and to each URL the backend answers, and lets them end with their
 * source. Told by the registry of every stream mounted and ended; a republish within the grace window
 * continues the same source, so its forwards go on.
 *
 * <h2>The backend</h2>
 * {@code streamlet.forward.backend} is POSTed, per publish, SRS's hook JSON with {@code action}
 * {@code on_forward} ({@code client_id}, {@code ip}, {@code vhost}, {@code app}, {@code stream},
 * {@code param}, {@code tcUrl}, {@code server_id}...), and answers
 * {@code {"code":0,"data":{"urls":["rtmp://host/app/stream", ...]}}}; no {@code urls} means no forward.
 */
public final class Forwards implements SourceRegistry.Listener, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Forwards.class);
    private static final String BACKEND_ACTION = "on_forward";

    private final ForwardConfig config;
    private final RelayIo io;
    private final Players players;
    private final Function<String, Client> clients;
    private final RtmpClientSession.Options options;
    /** Null without a backend. */
    private final HookClient backend;
    private final ConcurrentHashMap<String, Forward> byId = new ConcurrentHashMap<>();
    private final LongAdder started = new LongAdder();
    private final LongAdder connects = new LongAdder();
    private final LongAdder failures = new LongAdder();
    private final LongAdder reconnects = new LongAdder();
    // Totals of forwards that have stopped; the running ones are added when read.
    private final LongAdder goneBytes = new LongAdder();
    private final LongAdder goneSkips = new LongAdder();

    private final Forward.Owner owner = new Forward.Owner() {
        @Override
        public void connected(Forward forward) {
            connects.increment();
        }

        @Override
        public void failed(Forward forward) {
            failures.increment();
        }

        @Override
        public void reconnecting(Forward forward) {
            reconnects.increment();
        }

        @Override
        public void stopped(Forward forward) {
            if (byId.remove(forward.id(), forward)) {
                goneBytes.add(forward.bytesSent());
                goneSkips.add(forward.skips());
            }
        }
    };

    /**
     * @param clients finds a publisher by client id, for what the backend is told of it
     * @param serverId what the backend is told as {@code server_id}
     */
    public Forwards(ForwardConfig config, RelayIo io, Players players, Function<String, Client> clients, Metrics metrics,
            String serverId) {
        this.config = config;
        this.io = io;
        this.players = players;
        this.clients = clients;
        this.options = new RtmpClientSession.Options(RtmpClientSession.Options.DEFAULTS.chunkSize(), config.timeoutMs(),
                "FMLE/3.0 (compatible; Streamlet)");
        this.backend = config.backend() == null ? null : new HookClient(Duration.ofMillis(config.timeoutMs()), serverId, metrics);
    }

    @Override
    public void onMounted(LiveSource source) {
        for (String template : config.destinations()) start(source, ForwardConfig.expand(template, source.key()));
        if (backend != null) askBackend(source);
    }

    @Override
    public void onEnded(LiveSource source) {
        for (Forward f : byId.values()) {
            if (f.source() == source) f.sourceEnded();
        }
    }

    /** The forwards running now, oldest first. */
    public List<Forward> forwards() {
        List<Forward> all = new ArrayList<>(byId.values());
        all.sort(Comparator.comparing(Forward::id, ClientIds.CREATION_ORDER));
        return all;
    }

    /** Forwards started since the server started. */
    public long started() {
        return started.sum();
    }

    /** Times a destination accepted a publish. */
    public long connects() {
        return connects.sum();
    }

    /** Connections to destinations that ended while their stream went on: refused, unreachable, broken, timed out, stalled. */
    public long failures() {
        return failures.sum();
    }

    /** Reconnections scheduled. */
    public long reconnects() {
        return reconnects.sum();
    }

    /** Bytes sent to destinations, by running and stopped forwards. */
    public long bytesSent() {
        return goneBytes.sum() + byId.values().stream().mapToLong(Forward::bytesSent).sum();
    }

    /** Times a forward skipped ahead because its destination was slow. */
    public long skips() {
        return goneSkips.sum() + byId.values().stream().mapToLong(Forward::skips).sum();
    }

    private void start(LiveSource source, String destination) {
        RtmpUrl url;
        try {
            url = RtmpUrl.parse(destination);
        } catch (IllegalArgumentException e) {
            log.warn("[{}] cannot forward {}: {}", source.publisherId(), source.key(), e.getMessage());
            return;
        }
        Forward forward = new Forward(ClientIds.next(), source, destination, url, io, players, options, owner);
        byId.put(forward.id(), forward);
        started.increment();
        log.info("[{}] forward of {} to {} starting", forward.id(), source.key(), url);
        forward.start();
    }

    private void askBackend(LiveSource source) {
        String publisherId = source.publisherId() == null ? "" : source.publisherId();
        Client publisher = clients.apply(publisherId);
        AccessRequest request = new AccessRequest(publisherId, publisher == null ? "" : publisher.ip(), source.key(), Map.of(),
                publisher == null || publisher.tcUrl() == null ? "" : publisher.tcUrl(), null, publisherId);
        backend.query(BACKEND_ACTION, config.backend(), request).whenComplete((answer, failure) -> {
            if (failure != null) return; // the hook client logged why
            if (source.isEnded()) return;
            for (String url : urls(answer)) start(source, url);
        });
    }

    /** The {@code data.urls} of a backend's answer; none when absent. */
    static List<String> urls(JsonNode answer) {
        JsonNode urls = answer.path("data").path("urls");
        List<String> out = new ArrayList<>();
        for (JsonNode url : urls) {
            if (url.isTextual() && !url.asText().isBlank()) out.add(url.asText().trim());
        }
        return out;
    }

    /** Stops every forward still running (call after the registry closed: forwards of ended streams stop on their own). */
    @Override
    public void close() {
        byId.values().forEach(f -> f.stop("server shutting down"));
        if (backend != null) backend.close();
    }
}
