package io.streamlet.webapp;

import io.streamlet.api.ApiConfig;
import io.streamlet.auth.AuthConfig;
import io.streamlet.auth.IpRange;
import io.streamlet.config.KnobNames;
import io.streamlet.config.Secret;
import io.streamlet.server.StreamletConfig;
import io.streamlet.servlet.HttpConfig;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a webapp logs about its configuration as it starts: a warning for each {@code streamlet.*} setting
 * that no knob reads, and one line saying which access controls are on (all are off by default, which an
 * admin should not have to infer from silence).
 */
public final class StartupReport {
    private static final Logger log = LoggerFactory.getLogger(StartupReport.class);

    private StartupReport() {}

    /** Logs the report; {@code knobs} is the source {@code config} was read from. */
    public static void log(String contextName, StreamletConfig config, HttpConfig http, ApiConfig api, KnobNames knobs,
            Iterable<String> contextParamNames) {
        for (KnobNames.Unknown unknown : knobs.unknownNames(contextParamNames)) log.warn("{}", unknown);
        log.info("Streamlet access control in {}: {}", contextName, accessControls(config.auth(), http, api));
    }

    /** E.g. {@code publish: signed URLs, on_publish hooks; play: open; API and /metrics: open; CORS: *}. */
    static String accessControls(AuthConfig c, HttpConfig http, ApiConfig api) {
        return "publish: " + gate(c.publishAllow(), c.publishDeny(), c.publishSecret(), c.hooksOnPublish(), "on_publish")
                + "; play: " + gate(c.playAllow(), c.playDeny(), c.playSecret(), c.hooksOnPlay(), "on_play")
                + "; API and /metrics: " + (api.username() == null ? "open" : "Basic auth")
                + "; CORS: " + (http.corsEnabled() ? String.join(", ", http.corsAllowOrigins()) : "off");
    }

    private static String gate(List<IpRange> allow, List<IpRange> deny, Secret secret, List<URI> hooks, String hook) {
        List<String> on = new ArrayList<>();
        if (!allow.isEmpty() || !deny.isEmpty()) on.add("IP rules");
        if (secret != null) on.add("signed URLs");
        if (!hooks.isEmpty()) on.add(hook + " hooks");
        return on.isEmpty() ? "open" : String.join(", ", on);
    }
}
