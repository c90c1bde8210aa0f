package io.streamlet.servlet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.streamlet.config.ConfigReader;
import io.streamlet.config.InvalidConfigException;
import io.streamlet.live.StreamKey;
import java.util.Map;
import org.junit.jupiter.api.Test;

class FlvMountTest {
    @Test
    void srsDefaultMount() {
        FlvMount mount = FlvMount.parse(FlvMount.DEFAULT);
        assertEquals(new StreamKey("live", "livestream"), mount.keyOf("/live/livestream.flv"));
        for (String path : new String[] {"/live/a/b.flv", "/live.flv", "/live/.x.flv", "live/x.flv",
            "/live/x.ts", "/live/x.flvx", "/live//x.flv", "/../x.flv"}) {
            assertNull(mount.keyOf(path), path);
        }
        assertEquals(new StreamKey("live", "x.flv"), mount.keyOf("/live/x.flv.flv"), "as a publish of live/x.flv names it");
    }

    @Test
    void otherTemplates() {
        assertEquals(new StreamKey("live", "cam"), FlvMount.parse("/flv/[app]/[stream].flv").keyOf("/flv/live/cam.flv"));
        assertNull(FlvMount.parse("/flv/[app]/[stream].flv").keyOf("/live/cam.flv"));
        assertEquals(new StreamKey("cam", "live"), FlvMount.parse("/[stream]/[app].flv").keyOf("/live/cam.flv"));
        assertEquals(new StreamKey("a", "b"), FlvMount.parse("/x.y/[app]_[stream].flv").keyOf("/x.y/a_b.flv"),
                "literal parts are not patterns");
        assertNull(FlvMount.parse("/x.y/[app]_[stream].flv").keyOf("/xzy/a_b.flv"));
    }

    @Test
    void badTemplatesStopTheStartNamingTheKnob() {
        for (String bad : new String[] {"/[app]/[stream].ts", "[app]/[stream].flv", "/[stream].flv", "/[app]/[app]/[stream].flv"}) {
            assertThrows(IllegalArgumentException.class, () -> FlvMount.parse(bad), bad);
            InvalidConfigException e = assertThrows(InvalidConfigException.class,
                    () -> HttpConfig.read(new ConfigReader(Map.of("streamlet.http.flvMount", bad)::get)));
            assertEquals(true, e.getMessage().contains("streamlet.http.flvMount"), e.getMessage());
        }
    }
}
