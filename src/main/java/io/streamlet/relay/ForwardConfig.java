package io.streamlet.relay;

import io.streamlet.config.ConfigReader;
import io.streamlet.config.InvalidConfigException;
import io.streamlet.live.StreamKey;
import io.streamlet.rtmp.client.RtmpUrl;
import java.net.URI;
import java.util.List;

/**
 * Forwarding's knobs ({@code streamlet.forward.*}), SRS's {@code forward}: where every stream published here
 * is pushed, as RTMP URL templates, and the HTTP backend asked per stream.
 *
 * @param destinations RTMP URL templates; {@code [app]} and {@code [stream]} stand for the stream's
 * @param backend asked on every publish for more destinations ({@code on_forward}), or null
 * @param timeoutMs how long a destination may take to accept the publish, and the backend to answer
 */
public record ForwardConfig(List<String> destinations, URI backend, long timeoutMs) {

    public static ForwardConfig read(ConfigReader r) {
        List<String> destinations = r.parsedList("streamlet.forward.destinations", template -> {
            RtmpUrl.parse(expand(template, new StreamKey("app", "stream"))); // throws if no stream could make it a URL
            return template;
        });
        List<URI> backends = r.httpUrls("streamlet.forward.backend");
        if (backends.size() > 1) {
            throw new InvalidConfigException("invalid value for streamlet.forward.backend: expected one http:// or https:// URL");
        }
        return new ForwardConfig(destinations, backends.isEmpty() ? null : backends.get(0),
                r.duration("streamlet.forward.timeout", 10_000, 100, 600_000));
    }

    /** Whether anything is forwarded: without destinations or backend, no forward and no thread exists. */
    public boolean enabled() {
        return !destinations.isEmpty() || backend != null;
    }

    /** {@code template} for {@code key}: {@code [app]} and {@code [stream]} replaced. */
    public static String expand(String template, StreamKey key) {
        return template.replace("[app]", key.app()).replace("[stream]", key.stream());
    }
}
