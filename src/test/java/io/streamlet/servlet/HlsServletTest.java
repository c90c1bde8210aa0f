package io.streamlet.servlet;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class HlsServletTest {
    private static final String PLAYLIST = """
            #EXTM3U
            #EXT-X-VERSION:6
            #EXT-X-TARGETDURATION:2
            #EXT-X-MEDIA-SEQUENCE:4
            #EXT-X-MAP:URI="cam-g-init0.mp4"
            #EXTINF:2.000,
            cam-g-4.m4s
            #EXT-X-DISCONTINUITY
            #EXTINF:1.960,
            cam-g-5.m4s
            """;

    @Test
    void theQueryReachesEveryUriAndNothingElse() {
        assertEquals("""
                #EXTM3U
                #EXT-X-VERSION:6
                #EXT-X-TARGETDURATION:2
                #EXT-X-MEDIA-SEQUENCE:4
                #EXT-X-MAP:URI="cam-g-init0.mp4?sign=1-ab&hls_ctx=c0"
                #EXTINF:2.000,
                cam-g-4.m4s?sign=1-ab&hls_ctx=c0
                #EXT-X-DISCONTINUITY
                #EXTINF:1.960,
                cam-g-5.m4s?sign=1-ab&hls_ctx=c0
                """, HlsServlet.withQuery(PLAYLIST, "sign=1-ab&hls_ctx=c0"));
    }

    @Test
    void withoutAQueryThePlaylistIsAsMadeAndAQuoteCannotEndTheAttribute() {
        assertEquals(PLAYLIST, HlsServlet.withQuery(PLAYLIST, null));
        assertEquals(PLAYLIST, HlsServlet.withQuery(PLAYLIST, ""));
        String quoted = HlsServlet.withQuery(PLAYLIST, "a=\"x");
        assertEquals(true, quoted.contains("#EXT-X-MAP:URI=\"cam-g-init0.mp4?a=%22x\"\n"), quoted);
    }

    @Test
    void anOldSessionTokenLeavesTheQueryBeforeANewOneIsAdded() {
        assertEquals("sign=1-ab", AuthFilter.withoutParam("sign=1-ab&hls_ctx=old", "hls_ctx"));
        assertEquals("sign=1-ab&x", AuthFilter.withoutParam("hls_ctx&sign=1-ab&&x&hls_ctx=", "hls_ctx"));
        assertEquals("hls_ctxx=1", AuthFilter.withoutParam("hls_ctxx=1", "hls_ctx"));
        assertEquals("", AuthFilter.withoutParam(null, "hls_ctx"));
    }
}
