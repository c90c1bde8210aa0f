package io.streamlet.rtmp.client;

import java.net.URI;
import java.net.URISyntaxException;

/**
 * An {@code rtmp://host[:port]/app/stream[?query]} URL as a client uses it: the app is everything between
 * the host and the last {@code /} (so {@code live/sub/x} is app {@code live/sub}, as SRS reads it), the
 * stream name is the rest, with the query kept on it (servers read a signature there, as from
 * {@code ?sign=}), and the tcUrl sent with {@code connect} is the URL up to the app.
 *
 * @param stream the stream name with its {@code ?query}, if any, as {@code play} and {@code publish} send it
 */
public record RtmpUrl(String host, int port, String app, String stream) {
    public static final int DEFAULT_PORT = 1935;

    public RtmpUrl {
        if (host == null || host.isEmpty()) throw new IllegalArgumentException("RTMP URL without a host");
        if (port < 1 || port > 65535) throw new IllegalArgumentException("port out of range: " + port);
        if (app == null || app.isEmpty()) throw new IllegalArgumentException("RTMP URL without an app");
        if (stream == null || stream.isEmpty()) throw new IllegalArgumentException("RTMP URL without a stream name");
    }

    /** @throws IllegalArgumentException if {@code url} is not an rtmp:// URL with a host, an app and a stream */
    public static RtmpUrl parse(String url) {
        URI uri;
        try {
            uri = new URI(url);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("not a URL: " + url, e);
        }
        if (!"rtmp".equalsIgnoreCase(uri.getScheme())) throw new IllegalArgumentException("not an rtmp:// URL: " + url);
        String path = uri.getRawPath() == null ? "" : uri.getRawPath().replaceAll("^/+|/+$", "");
        int slash = path.lastIndexOf('/');
        if (slash <= 0) throw new IllegalArgumentException("expected rtmp://host[:port]/app/stream, got " + url);
        String query = uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery();
        return new RtmpUrl(uri.getHost(), uri.getPort() < 0 ? DEFAULT_PORT : uri.getPort(),
                path.substring(0, slash), path.substring(slash + 1) + query);
    }

    /** What {@code connect} sends as tcUrl: {@code rtmp://host:port/app}. */
    public String tcUrl() {
        return "rtmp://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + port + "/" + app;
    }

    /** The stream name without its query: safe to log, as the query may hold a signature. */
    public String streamName() {
        int q = stream.indexOf('?');
        return q < 0 ? stream : stream.substring(0, q);
    }

    /** The URL without the query, for logs. */
    @Override
    public String toString() {
        return tcUrl() + "/" + streamName();
    }
}
