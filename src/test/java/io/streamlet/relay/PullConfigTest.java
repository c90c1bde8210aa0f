package io.streamlet.relay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.streamlet.config.ConfigReader;
import io.streamlet.config.InvalidConfigException;
import io.streamlet.live.StreamKey;
import java.net.URI;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code streamlet.pull.*} as a deployment writes it, and what a typo or an unusable URL gets. */
class PullConfigTest {

    private static PullConfig read(String... knobs) {
        Map<String, String> map = new java.util.HashMap<>();
        for (int i = 0; i < knobs.length; i += 2) map.put(knobs[i], knobs[i + 1]);
        return PullConfig.read(new ConfigReader(map::get));
    }

    @Test
    void exactEntriesComeBeforeAppTemplatesWithPlaceholdersFilledIn() {
        PullConfig config = read("streamlet.pull.sources",
                "live/*=http://origin:8080/[app]/[stream].flv, live/cam=rtmp://gw.example/cams/front",
                "streamlet.pull.always", "live/cam");
        assertEquals(List.of(URI.create("rtmp://gw.example/cams/front"), URI.create("http://origin:8080/live/cam.flv")),
                config.sourcesOf(new StreamKey("live", "cam")));
        assertEquals(List.of(URI.create("http://origin:8080/live/other.flv")), config.sourcesOf(new StreamKey("live", "other")));
        assertEquals(List.of(), config.sourcesOf(new StreamKey("tv", "cam")));
        assertTrue(config.always().contains(new StreamKey("live", "cam")));
        assertEquals(15_000, config.idleTimeoutMs());
        assertEquals(5_000, config.maxStreamWaitMs());
        assertEquals(2, config.maxHops());
    }

    @Test
    void badEntriesFailTheStartNamingTheKnob() {
        assertTrue(assertThrows(InvalidConfigException.class, () -> read("streamlet.pull.sources", "live/cam"))
                .getMessage().contains("streamlet.pull.sources"));
        assertThrows(InvalidConfigException.class, () -> read("streamlet.pull.sources", "live/cam=ftp://x/y"));
        assertThrows(InvalidConfigException.class, () -> read("streamlet.pull.sources", "../x/cam=http://x/y.flv"));
        InvalidConfigException unserved = assertThrows(InvalidConfigException.class, () -> read(
                "streamlet.pull.sources", "live/cam=http://x/cam.flv", "streamlet.pull.always", "live/other"));
        assertTrue(unserved.getMessage().contains("streamlet.pull.always"), unserved.getMessage());
    }
}
