package io.streamlet.config;

import io.streamlet.StreamletConfig;
import io.streamlet.auth.IpRange;
import io.streamlet.auth.Secret;
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
    public static void log(String contextName, StreamletConfig config, KnobNames knobs, Iterable<String> contextParamNames) {
        for (KnobNames.Unknown unknown : knobs.unknownNames(contextParamNames)) log.warn("{}", unknown);
        log.info("Streamlet access control in {}: {}", contextName, accessControls(config));
    }

    /** E.g. {@code publish: signed URLs, on_publish hooks; play: open; API and /metrics: open; CORS: *}. */
    static String accessControls(StreamletConfig c) {
        return "publish: " + gate(c.authPublishAllow(), c.authPublishDeny(), c.authPublishSecret(), c.hooksOnPublish(), "on_publish")
                + "; play: " + gate(c.authPlayAllow(), c.authPlayDeny(), c.authPlaySecret(), c.hooksOnPlay(), "on_play")
                + "; API and /metrics: " + (c.apiUsername() == null ? "open" : "Basic auth")
                + "; CORS: " + (c.corsEnabled() ? String.join(", ", c.corsAllowOrigins()) : "off");
    }

    private static String gate(List<IpRange> allow, List<IpRange> deny, Secret secret, List<URI> hooks, String hook) {
        List<String> on = new ArrayList<>();
        if (!allow.isEmpty() || !deny.isEmpty()) on.add("IP rules");
        if (secret != null) on.add("signed URLs");
        if (!hooks.isEmpty()) on.add(hook + " hooks");
        return on.isEmpty() ? "open" : String.join(", ", on);
    }
}
