package io.streamlet.rtmp.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.streamlet.flv.MediaInfo;
import io.streamlet.rtmp.MessageType;
import io.streamlet.rtmp.NetStatus;
import io.streamlet.rtmp.RtmpMessage;
import io.streamlet.testing.ExternalTools;
import io.streamlet.testing.RtmpTestPlayer;
import io.streamlet.testing.StandaloneContainer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The RTMP client against real servers over loopback: ffmpeg serving RTMP ({@code -listen 1}, installed in
 * CI) and SRS 6 (a benchmarking peer, not a CI dependency: skipped when its binary is absent; set
 * {@code STREAMLET_SRS} to its run.sh, default {@code /work/shared/peers/srs/run.sh}).
 */
class RtmpClientInteropIT {
    private static final Duration TIMEOUT = Duration.ofSeconds(15);
    /** About four seconds of 25 fps video and 44.1 kHz AAC: several GOPs. */
    private static final int MEDIA_MESSAGES = 250;

    @Test
    void playsWhatFfmpegServes() throws Exception {
        String ffmpeg = ExternalTools.require("ffmpeg", "ffmpeg");
        int port = StandaloneContainer.freePort();
        Process server = ExternalTools.start(List.of(ffmpeg, "-hide_banner", "-loglevel", "error", "-re",
                "-f", "lavfi", "-i", "testsrc=size=320x240:rate=25", "-f", "lavfi", "-i", "sine",
                "-c:v", "libx264", "-preset", "veryfast", "-g", "25", "-pix_fmt", "yuv420p", "-c:a", "aac", "-t", "20",
                "-f", "flv", "-listen", "1", "rtmp://127.0.0.1:" + port + "/live/x"));
        try (RtmpTestPlayer player = playWhenListening(server, "rtmp://127.0.0.1:" + port + "/live/x")) {
            player.awaitStatus(NetStatus.PLAY_START);
            assertEquals(List.of(NetStatus.PLAY_START), player.statusCodes());
            // ffmpeg as a server sends the media on message stream 0, not on the stream it created for the play.
            assertPlayableStream(player.awaitMedia(MEDIA_MESSAGES, TIMEOUT), 0);
        } finally {
            server.destroy();
            server.waitFor();
        }
    }

    @Test
    void playsFromSrs() throws Exception {
        Path srs = Path.of(System.getenv().getOrDefault("STREAMLET_SRS", "/work/shared/peers/srs/run.sh"));
        assumeTrue(Files.isExecutable(srs), "SRS is not installed at " + srs + " (a benchmarking peer, never in CI)");
        String ffmpeg = ExternalTools.require("ffmpeg", "ffmpeg");
        int rtmpPort = StandaloneContainer.freePort();
        Process server = ExternalTools.start(List.of(srs.toString(), String.valueOf(rtmpPort),
                String.valueOf(StandaloneContainer.freePort())));
        Process publisher = null;
        try {
            awaitListening(server, rtmpPort);
            String url = "rtmp://127.0.0.1:" + rtmpPort + "/live/x";
            try (RtmpTestPlayer absent = RtmpTestPlayer.play(url.replace("/x", "/absent"), TIMEOUT)) {
                // SRS keeps a player of an unpublished stream waiting for a publisher rather than refusing it.
                absent.awaitStatus(NetStatus.PLAY_START);
            }
            publisher = ExternalTools.start(List.of(ffmpeg, "-hide_banner", "-loglevel", "error", "-re",
                    "-f", "lavfi", "-i", "testsrc=size=320x240:rate=25", "-f", "lavfi", "-i", "sine",
                    "-c:v", "libx264", "-preset", "veryfast", "-g", "25", "-pix_fmt", "yuv420p", "-c:a", "aac", "-t", "20",
                    "-f", "flv", url));
            Thread.sleep(1500); // until SRS has the sequence headers and a GOP to give a new player
            try (RtmpTestPlayer player = RtmpTestPlayer.play(url, TIMEOUT)) {
                List<String> codes = player.awaitStatus(NetStatus.PLAY_START);
                assertEquals(List.of(NetStatus.PLAY_RESET, NetStatus.PLAY_START), codes);
                assertPlayableStream(player.awaitMedia(MEDIA_MESSAGES, TIMEOUT), player.streamId());
            }
        } finally {
            if (publisher != null) {
                publisher.destroy();
                publisher.waitFor();
            }
            server.destroy();
            server.waitFor();
        }
    }

    /**
     * What a new player must get (shared/DESIGN.md): metadata and both sequence headers before any frame, a
     * keyframe first, timestamps that never go backwards, all on message stream {@code streamId}.
     */
    static void assertPlayableStream(List<RtmpMessage> media, int streamId) {
        List<String> seen = new ArrayList<>();
        boolean metadata = false;
        boolean videoHeader = false;
        boolean audioHeader = false;
        boolean framesStarted = false;
        long lastTimestamp = -1;
        for (RtmpMessage message : media) {
            assertEquals(streamId, message.streamId(), "message stream id of " + message);
            if (message.type() == MessageType.DATA_AMF0) {
                String name = RtmpTestPlayer.dataName(message);
                seen.add(name);
                // ffmpeg serves the metadata as its encoder sent it, wrapped in @setDataFrame.
                if ("onMetaData".equals(name) || "@setDataFrame".equals(name)) metadata = true;
                continue;
            }
            MediaInfo info = message.type() == MessageType.VIDEO ? MediaInfo.video(message.payload())
                    : MediaInfo.audio(message.payload());
            if (info.sequenceHeader()) {
                seen.add(message.type() == MessageType.VIDEO ? "video header" : "audio header");
                if (message.type() == MessageType.VIDEO) videoHeader = true; else audioHeader = true;
            } else if (!framesStarted) {
                framesStarted = true;
                assertTrue(metadata && videoHeader && audioHeader, "metadata and sequence headers before any frame: " + seen);
                assertTrue(message.type() == MessageType.VIDEO && info.keyframe(), "first frame is a keyframe: " + message);
            }
            if (framesStarted) {
                assertTrue(message.timestamp() >= lastTimestamp, "timestamp " + message.timestamp() + " after " + lastTimestamp);
                lastTimestamp = message.timestamp();
            }
        }
        assertTrue(framesStarted, "no frame among " + media.size() + " messages");
    }

    /** Plays {@code url} once ffmpeg listens: until then a connect is refused. */
    private static RtmpTestPlayer playWhenListening(Process server, String url) throws Exception {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (true) {
            try {
                return RtmpTestPlayer.play(url, TIMEOUT);
            } catch (java.net.ConnectException e) {
                assertTrue(server.isAlive() && System.nanoTime() < deadline, "the server does not listen: " + e);
                Thread.sleep(100);
            }
        }
    }

    private static void awaitListening(Process server, int port) throws Exception {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (true) {
            try (java.net.Socket socket = new java.net.Socket("127.0.0.1", port)) {
                return;
            } catch (IOException e) {
                assertTrue(server.isAlive() && System.nanoTime() < deadline, "the server does not listen: " + e);
                Thread.sleep(100);
            }
        }
    }
}
