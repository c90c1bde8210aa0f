package io.streamlet.packager;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.streamlet.auth.AccessPolicy;
import io.streamlet.auth.AuthConfig;
import io.streamlet.metrics.Metrics;
import io.streamlet.flv.FlvTag;
import io.streamlet.live.LiveConfig;
import io.streamlet.live.Publication;
import io.streamlet.live.SourceRegistry;
import io.streamlet.live.StreamKey;
import io.streamlet.testing.SyntheticMedia;
import java.time.Clock;
import java.util.List;
import org.junit.jupiter.api.Test;

class HlsPackagerTest {
    @Test
    void closeEndsEveryThread() throws Exception {
        AccessPolicy access = new AccessPolicy(AuthConfig.defaults(), new Metrics(), Clock.systemUTC());
        HlsPackager packager = new HlsPackager(HlsConfig.defaults(), access, id -> null);
        Thread.sleep(2_500); // the session sweep has run on the packager's threads
        packager.close();
        List<String> alive = Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().startsWith("streamlet-hls-") && t.isAlive()).map(Thread::getName).toList();
        assertEquals(List.of(), alive);
    }

    @Test
    void unreadableMediaInTheLastSegmentStillEndsThePlaylist() throws Exception {
        AccessPolicy access = new AccessPolicy(AuthConfig.defaults(), new Metrics(), Clock.systemUTC());
        StreamKey key = new StreamKey("live", "bad-tail");
        try (SourceRegistry registry = new SourceRegistry(LiveConfig.defaults());
                HlsPackager packager = new HlsPackager(HlsConfig.defaults(), access, id -> null)) {
            registry.addListener(packager);
            Publication publication = registry.publish(key, "p", () -> {});
            publication.onMessage(FlvTag.SCRIPT, 0, SyntheticMedia.metadata(false, true));
            publication.onMessage(FlvTag.VIDEO, 0, SyntheticMedia.avcSequenceHeader(1));
            for (int t = 0; t <= 3_000; t += 100) { // keyframes each second, each frame one whole NAL
                boolean keyframe = t % 1_000 == 0;
                publication.onMessage(FlvTag.VIDEO, t, SyntheticMedia.avcFrame(keyframe, keyframe ? 110 : 74));
            }
            // The last segment holds a NAL whose length runs past its frame: the muxer refuses it at the end.
            publication.onMessage(FlvTag.VIDEO, 3_100, SyntheticMedia.avcFrame(false, 60));
            publication.unpublish();

            long deadline = System.nanoTime() + 5_000_000_000L;
            HlsStream stream = packager.find(key);
            while (!(stream != null && stream.isEnded()) && System.nanoTime() < deadline) {
                Thread.sleep(20);
                stream = packager.find(key);
            }
            assertTrue(stream != null && stream.isEnded(), "the stream's HLS ended");
            assertTrue(stream.playlist().contains("#EXT-X-ENDLIST"), stream.playlist());
            assertTrue(stream.playlist().contains("#EXTINF"), "the readable segment is listed: " + stream.playlist());
        }
    }
}
