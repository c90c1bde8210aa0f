package io.streamlet.metrics;

import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * The server's event counters for {@code /metrics}, one set per server, made by the composition root and
 * handed to every part that counts (ingest, delivery, hooks). Only events are counted here: connections,
 * errors, hook calls, and the final totals of clients that have gone. What live objects hold (bytes, tags,
 * skips) is read from them at scrape time, so nothing is added on the per-frame path. Every method is
 * cheap, lock-free, and callable from any thread.
 */
public final class Metrics {

    /** The protocols connections are counted by. */
    public enum Protocol {
        RTMP("rtmp"), HTTP_FLV("http_flv"), WS_FLV("ws_flv");

        public final String label;

        Protocol(String label) {
            this.label = label;
        }
    }

    /** Why a connection ended abnormally; a player leaving or a publisher stopping is not an error. */
    public enum ConnectionError {
        /** The connection limit was reached (streamlet.rtmp.maxConnections). */
        REFUSED("refused"),
        /** A peer sent nothing for its idle timeout. */
        TIMEOUT("timeout"),
        /** Malformed input or media the source refused. */
        PROTOCOL("protocol"),
        /** The socket failed (reset, broken pipe). */
        IO("io"),
        /** A player whose connection accepted nothing for streamlet.http.playerStallTimeout. */
        STALLED("stalled"),
        /** A bug: an unexpected exception ended the connection. */
        INTERNAL("internal");

        public final String kind;

        ConnectionError(String kind) {
            this.kind = kind;
        }
    }

    /** What a client that has gone adds to the totals. */
    public interface Totals {
        long bytesReceived();

        long bytesSent();

        long tagsSent();

        long skips();

        long droppedTags();
    }

    private final Map<Protocol, LongAdder> connections = adders(Protocol.class);
    private final Map<Protocol, Map<ConnectionError, LongAdder>> errors = new EnumMap<>(Protocol.class);
    private final LongAdder handshakeFailures = new LongAdder();
    private final ConcurrentHashMap<String, LongAdder> hookCalls = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, LongAdder> hookFailures = new ConcurrentHashMap<>();
    private final LongAdder dvrFiles = new LongAdder();
    private final LongAdder dvrFailures = new LongAdder();
    // Totals of clients that have gone; the live ones are added at scrape time.
    private final LongAdder goneBytesReceived = new LongAdder();
    private final LongAdder goneBytesSent = new LongAdder();
    private final LongAdder goneTagsDelivered = new LongAdder();
    private final LongAdder goneSkips = new LongAdder();
    private final LongAdder goneDroppedTags = new LongAdder();

    public Metrics() {
        for (Protocol p : Protocol.values()) errors.put(p, adders(ConnectionError.class));
    }

    /** A connection was accepted (RTMP) or a player started (HTTP-FLV, WebSocket-FLV). */
    public void connectionOpened(Protocol protocol) {
        connections.get(protocol).increment();
    }

    public void connectionFailed(Protocol protocol, ConnectionError error) {
        errors.get(protocol).get(error).increment();
    }

    /** An RTMP connection that did not complete the handshake (bad version, timeout, closed midway). */
    public void handshakeFailed() {
        handshakeFailures.increment();
    }

    /**
     * One call of an HTTP hook (e.g. {@code on_publish}); {@code succeeded} is false when the hook could
     * not be reached, timed out or answered with an error.
     */
    public void hookCalled(String hook, boolean succeeded) {
        hookCalls.computeIfAbsent(hook, h -> new LongAdder()).increment();
        if (!succeeded) hookFailures.computeIfAbsent(hook, h -> new LongAdder()).increment();
    }

    /** A recording closed a file. */
    public void dvrFileClosed() {
        dvrFiles.increment();
    }

    /** A recording stopped on an error: its disk did not keep up, or its file could not be written. */
    public void dvrFailed() {
        dvrFailures.increment();
    }

    public long dvrFiles() {
        return dvrFiles.sum();
    }

    public long dvrFailures() {
        return dvrFailures.sum();
    }

    /** Adds a client's final counts; call once, after it left the set of live clients scrapes read. */
    public void clientGone(Totals client) {
        goneBytesReceived.add(client.bytesReceived());
        goneBytesSent.add(client.bytesSent());
        goneTagsDelivered.add(client.tagsSent());
        goneSkips.add(client.skips());
        goneDroppedTags.add(client.droppedTags());
    }

    public long connectionsOpened(Protocol protocol) {
        return connections.get(protocol).sum();
    }

    public long connectionErrors(Protocol protocol, ConnectionError error) {
        return errors.get(protocol).get(error).sum();
    }

    public long handshakeFailures() {
        return handshakeFailures.sum();
    }

    /** Calls by hook name, sorted. */
    public Map<String, Long> hookCalls() {
        return sums(hookCalls);
    }

    /** Failures by hook name, sorted; a hook that never failed is absent. */
    public Map<String, Long> hookFailures() {
        return sums(hookFailures);
    }

    public long goneBytesReceived() {
        return goneBytesReceived.sum();
    }

    public long goneBytesSent() {
        return goneBytesSent.sum();
    }

    public long goneTagsDelivered() {
        return goneTagsDelivered.sum();
    }

    public long goneSkips() {
        return goneSkips.sum();
    }

    public long goneDroppedTags() {
        return goneDroppedTags.sum();
    }

    private static <E extends Enum<E>> Map<E, LongAdder> adders(Class<E> type) {
        Map<E, LongAdder> map = new EnumMap<>(type);
        for (E e : type.getEnumConstants()) map.put(e, new LongAdder());
        return Collections.unmodifiableMap(map);
    }

    private static Map<String, Long> sums(Map<String, LongAdder> adders) {
        Map<String, Long> out = new TreeMap<>();
        adders.forEach((k, v) -> out.put(k, v.sum()));
        return out;
    }
}
