package io.streamlet.packager;

import io.streamlet.auth.AccessPolicy;
import io.streamlet.auth.AccessRequest;
import io.streamlet.live.StreamKey;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * HLS players as plays, for the {@code on_play} / {@code on_stop} hooks (SRS's {@code hls_ctx}): an HLS player
 * is not one response but a request every few seconds, so an allowed play opens a session whose token the
 * playlist's URL and segment URIs then carry ({@link #PARAM}); a request with a live session's token is that
 * play going on, and asks no hook. A session that makes no request for {@link #timeoutMs} has ended: the
 * {@code on_stop} hooks are told. The token is random (128 bits), so it cannot be guessed to skip the checks.
 */
public final class HlsSessions {
    /** The query parameter carrying a session's token, SRS's name. */
    public static final String PARAM = "hls_ctx";
    private static final Logger log = LoggerFactory.getLogger(HlsSessions.class);
    private static final SecureRandom RANDOM = new SecureRandom();

    private static final class Session {
        final AccessRequest request;
        final long openedNanos;
        volatile long lastSeenNanos;

        Session(AccessRequest request, long now) {
            this.request = request;
            this.openedNanos = now;
            this.lastSeenNanos = now;
        }
    }

    private final AccessPolicy access;
    private final long timeoutMs;
    private final ConcurrentHashMap<String, Session> sessions = new ConcurrentHashMap<>();

    HlsSessions(AccessPolicy access, long timeoutMs) {
        this.access = access;
        this.timeoutMs = timeoutMs;
    }

    /** Starts the session of an allowed play; returns its token. */
    public String open(AccessRequest request) {
        byte[] random = new byte[16];
        RANDOM.nextBytes(random);
        String token = HexFormat.of().formatHex(random);
        long now = System.nanoTime();
        sessions.put(token, new Session(request, now));
        return token;
    }

    /** Whether {@code token} names a live session playing {@code key}; if so it is kept alive. */
    public boolean touch(String token, StreamKey key) {
        Session s = token == null ? null : sessions.get(token);
        if (s == null || !s.request.key().equals(key)) return false;
        s.lastSeenNanos = System.nanoTime();
        return true;
    }

    /** Sessions open now. */
    public int size() {
        return sessions.size();
    }

    long timeoutMs() {
        return timeoutMs;
    }

    /** Ends the sessions that made no request for the timeout, telling their on_stop hooks. */
    void endIdle() {
        long now = System.nanoTime();
        long timeoutNanos = timeoutMs * 1_000_000;
        sessions.forEach((token, s) -> {
            if (now - s.lastSeenNanos > timeoutNanos && sessions.remove(token, s)) end(s, "no request for " + timeoutMs + " ms");
        });
    }

    /** Ends every session (the server stops). */
    void endAll() {
        for (Map.Entry<String, Session> e : sessions.entrySet()) {
            if (sessions.remove(e.getKey(), e.getValue())) end(e.getValue(), "server stopping");
        }
    }

    private void end(Session s, String why) {
        log.info("[{}] HLS play of {} ended after {} s: {}", s.request.clientId(), s.request.key(),
                (System.nanoTime() - s.openedNanos) / 1_000_000_000, why);
        access.playEnded(s.request);
    }
}
