package io.streamlet.packager;

import io.streamlet.EventLog;
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
import io.streamlet.config.ConfigReader;
import io.streamlet.testing.LogCapture;
import io.streamlet.testing.SyntheticMedia;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;

class HlsPackagerTest {
    @Test
    void closeEndsEveryThread() throws Exception {
        AccessPolicy access = new AccessPolicy(AuthConfig.defaults(), new Metrics(), Clock.systemUTC(), EventLog.inline());
        HlsPackager packager = new HlsPackager(HlsConfig.defaults(), access, id -> null);
        Thread.sleep(2_500); // the session sweep has run on the packager's threads
        packager.close();
        List<String> alive = Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().startsWith("streamlet-hls-") && t.isAlive()).map(Thread::getName).toList();
        assertEquals(List.of(), alive);
    }

    @Test
    void mediaTheMuxerRefusesInTheLastSegmentStillEndsThePlaylist() throws Exception {
        StreamKey key = new StreamKey("live", "bad-tail");
        try (SourceRegistry registry = new SourceRegistry(LiveConfig.defaults()); HlsPackager packager = packager(registry)) {
            Publication publication = registry.publish(key, "p", () -> {});
            publication.onMessage(FlvTag.SCRIPT, 0, SyntheticMedia.metadata(true, true));
            publication.onMessage(FlvTag.VIDEO, 0, SyntheticMedia.avcSequenceHeader(1));
            publication.onMessage(FlvTag.AUDIO, 0, SyntheticMedia.aacSequenceHeader());
            publishFrames(publication, 0, 3_000);
            // The last segment holds an AAC frame too long for ADTS: the muxer refuses it when the end closes it.
            publication.onMessage(FlvTag.AUDIO, 3_050, SyntheticMedia.aacFrame(9_000));
            publication.unpublish();

            HlsStream stream = awaitHls(packager, key, HlsStream::isEnded);
            assertTrue(stream.playlist().contains("#EXT-X-ENDLIST"), stream.playlist());
            assertTrue(stream.playlist().contains("#EXTINF"), "the readable segments are listed: " + stream.playlist());
        }
    }

    @Test
    void aMalformedNalUnitIsToldInOneLineAndOnlyItsFrameIsLost() throws Exception {
        StreamKey key = new StreamKey("live", "bad-nal");
        try (LogCapture logged = new LogCapture();
                SourceRegistry registry = new SourceRegistry(LiveConfig.read(new ConfigReader(
                        Map.of("streamlet.live.republishGrace", "5s")::get)));
                HlsPackager packager = packager(registry)) {
            Publication first = registry.publish(key, "pub-1", () -> {});
            first.onMessage(FlvTag.SCRIPT, 0, SyntheticMedia.metadata(false, true));
            first.onMessage(FlvTag.VIDEO, 0, SyntheticMedia.avcSequenceHeader(1));
            publishFrames(first, 0, 1_100);
            // A frame whose NAL units do not fill its 95 bytes, as the synthetic media of other tests has.
            first.onMessage(FlvTag.VIDEO, 1_150, SyntheticMedia.avcFrame(false, 100));
            publishFrames(first, 1_200, 2_000);
            first.unpublish();
            // A republish within the grace window closes the open segment: that must not fail either.
            Publication second = registry.publish(key, "pub-2", () -> {});
            second.onMessage(FlvTag.VIDEO, 0, SyntheticMedia.avcSequenceHeader(1));
            publishFrames(second, 0, 3_000);
            second.onMessage(FlvTag.VIDEO, 3_000, SyntheticMedia.avcFrame(true, 100)); // a NAL unit of 101 bytes
            second.unpublish();
            registry.close();

            HlsStream stream = awaitHls(packager, key, HlsStream::isEnded);
            assertEquals(3, segmentCount(stream.playlist()), "a segment of 2 s, then 2 after the republish: " + stream.playlist());
            String firstSegment = stream.playlist().lines().filter(l -> l.endsWith(".ts")).findFirst().orElseThrow();
            byte[] ts = stream.segment(HlsPath.parse("/live/" + firstSegment));
            assertEquals(19, videoPesPackets(ts), "the 19 good frames of the first session, its bad one left out");
            List<String> hlsLines = logged.lines().stream().filter(l -> l.contains(key.toString())).toList();
            List<String> told = hlsLines.stream().filter(l -> l.contains("bad media")).toList();
            assertEquals(1, told.size(), "told once per stream: " + hlsLines);
            assertTrue(told.get(0).contains("WARN") && told.get(0).contains("stream " + first.source().id())
                    && told.get(0).contains("avc1 frame at 1150 ms left out: NAL unit length truncated at 93"), told.get(0));
            assertTrue(hlsLines.stream().noneMatch(l -> l.contains("bug")), "bad input is not a bug: " + hlsLines);
            assertTrue(logged.lines().stream().noneMatch(l -> l.contains("IllegalArgumentException")),
                    "no stack trace: " + logged.lines());
        }
    }

    private static HlsPackager packager(SourceRegistry registry) {
        AccessPolicy access = new AccessPolicy(AuthConfig.defaults(), new Metrics(), Clock.systemUTC(), EventLog.inline());
        HlsPackager packager = new HlsPackager(HlsConfig.defaults(), access, id -> null);
        registry.addListener(packager);
        return packager;
    }

    /** Video every 100 ms in [from, to), a keyframe each second, each frame one whole NAL unit. */
    private static void publishFrames(Publication publication, long from, long to) {
        for (long t = from; t < to; t += 100) {
            boolean keyframe = t % 1_000 == 0;
            publication.onMessage(FlvTag.VIDEO, t, SyntheticMedia.avcFrame(keyframe, keyframe ? 110 : 74));
            publication.onMessage(FlvTag.AUDIO, t + 10, SyntheticMedia.aacFrame(20));
        }
    }

    private static HlsStream awaitHls(HlsPackager packager, StreamKey key, Predicate<HlsStream> done) throws InterruptedException {
        long deadline = System.nanoTime() + 5_000_000_000L;
        HlsStream stream = packager.find(key);
        while (!(stream != null && done.test(stream)) && System.nanoTime() < deadline) {
            Thread.sleep(20);
            stream = packager.find(key);
        }
        assertTrue(stream != null && done.test(stream), key + "'s HLS did not get there in time");
        return stream;
    }

    /** PES packets that begin in {@code ts} on the video PID (0x100): one a frame. */
    private static int videoPesPackets(byte[] ts) {
        int starts = 0;
        for (int at = 0; at < ts.length; at += 188) {
            if ((ts[at + 1] & 0x40) != 0 && ((ts[at + 1] & 0x1F) << 8 | ts[at + 2] & 0xFF) == 0x100) starts++;
        }
        return starts;
    }

    private static int segmentCount(String playlist) {
        return (int) playlist.lines().filter(l -> l.startsWith("#EXTINF")).count();
    }
}
