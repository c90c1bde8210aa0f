package io.streamlet.rtmp.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class RtmpUrlTest {
    @Test
    void appIsEverythingBeforeTheLastSlashAndTheQueryStaysOnTheStream() {
        RtmpUrl url = RtmpUrl.parse("rtmp://127.0.0.1:1945/live/cam1?sign=a%2Fb&x=1");
        assertEquals(new RtmpUrl("127.0.0.1", 1945, "live", "cam1?sign=a%2Fb&x=1"), url);
        assertEquals("rtmp://127.0.0.1:1945/live", url.tcUrl());
        assertEquals("cam1", url.streamName());
        assertEquals("rtmp://127.0.0.1:1945/live/cam1", url.toString(), "no query in logs");

        assertEquals(new RtmpUrl("example.org", 1935, "live/sub", "x"), RtmpUrl.parse("rtmp://example.org/live/sub/x/"));
    }

    @Test
    void refusesWhatIsNotAPlayableRtmpUrl() {
        for (String bad : new String[] {"http://127.0.0.1/live/x", "rtmp://127.0.0.1/x", "rtmp:///live/x",
                "rtmp://127.0.0.1:99999/live/x", "rtmp://127.0.0.1/live/", "not a url"}) {
            assertThrows(IllegalArgumentException.class, () -> RtmpUrl.parse(bad), bad);
        }
    }
}
