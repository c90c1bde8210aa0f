package io.streamlet.server;

import io.streamlet.auth.AuthConfig;
import io.streamlet.cluster.ClusterConfig;
import io.streamlet.config.ConfigReader;
import io.streamlet.delivery.DeliveryConfig;
import io.streamlet.ingest.RtmpConfig;
import io.streamlet.live.LiveConfig;
import io.streamlet.record.DvrConfig;
import io.streamlet.packager.HlsConfig;
import io.streamlet.relay.PullConfig;
import io.streamlet.relay.ForwardConfig;
import java.util.function.Function;

/**
 * The server's knobs, parsed and validated once at start: one typed part per module, each read by the
 * module's own {@code read(ConfigReader)}. The webapp's HTTP parts ({@code HttpConfig}, {@code ApiConfig})
 * are read by the webapp beside this.
 *
 * <p>Each knob has a name such as {@code streamlet.rtmp.port}; see {@link io.streamlet.config.KnobNames}
 * for where its value comes from. A bad value fails {@link #load} with a message naming the knob.
 */
public record StreamletConfig(RtmpConfig rtmp, LiveConfig live, DeliveryConfig delivery, AuthConfig auth, DvrConfig dvr,
        HlsConfig hls, ForwardConfig forward, PullConfig pull, ClusterConfig cluster) {

    public static StreamletConfig read(ConfigReader r) {
        return new StreamletConfig(RtmpConfig.read(r), LiveConfig.read(r), DeliveryConfig.read(r), AuthConfig.read(r),
                DvrConfig.read(r), HlsConfig.read(r), ForwardConfig.read(r), PullConfig.read(r), ClusterConfig.read(r));
    }

    public static StreamletConfig load(Function<String, String> source) {
        return read(new ConfigReader(source));
    }

    /** Defaults for everything. */
    public static StreamletConfig defaults() {
        return load(name -> null);
    }
}
