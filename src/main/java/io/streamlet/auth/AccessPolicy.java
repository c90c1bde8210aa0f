package io.streamlet.auth;

import io.streamlet.EventLog;
import io.streamlet.config.Secret;
import io.streamlet.metrics.Metrics;
import java.net.URI;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Who may publish and who may play, for RTMP and HTTP alike. Each action passes, in order: the IP rules,
 * the URL signature, then the hooks ({@code on_publish} / {@code on_play}); the first to say no decides.
 * Every part is off until its knobs are set, so the default is open, like SRS without hooks. When the
 * publisher or player is done, {@link #publishEnded} and {@link #playEnded} tell the {@code on_unpublish}
 * and {@code on_stop} hooks, without waiting.
 *
 * <p>Decisions come as futures: without hooks they are complete at once; with hooks they complete when
 * the hooks have answered or timed out, on the hook client's threads, never exceptionally.
 */
public final class AccessPolicy implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(AccessPolicy.class);

    private final Gate publish;
    private final Gate play;
    private final List<URI> onDvr;
    /** Null when no hook URL is configured: then no HTTP client or thread exists. */
    private final HookClient hooks;
    private final Clock clock;
    private final EventLog events;
    private final String serverId = newServerId();
    private final List<URI> onHls;
    /** The last word on an allowed publish (a cluster origin's claim of the stream, an edge's refusal); null: none. */
    private volatile Function<AccessRequest, CompletableFuture<String>> publishClaim;

    /**
     * @param metrics counts the hook calls and their failures
     * @param events writes the lines of the decisions
     */
    public AccessPolicy(AuthConfig config, Metrics metrics, Clock clock, EventLog events) {
        this.clock = clock;
        this.events = events;
        this.publish = new Gate("publish", new IpRules(config.publishAllow(), config.publishDeny()),
                config.publishSecret(), "on_publish", config.hooksOnPublish(), "on_unpublish", config.hooksOnUnpublish());
        this.play = new Gate("play", new IpRules(config.playAllow(), config.playDeny()),
                config.playSecret(), "on_play", config.hooksOnPlay(), "on_stop", config.hooksOnStop());
        this.onDvr = List.copyOf(config.hooksOnDvr());
        this.onHls = List.copyOf(config.hooksOnHls());
        boolean anyHook = Stream.of(config.hooksOnPublish(), config.hooksOnUnpublish(), config.hooksOnPlay(),
                config.hooksOnStop(), config.hooksOnDvr(), config.hooksOnHls()).anyMatch(urls -> !urls.isEmpty());
        this.hooks = anyHook ? new HookClient(Duration.ofMillis(config.hooksTimeoutMs()), serverId, metrics) : null;
    }

    /**
     * The rules, then the publish claim if one is set: a publish the rules allow but whose stream is taken
     * elsewhere (or which a cluster edge refuses) is answered {@link Decision#busy}.
     */
    public CompletableFuture<Decision> authorizePublish(AccessRequest request) {
        Function<AccessRequest, CompletableFuture<String>> claim = publishClaim;
        CompletableFuture<Decision> decided = publish.authorize(request);
        if (claim == null) return decided;
        return decided.thenCompose(decision -> !decision.allowed() ? CompletableFuture.completedFuture(decision)
                : claim.apply(request).thenApply(refusal -> {
                    if (refusal == null) return decision;
                    log.warn("[{}] publish {} from {} refused: {}", request.clientId(), request.key(), request.ip(), refusal);
                    return Decision.busy(refusal);
                }));
    }

    /**
     * Sets what every allowed publish must still pass, once, before the server starts: {@code claim} completes
     * with null when the publish may go on, or with why not (never exceptionally).
     */
    public void claimPublishesWith(Function<AccessRequest, CompletableFuture<String>> claim) {
        this.publishClaim = claim;
    }

    public CompletableFuture<Decision> authorizePlay(AccessRequest request) {
        return play.authorize(request);
    }

    /** The play IP rules alone, for what is not a stream (static files, the API): a client barred from playing gets nothing. */
    public Decision checkPlayAddress(String ip) {
        String refusal = play.ipRules.check(ip);
        if (refusal == null) return Decision.ALLOWED;
        log.warn("HTTP request from {} denied: {}", ip, refusal);
        return Decision.denied(refusal);
    }

    /** A publish that was allowed has ended: tells the on_unpublish hooks. */
    public void publishEnded(AccessRequest request) {
        publish.ended(request);
    }

    /** A play that was allowed has ended: tells the on_stop hooks. */
    public void playEnded(AccessRequest request) {
        play.ended(request);
    }

    /** SRS's {@code server_id}, the same in hook calls and in the HTTP API's answers. */
    public String serverId() {
        return serverId;
    }

    /**
     * A recording closed a file: tells the on_dvr hooks, without waiting. {@code publisher} is who published
     * the stream; SRS's {@code cwd} and {@code file} say where the file is.
     */
    public void recordingClosed(AccessRequest publisher, String cwd, String file) {
        if (!onDvr.isEmpty()) hooks.tell("on_dvr", onDvr, publisher, Map.of("cwd", cwd, "file", file));
    }

    /**
     * Whether anyone may play anything with nobody told: no IP rule, signature or hook applies to plays. Otherwise
     * an HLS player, whose play is many requests, gets a session, so that a play is checked, logged and told to
     * the hooks once.
     */
    public boolean isPlayOpen() {
        return play.ipRules.isOpen() && play.signer == null && play.startUrls.isEmpty() && play.endUrls.isEmpty();
    }

    /** Whether {@link #hlsSegmentMade} tells anyone, so a caller can skip making its fields. */
    public boolean hasHlsHooks() {
        return !onHls.isEmpty();
    }

    /**
     * An HLS segment of {@code publisher}'s stream was made: tells the {@code on_hls} hooks, without waiting,
     * SRS's fields of the publisher and the segment's {@code fields} ({@code duration}, {@code file}, {@code seq_no}...).
     */
    public void hlsSegmentMade(AccessRequest publisher, Map<String, ?> fields) {
        if (!onHls.isEmpty()) hooks.tell("on_hls", onHls, publisher, fields);
    }

    @Override
    public void close() {
        if (hooks != null) hooks.close();
    }

    /** One per running webapp, so a backend can tell servers apart. */
    private static String newServerId() {
        byte[] random = new byte[4];
        new SecureRandom().nextBytes(random);
        return "vid-" + HexFormat.of().formatHex(random);
    }

    /** The rules of one action (publish or play). */
    private final class Gate {
        private final String action;
        private final IpRules ipRules;
        private final UrlSigner signer;
        private final String startHook;
        private final List<URI> startUrls;
        private final String endHook;
        private final List<URI> endUrls;

        Gate(String action, IpRules ipRules, Secret secret, String startHook, List<URI> startUrls, String endHook,
                List<URI> endUrls) {
            this.action = action;
            this.ipRules = ipRules;
            this.signer = secret == null ? null : new UrlSigner(secret.value());
            this.startHook = startHook;
            this.startUrls = List.copyOf(startUrls);
            this.endHook = endHook;
            this.endUrls = List.copyOf(endUrls);
        }

        CompletableFuture<Decision> authorize(AccessRequest request) {
            if (ipRules.isOpen() && signer == null && startUrls.isEmpty()) return CompletableFuture.completedFuture(Decision.ALLOWED);
            String refusal = ipRules.check(request.ip());
            if (refusal == null && signer != null) {
                refusal = signer.verify(request.streamPath(), request.params().get(UrlSigner.PARAM), clock.instant().getEpochSecond());
            }
            if (refusal != null || startUrls.isEmpty()) return CompletableFuture.completedFuture(decided(request, refusal));
            return hooks.ask(startHook, startUrls, request)
                    .thenApply(hookRefusal -> decided(request, hookRefusal == null ? null : startHook + " hook " + hookRefusal));
        }

        void ended(AccessRequest request) {
            if (!endUrls.isEmpty()) hooks.tell(endHook, endUrls, request, Map.of());
        }

        private Decision decided(AccessRequest request, String refusal) {
            if (refusal == null) {
                events.info(log, "[{}] {} {} from {} allowed", request.clientId(), action, request.key(), request.ip());
                return Decision.ALLOWED;
            }
            events.warn(log, "[{}] {} {} from {} denied: {}", request.clientId(), action, request.key(), request.ip(), refusal);
            return Decision.denied(refusal);
        }
    }
}
