package io.streamlet.live;

import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * The server's event counters for {@code /metrics}, one set per webapp (owned by its {@link SourceRegistry}).
 * Only events are counted here: connections, errors, hook calls, and the final totals of clients that
 * have gone. What live objects hold (bytes, tags, skips) is read from them at scrape time, so nothing is
 * added on the per-frame path. Every method is cheap, lock-free, and callable from any thread.
 */
public final class Metrics {

    /** The protocols connections are counted by. */
    public enum Protocol {
        RTMP("rtmp"), HTTP_FLV("http_flv");

        public final String label;

        Protocol(String label) {
            this.label = label;
        }
    }

    /** Why a connection ended abnormally; a player leaving or a publisher stopping is not an error. */
    public enum ConnectionError {
        /** The RTMP connection limit was reached (streamlet.rtmp.maxConnections). */
        RTMP_REFUSED(Protocol.RTMP, "refused"),
        /** A publisher sent nothing for streamlet.rtmp.idleTimeout. */
        RTMP_TIMEOUT(Protocol.RTMP, "timeout"),
        /** Malformed RTMP or media the source refused. */
        RTMP_PROTOCOL(Protocol.RTMP, "protocol"),
        /** The socket failed (reset, broken pipe). */
        RTMP_IO(Protocol.RTMP, "io"),
        /** A player whose connection accepted nothing for streamlet.http.playerStallTimeout. */
        PLAYER_STALLED(Protocol.HTTP_FLV, "stalled"),
        /** A bug: an unexpected exception ended the connection. */
        RTMP_INTERNAL(Protocol.RTMP, "internal"),
        PLAYER_INTERNAL(Protocol.HTTP_FLV, "internal");

        public final Protocol protocol;
        public final String kind;

        ConnectionError(Protocol protocol, String kind) {
            this.protocol = protocol;
            this.kind = kind;
        }
    }

    private final Map<Protocol, LongAdder> connections = adders(Protocol.class);
    private final Map<ConnectionError, LongAdder> errors = adders(ConnectionError.class);
    private final LongAdder handshakeFailures = new LongAdder();
    private final ConcurrentHashMap<String, LongAdder> hookCalls = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, LongAdder> hookFailures = new ConcurrentHashMap<>();
    // Totals of clients that have gone; the live ones are added at scrape time.
    private final LongAdder goneBytesReceived = new LongAdder();
    private final LongAdder goneBytesSent = new LongAdder();
    private final LongAdder goneTagsDelivered = new LongAdder();
    private final LongAdder goneSkips = new LongAdder();
    private final LongAdder goneDroppedTags = new LongAdder();

    /** A connection was accepted (RTMP) or a player started (HTTP-FLV). */
    public void connectionOpened(Protocol protocol) {
        connections.get(protocol).increment();
    }

    public void connectionFailed(ConnectionError error) {
        errors.get(error).increment();
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

    /** Adds a client's final counts; call once, after it left the set of live clients scrapes read. */
    public void clientGone(Client client) {
        goneBytesReceived.add(client.bytesReceived());
        goneBytesSent.add(client.bytesSent());
        goneTagsDelivered.add(client.tagsSent());
        goneSkips.add(client.skips());
        goneDroppedTags.add(client.droppedTags());
    }

    public long connectionsOpened(Protocol protocol) {
        return connections.get(protocol).sum();
    }

    public long connectionErrors(ConnectionError error) {
        return errors.get(error).sum();
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
