package io.streamlet.record;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.streamlet.config.ConfigReader;
import io.streamlet.config.InvalidConfigException;
import io.streamlet.live.StreamKey;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DvrPathTest {
    private static final StreamKey KEY = new StreamKey("live", "cam-1");
    private static final Instant AT = Instant.parse("2024-03-07T09:05:02.045Z");

    @Test
    void theDefaultNamesTheFileByAppStreamAndUnixMilliseconds() {
        Path p = new DvrPath(DvrConfig.DEFAULT_PATH).resolve(KEY, AT, ZoneOffset.UTC);
        assertEquals(Path.of("./dvr/live/cam-1." + AT.toEpochMilli() + ".flv"), p);
    }

    @Test
    void goReferenceDatePartsAreTheTimeInTheZoneZeroPadded() {
        DvrPath path = new DvrPath("/rec/[app]/[2006]/[01]/[02]/[stream]-[15][04][05].[999].flv");
        assertEquals(Path.of("/rec/live/2024/03/07/cam-1-090502.045.flv"), path.resolve(KEY, AT, ZoneOffset.UTC));
        assertEquals(Path.of("/rec/live/2024/03/07/cam-1-100502.045.flv"), path.resolve(KEY, AT, ZoneId.of("Europe/Paris")));
    }

    @Test
    void aVariableMayRepeatAndTextAroundItStays() {
        assertEquals(Path.of("x[live]/live_live.flv"),
                new DvrPath("x[[app]]/[app]_[app].flv").resolve(KEY, AT, ZoneOffset.UTC));
    }

    @Test
    void aNameEndingInMp4RecordsFragmentedMp4() {
        assertTrue(new DvrPath("./dvr/[stream].MP4").isMp4());
        assertFalse(new DvrPath(DvrConfig.DEFAULT_PATH).isMp4());
    }

    @Test
    void anUnknownVariableOrAnotherContainerIsRefusedNamingTheKnob() {
        for (String bad : List.of("./dvr/[app]/[name].flv", "./dvr/[stream].ts", "./dvr/[stream]")) {
            String message = assertThrows(InvalidConfigException.class,
                    () -> DvrConfig.read(new ConfigReader(Map.of("streamlet.dvr.path", bad)::get))).getMessage();
            assertTrue(message.startsWith("invalid value '" + bad + "' for streamlet.dvr.path: "), message);
        }
    }

    @Test
    void knobsHaveSrsDefaultsAndAppsSelectStreams() {
        DvrConfig off = DvrConfig.read(new ConfigReader(name -> null));
        assertEquals(false, off.enabled());
        assertEquals(DvrConfig.Plan.SESSION, off.plan());
        assertEquals(30_000, off.segmentMs());
        assertEquals(false, off.recordsOnPublish(KEY));

        DvrConfig some = DvrConfig.read(new ConfigReader(Map.of("streamlet.dvr.enabled", "true", "streamlet.dvr.apps",
                "live, show", "streamlet.dvr.plan", "segment", "streamlet.dvr.duration", "10s")::get));
        assertEquals(DvrConfig.Plan.SEGMENT, some.plan());
        assertEquals(10_000, some.segmentMs());
        assertTrue(some.recordsOnPublish(KEY));
        assertEquals(false, some.recordsOnPublish(new StreamKey("other", "cam-1")));
        assertTrue(DvrConfig.read(new ConfigReader(Map.of("streamlet.dvr.enabled", "on")::get)).recordsOnPublish(
                new StreamKey("any", "thing")), "no apps: every app");
    }
}
