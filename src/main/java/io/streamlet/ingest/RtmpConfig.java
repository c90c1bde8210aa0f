package io.streamlet.ingest;

import io.streamlet.config.ConfigReader;

/** The RTMP server's knobs ({@code streamlet.rtmp.*}). */
public record RtmpConfig(
        boolean enabled,
        String host,
        int port,
        boolean failOnBindError,
        int maxConnections,
        int outChunkSize,
        int maxMessageSize,
        int ackWindow,
        long handshakeTimeoutMs,
        long idleTimeoutMs) {

    public static RtmpConfig read(ConfigReader r) {
        return new RtmpConfig(
                r.bool("streamlet.rtmp.enabled", true),
                r.string("streamlet.rtmp.host", "0.0.0.0"),
                r.integer("streamlet.rtmp.port", 1935, 0, 65535),
                r.bool("streamlet.rtmp.failOnBindError", true),
                r.integer("streamlet.rtmp.maxConnections", 10_000, 1, 1_000_000),
                (int) r.size("streamlet.rtmp.outChunkSize", 60000, 128, 16 * 1024 * 1024),
                (int) r.size("streamlet.rtmp.maxMessageSize", 8 * 1024 * 1024, 1024, 64 * 1024 * 1024),
                (int) r.size("streamlet.rtmp.ackWindow", 2_500_000, 1024, Integer.MAX_VALUE),
                r.duration("streamlet.rtmp.handshakeTimeout", 10_000, 100, 600_000),
                r.duration("streamlet.rtmp.idleTimeout", 20_000, 100, 3_600_000));
    }
}
