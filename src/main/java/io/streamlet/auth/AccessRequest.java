package io.streamlet.auth;

import io.streamlet.live.StreamKey;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Who wants to publish or play what: what the access policy decides on and what the hooks are told.
 *
 * @param clientId the id the logs use for this client
 * @param ip the client's address as the listener saw it
 * @param params the decoded query parameters of the request (RTMP: of the connect URL and the publish name)
 * @param tcUrl RTMP: the connect URL; HTTP: the URL up to the app ({@code http://host:8080/live})
 * @param pageUrl HTTP play: the {@code Referer}, or ""; null for publishers (SRS sends it for play only)
 * @param streamId the stream's id in logs and API: the client id of its publisher, "" if none
 */
public record AccessRequest(String clientId, String ip, StreamKey key, Map<String, String> params, String tcUrl,
        String pageUrl, String streamId) {

    public AccessRequest {
        params = Map.copyOf(params);
    }

    /** {@code /app/stream}: what a signature signs and SRS's {@code stream_url}. */
    public String streamPath() {
        return "/" + key.app() + "/" + key.stream();
    }

    /** SRS's {@code param}: the query, re-encoded, with its {@code ?}; "" without one. */
    public String param() {
        if (params.isEmpty()) return "";
        return params.entrySet().stream().sorted(Map.Entry.comparingByKey())
                .map(e -> encode(e.getKey()) + (e.getValue().isEmpty() ? "" : "=" + encode(e.getValue())))
                .collect(Collectors.joining("&", "?", ""));
    }

    private static String encode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }
}
