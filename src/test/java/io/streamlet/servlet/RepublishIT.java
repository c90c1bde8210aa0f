package io.streamlet.servlet;

import static io.streamlet.testing.SyntheticMedia.aacSequenceHeader;
import static io.streamlet.testing.SyntheticMedia.avcSequenceHeader;
import static io.streamlet.testing.SyntheticMedia.sendFrames;
import static io.streamlet.testing.SyntheticMedia.sendHeaders;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.streamlet.flv.FlvHeader;
import io.streamlet.flv.FlvTag;
import io.streamlet.live.LiveSource;
import io.streamlet.live.StreamKey;
import io.streamlet.testing.ExternalTools;
import io.streamlet.testing.FlvCollector;
import io.streamlet.testing.HttpFlvClient;
import io.streamlet.testing.RtmpTestPublisher;
import io.streamlet.testing.WebContainer;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.AfterParameterizedClassInvocation;
import org.junit.jupiter.params.BeforeParameterizedClassInvocation;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Publishers that drop and come back: within the republish grace window players stay on their response
 * and continue with the new session; past it their responses end; a reconnect is never refused as busy
 * by its own silent, dead session.
 */
@ParameterizedClass(name = "on {0}")
@EnumSource(WebContainer.Kind.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RepublishIT {
    private static final long GRACE_MS = 1500;

    @Parameter
    private WebContainer.Kind container;
    private WebContainer server;

    @BeforeParameterizedClassInvocation
    void start() throws Exception {
        server = container.start(Map.of("streamlet.live.republishGrace", GRACE_MS + "ms",
                "streamlet.live.stalePublisher", "500ms"));
    }

    @AfterParameterizedClassInvocation
    void stop() throws Exception {
        server.close();
    }

    private RtmpTestPublisher publish(String stream) throws Exception {
        RtmpTestPublisher p = RtmpTestPublisher.publish("127.0.0.1", server.rtmpPort(), "live", stream);
        assertEquals("NetStream.Publish.Start", p.lastStatusCode());
        return p;
    }

    private static void assertMonotonic(List<FlvCollector.Tag> tags) {
        for (int i = 1; i < tags.size(); i++) {
            assertTrue(tags.get(i).timestamp() >= tags.get(i - 1).timestamp(), "time went back at " + i + ": " + tags);
        }
    }

    @Test
    void republishWithinTheWindowContinuesTheResponseAndItEndsAfterTheWindow() throws Exception {
        try (HttpFlvClient player = startPlaying("within")) {
            int before = player.flv.tags.size();
            long lastBefore = player.flv.tags.get(before - 1).timestamp();
            try (RtmpTestPublisher second = publish("within")) { // its clock starts at 0 again
                second.sendVideo(0, avcSequenceHeader(2)); // and the resolution changed
                second.sendAudio(0, aacSequenceHeader());
                sendFrames(second, 0, 0, 30, 500);
                player.readTags(before + 2 + 30 * 2, 5000);
            }
            List<FlvCollector.Tag> after = player.flv.tags.subList(before, player.flv.tags.size());
            assertArrayEquals(avcSequenceHeader(2), after.get(0).body(), "the new sequence header comes first");
            assertTrue(after.get(1).isSequenceHeader() && after.get(1).isAudio());
            assertTrue(after.get(2).isKeyframe(), "then the new session's keyframe: " + after);
            assertTrue(after.get(2).timestamp() > lastBefore && after.get(2).timestamp() < lastBefore + 100,
                    "time goes on from where it was: " + lastBefore + " then " + after.get(2).timestamp());
            assertMonotonic(player.flv.tags);

            long gone = System.currentTimeMillis();
            assertTrue(player.readToEnd(GRACE_MS + 5000), "the response ends once the window passes unused");
            assertTrue(System.currentTimeMillis() - gone >= GRACE_MS - 200, "not before the window passed");
        }
    }

    /** A player reading a stream whose first publisher has just gone away. */
    private HttpFlvClient startPlaying(String stream) throws Exception {
        HttpFlvClient player;
        try (RtmpTestPublisher first = publish(stream)) {
            sendHeaders(first);
            sendFrames(first, 0, 0, 45, 500);
            // The player must join at the last keyframe (frame 30): wait until the server has every frame, or it
            // joins at frame 0 and still has this session's tags to read when the next session starts.
            LiveSource source = server.streamlet().registry().find(new StreamKey("live", stream));
            long deadline = System.currentTimeMillis() + 5000;
            while (source.tagsIn() < 3 + 45 * 2 && System.currentTimeMillis() < deadline) Thread.sleep(10);
            player = new HttpFlvClient(server.httpPort(), "GET", "/live/" + stream + ".flv");
            player.readTags(3 + 15 * 2, 5000);
        }
        Thread.sleep(200); // the publisher is gone; the player waits
        assertFalse(player.ended());
        return player;
    }

    @Test
    void silentPublisherIsReplacedByAReconnect() throws Exception {
        try (RtmpTestPublisher dead = publish("reconnect")) {
            sendHeaders(dead);
            try (RtmpTestPublisher busy = RtmpTestPublisher.publish("127.0.0.1", server.rtmpPort(), "live", "reconnect")) {
                assertEquals("NetStream.Publish.BadName", busy.lastStatusCode(), "a live publisher is not replaced");
            }
            Thread.sleep(700); // `dead` keeps its socket but sends nothing, like a half-open connection
            try (RtmpTestPublisher fresh = publish("reconnect")) {
                assertTrue(dead.awaitClosedByServer(), "the silent session's connection is closed");
                sendHeaders(fresh);
                sendFrames(fresh, 0, 0, 30, 500);
                try (HttpFlvClient player = new HttpFlvClient(server.httpPort(), "GET", "/live/reconnect.flv")) {
                    player.readTags(3 + 2, 5000);
                    assertTrue(player.flv.media().stream().anyMatch(FlvCollector.Tag::isKeyframe));
                }
            }
        }
        StreamKey key = new StreamKey("live", "reconnect");
        long deadline = System.currentTimeMillis() + GRACE_MS + 3000;
        while (server.streamlet().registry().find(key) != null
                && System.currentTimeMillis() < deadline) {
            Thread.sleep(50);
        }
    }

    @Test
    void ffmpegRepublishingAtAnotherResolutionKeepsThePlayerAndItDecodesBoth() throws Exception {
        String ffmpeg = ExternalTools.require("ffmpeg", "ffmpeg");
        String ffprobe = ExternalTools.require("ffprobe", "ffmpeg");
        String url = "rtmp://127.0.0.1:" + server.rtmpPort() + "/live/ffre";
        Process first = ExternalTools.start(ffmpegPublish(ffmpeg, "320x240", url));
        HttpFlvClient player = null;
        try {
            StreamKey key = new StreamKey("live", "ffre");
            long deadline = System.currentTimeMillis() + 10_000;
            while (server.streamlet().registry().find(key) == null) {
                assertTrue(first.isAlive() && System.currentTimeMillis() < deadline, "ffmpeg did not publish");
                Thread.sleep(50);
            }
            player = new HttpFlvClient(server.httpPort(), "GET", "/live/ffre.flv");
            player.readTags(30, 5000);
            first.destroyForcibly().waitFor(); // the encoder dies
            Process second = ExternalTools.start(ffmpegPublish(ffmpeg, "640x360", url));
            try {
                assertTrue(player.readToEnd(30_000), "the response ends after the second session and the window");
            } finally {
                second.destroy();
                second.waitFor();
            }
            List<FlvCollector.Tag> videoHeaders = player.flv.media().stream()
                    .filter(t -> t.isVideo() && t.isSequenceHeader()).toList();
            assertEquals(2, videoHeaders.size(), "one sequence header per session, on the same response");
            assertMonotonic(player.flv.tags);

            Path saved = Files.createTempFile("republish-", ".flv");
            try {
                Files.write(saved, flvFile(player.flv));
                ExternalTools.Result sizes = ExternalTools.run(List.of(ffprobe, "-v", "error", "-select_streams", "v",
                        "-show_entries", "frame=width,height", "-of", "csv=p=0", saved.toString()), 60);
                assertEquals(0, sizes.exitCode(), sizes.output());
                List<String> distinct = sizes.output().lines()
                        .map(l -> l.replaceAll("[,\\s]+$", "")).filter(l -> !l.isEmpty()).distinct().toList();
                assertEquals(List.of("320,240", "640,360"), distinct, "both sessions decode, in order");
            } finally {
                Files.deleteIfExists(saved);
            }
        } finally {
            first.destroyForcibly().waitFor();
            if (player != null) player.close();
        }
    }

    private static List<String> ffmpegPublish(String ffmpeg, String size, String url) {
        return new ArrayList<>(List.of(ffmpeg, "-hide_banner", "-loglevel", "error", "-re", "-f", "lavfi", "-i",
                "testsrc2=size=" + size + ":rate=25", "-f", "lavfi", "-i", "sine=frequency=440",
                "-c:v", "libx264", "-preset", "ultrafast", "-g", "25", "-pix_fmt", "yuv420p", "-c:a", "aac",
                "-t", "3", "-f", "flv", url));
    }

    /** The tags a player received, written back out as an FLV file. */
    private static byte[] flvFile(FlvCollector flv) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(FlvHeader.of(true, true));
        for (FlvCollector.Tag tag : flv.tags) {
            byte[] frame = FlvTag.frame(tag.type(), tag.body());
            FlvTag.writeTimestamp(frame, 0, (int) tag.timestamp());
            out.writeBytes(frame);
        }
        return out.toByteArray();
    }
}
