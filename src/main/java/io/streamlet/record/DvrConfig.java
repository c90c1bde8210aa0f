package io.streamlet.record;

import io.streamlet.config.ConfigReader;
import io.streamlet.live.StreamKey;
import java.util.List;
import java.util.Locale;

/**
 * Recording's knobs ({@code streamlet.dvr.*}), SRS's DVR: which streams are recorded from their publish on,
 * where, and in one file per session or in segments. The HTTP API starts and stops recordings whatever
 * {@code enabled} says.
 *
 * @param apps the apps recorded; empty: every app
 * @param segmentMs a segment's least length; a file is cut at the first keyframe after it
 */
public record DvrConfig(boolean enabled, List<String> apps, DvrPath path, Plan plan, long segmentMs) {

    /** SRS's {@code dvr_plan}: one file per publish session, or files of about {@code duration} each. */
    public enum Plan {
        SESSION, SEGMENT;

        public String knobValue() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    public static final String DEFAULT_PATH = "./dvr/[app]/[stream].[timestamp].flv";

    public static DvrConfig read(ConfigReader r) {
        return new DvrConfig(
                r.bool("streamlet.dvr.enabled", false),
                r.list("streamlet.dvr.apps", ""),
                r.parsed("streamlet.dvr.path", DEFAULT_PATH, DvrPath::new),
                r.choice("streamlet.dvr.plan", Plan.SESSION, Plan.class, Plan::knobValue),
                r.duration("streamlet.dvr.duration", 30_000, 1_000, 86_400_000));
    }

    /** Whether streams of {@code key} are recorded from their publish on. */
    public boolean recordsOnPublish(StreamKey key) {
        return enabled && (apps.isEmpty() || apps.contains(key.app()));
    }
}
