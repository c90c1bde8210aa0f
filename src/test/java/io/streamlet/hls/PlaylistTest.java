package io.streamlet.hls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/** Playlist text against RFC 8216 (4.3.3 playlist tags, 4.3.2 segment tags, 6.2.2 live playlists). */
class PlaylistTest {
    @Test
    void liveMpegTsPlaylist() {
        Playlist playlist = new Playlist(6, 2000);
        playlist.add(new Playlist.Entry(0, "0.ts", 2002, false, null));
        playlist.add(new Playlist.Entry(1, "1.ts", 1968, false, null));
        assertEquals("""
                #EXTM3U
                #EXT-X-VERSION:3
                #EXT-X-TARGETDURATION:2
                #EXT-X-MEDIA-SEQUENCE:0
                #EXTINF:2.002,
                0.ts
                #EXTINF:1.968,
                1.ts
                """, playlist.render());
    }

    @Test
    void slidingWindowCountsWhatLeft() {
        Playlist playlist = new Playlist(2, 2000);
        playlist.add(new Playlist.Entry(5, "5.ts", 2000, false, null));
        playlist.add(new Playlist.Entry(6, "6.ts", 2000, true, null));
        playlist.add(new Playlist.Entry(7, "7.ts", 2000, false, null));
        playlist.add(new Playlist.Entry(8, "8.ts", 2000, true, null));
        playlist.end();
        assertEquals("""
                #EXTM3U
                #EXT-X-VERSION:3
                #EXT-X-TARGETDURATION:2
                #EXT-X-MEDIA-SEQUENCE:7
                #EXT-X-DISCONTINUITY-SEQUENCE:1
                #EXTINF:2.000,
                7.ts
                #EXT-X-DISCONTINUITY
                #EXTINF:2.000,
                8.ts
                #EXT-X-ENDLIST
                """, playlist.render());
    }

    @Test
    void targetDurationCoversEveryRoundedDurationAndNeverShrinks() {
        Playlist playlist = new Playlist(1, 2000);
        playlist.add(new Playlist.Entry(0, "0.ts", 2499, false, null));
        assertEquals(2, targetDuration(playlist)); // 2.499 rounds to 2
        playlist.add(new Playlist.Entry(1, "1.ts", 2500, false, null));
        assertEquals(3, targetDuration(playlist)); // 2.5 rounds to 3
        playlist.add(new Playlist.Entry(2, "2.ts", 1000, false, null));
        assertEquals(3, targetDuration(playlist)); // the long one slid out, the target stays
        assertEquals(1, targetDuration(new Playlist(3, 300)));
    }

    @Test
    void fmp4PlaylistMapsEachInitSectionOnce() {
        Playlist playlist = new Playlist(6, 2000);
        playlist.add(new Playlist.Entry(0, "0.m4s", 2000, false, "init-0.mp4"));
        playlist.add(new Playlist.Entry(1, "1.m4s", 2000, false, "init-0.mp4"));
        playlist.add(new Playlist.Entry(2, "2.m4s", 2000, true, "init-1.mp4"));
        assertEquals("""
                #EXTM3U
                #EXT-X-VERSION:6
                #EXT-X-TARGETDURATION:2
                #EXT-X-MEDIA-SEQUENCE:0
                #EXT-X-MAP:URI="init-0.mp4"
                #EXTINF:2.000,
                0.m4s
                #EXTINF:2.000,
                1.m4s
                #EXT-X-DISCONTINUITY
                #EXT-X-MAP:URI="init-1.mp4"
                #EXTINF:2.000,
                2.m4s
                """, playlist.render());
    }

    @Test
    void addingAfterTheEndReopensAndGapsAreRefused() {
        Playlist playlist = new Playlist(3, 2000);
        playlist.add(new Playlist.Entry(0, "0.ts", 2000, false, null));
        playlist.end();
        playlist.add(new Playlist.Entry(1, "1.ts", 2000, true, null));
        assertFalse(playlist.render().contains("ENDLIST"));
        assertThrows(IllegalArgumentException.class, () -> playlist.add(new Playlist.Entry(3, "3.ts", 2000, false, null)));
        assertThrows(IllegalArgumentException.class, () -> new Playlist(0, 2000));
    }

    private static int targetDuration(Playlist playlist) {
        return playlist.render().lines().filter(l -> l.startsWith("#EXT-X-TARGETDURATION:"))
                .mapToInt(l -> Integer.parseInt(l.substring(l.indexOf(':') + 1))).findFirst().orElseThrow();
    }
}
