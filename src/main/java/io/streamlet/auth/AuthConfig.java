package io.streamlet.auth;

import io.streamlet.config.ConfigReader;
import io.streamlet.config.Secret;
import java.net.URI;
import java.util.List;

/** Access control's knobs: signed URLs and IP rules ({@code streamlet.auth.*}), HTTP hooks ({@code streamlet.hooks.*}). */
public record AuthConfig(
        Secret publishSecret,
        Secret playSecret,
        List<IpRange> publishAllow,
        List<IpRange> publishDeny,
        List<IpRange> playAllow,
        List<IpRange> playDeny,
        List<URI> hooksOnPublish,
        List<URI> hooksOnUnpublish,
        List<URI> hooksOnPlay,
        List<URI> hooksOnStop,
        List<URI> hooksOnDvr,
        List<URI> hooksOnHls,
        long hooksTimeoutMs) {

    public static AuthConfig read(ConfigReader r) {
        return new AuthConfig(
                r.secret("streamlet.auth.publishSecret"),
                r.secret("streamlet.auth.playSecret"),
                r.parsedList("streamlet.auth.publishAllow", IpRange::parse),
                r.parsedList("streamlet.auth.publishDeny", IpRange::parse),
                r.parsedList("streamlet.auth.playAllow", IpRange::parse),
                r.parsedList("streamlet.auth.playDeny", IpRange::parse),
                r.httpUrls("streamlet.hooks.onPublish"),
                r.httpUrls("streamlet.hooks.onUnpublish"),
                r.httpUrls("streamlet.hooks.onPlay"),
                r.httpUrls("streamlet.hooks.onStop"),
                r.httpUrls("streamlet.hooks.onDvr"),
                r.httpUrls("streamlet.hooks.onHls"),
                r.duration("streamlet.hooks.timeout", 3_000, 10, 60_000));
    }

    public static AuthConfig defaults() {
        return read(new ConfigReader(name -> null));
    }
}
