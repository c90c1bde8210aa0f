package io.streamlet.live;

import io.streamlet.metrics.Metrics;

/**
 * A connected client as the HTTP API lists it and an operator kicks it: an RTMP publisher, or a player
 * over HTTP-FLV, WebSocket-FLV or RTMP. Every reading may be called from any thread; counters may lag by a write or two.
 */
public interface Client extends Metrics.Totals {

    /** What the client does; the API's {@code type} and {@code publish}. */
    enum Role { PUBLISHER, PLAYER }

    /** The client id ({@link ClientIds}) that its log lines carry. */
    String id();

    Role role();

    /** The protocol it speaks: {@code rtmp}, {@code http-flv} or {@code ws-flv}. */
    String protocol();

    /** SRS's client type: {@code fmle-publish}, {@code flv-play} or {@code rtmp-play}. */
    String type();

    /** The peer's IP address. */
    String ip();

    /** What the client asked for: the RTMP tcUrl and stream name, or the HTTP request URL. */
    String url();

    /** The RTMP connect's tcUrl, null for players. */
    default String tcUrl() {
        return null;
    }

    /** The stream it publishes or plays; null for an RTMP connection that has not published yet. */
    StreamKey streamKey();

    long connectedAtMillis();

    @Override
    long bytesReceived();

    @Override
    long bytesSent();

    /** Tags a player received; 0 for a publisher. */
    @Override
    default long tagsSent() {
        return 0;
    }

    /** Times a player fell behind and skipped ahead; 0 for a publisher. */
    @Override
    default long skips() {
        return 0;
    }

    /** Tags a player never received because it skipped ahead; 0 for a publisher. */
    @Override
    default long droppedTags() {
        return 0;
    }

    /** Ends the client's connection (its response, for a player); idempotent, any thread. */
    void close(String reason);
}
