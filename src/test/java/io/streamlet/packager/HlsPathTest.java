package io.streamlet.packager;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.streamlet.live.StreamKey;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class HlsPathTest {
    @ParameterizedTest
    @CsvSource({
        "/live/cam.m3u8,                  live, cam,          PLAYLIST,     '',       0",
        "/live/cam.hd.m3u8,               live, cam.hd,       PLAYLIST,     '',       0",
        "/live/cam-lq8v1k2a-12.ts,        live, cam,          TS_SEGMENT,   lq8v1k2a, 12",
        "/live/my-cam-2-lq8v1k2a-0.ts,    live, my-cam-2,     TS_SEGMENT,   lq8v1k2a, 0",
        "/live/cam-lq8v1k2a-7.m4s,        live, cam,          FMP4_SEGMENT, lq8v1k2a, 7",
        "/live/cam-lq8v1k2a-init3.mp4,    live, cam,          INIT_SECTION, lq8v1k2a, 3",
        "/live/cam-x-1-lq8v1k2a-init0.mp4, live, cam-x-1,     INIT_SECTION, lq8v1k2a, 0",
    })
    void parsesWhatItNames(String path, String app, String stream, HlsPath.Kind kind, String generation, long number) {
        assertEquals(new HlsPath(new StreamKey(app, stream), kind, generation, number), HlsPath.parse(path));
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "/cam.m3u8", "/a/b/cam.m3u8", "/live/.m3u8", "/live/..m3u8", "/live/cam.flv", "/live/cam.ts", "/live/cam-12.ts",
        "/live/cam-gen-init1.ts", "/live/cam-gen-1.mp4", "/live/cam-GEN-1.ts", "/live/cam-gen-99999999999999999999.ts",
        "/live/-gen-1.ts", "/li ve/cam.m3u8",
    })
    void refusesWhatNamesNoHlsResource(String path) {
        assertNull(HlsPath.parse(path));
    }

    @ParameterizedTest
    @CsvSource({"false, cam-lq8v1k2a-12.ts", "true, cam-lq8v1k2a-12.m4s"})
    void namesParseBack(boolean fmp4, String name) {
        StreamKey key = new StreamKey("live", "cam");
        assertEquals(name, HlsPath.segmentName(key, "lq8v1k2a", 12, fmp4));
        HlsPath parsed = HlsPath.parse("/live/" + name);
        assertEquals(key, parsed.key());
        assertEquals(12, parsed.number());
        assertEquals("/live/cam.m3u8", HlsPath.playlistPath(key));
        assertEquals(new HlsPath(key, HlsPath.Kind.INIT_SECTION, "g", 2), HlsPath.parse("/live/" + HlsPath.initName(key, "g", 2)));
    }
}
