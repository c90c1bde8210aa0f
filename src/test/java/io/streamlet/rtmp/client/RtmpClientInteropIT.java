package io.streamlet.rtmp.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.streamlet.flv.FlvReader;
import io.streamlet.flv.MediaInfo;
import io.streamlet.rtmp.MessageType;
import io.streamlet.rtmp.NetStatus;
import io.streamlet.rtmp.RtmpMessage;
import io.streamlet.testing.ExternalTools;
import io.streamlet.testing.ExternalTools.Result;
import io.streamlet.testing.RtmpTestPlayer;
import io.streamlet.testing.StandaloneContainer;
import java.io.IOException;
import java.net.ConnectException;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

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
        try (RtmpTestPlayer player = whenListening(server, () -> RtmpTestPlayer.play("rtmp://127.0.0.1:" + port + "/live/x", TIMEOUT))) {
            player.awaitStatus(NetStatus.PLAY_START);
            assertEquals(List.of(NetStatus.PLAY_START), player.statusCodes());
            // ffmpeg as a server sends the media on message stream 0, not on the stream it created for the play.
            assertPlayableStream(player.awaitMedia(MEDIA_MESSAGES, TIMEOUT), 0);
        } finally {
            server.destroy();
            server.waitFor();
        }
    }

    /** The forward of a relay: this client publishes a real H.264 + AAC recording to ffmpeg, which saves it. */
    @Test
    void publishesToFfmpegListening(@TempDir Path dir) throws Exception {
        String ffmpeg = ExternalTools.require("ffmpeg", "ffmpeg");
        String ffprobe = ExternalTools.require("ffprobe", "ffmpeg");
        List<Tag> tags = recordSample(ffmpeg, dir);

        int port = StandaloneContainer.freePort();
        Path received = dir.resolve("received.flv");
        Process server = ExternalTools.start(List.of(ffmpeg, "-hide_banner", "-loglevel", "error", "-listen", "1",
                "-i", "rtmp://127.0.0.1:" + port + "/live/x", "-c", "copy", "-f", "flv", received.toString()));
        try {
            try (RtmpTestPlayer publisher = whenListening(server, () -> RtmpTestPlayer.publish(
                    "rtmp://127.0.0.1:" + port + "/live/x", TIMEOUT))) {
                publisher.awaitStatus(NetStatus.PUBLISH_START);
                for (Tag tag : tags) publisher.sendMedia(tag.type(), tag.timestamp(), tag.body());
            }
            assertTrue(server.waitFor(TIMEOUT.toSeconds(), TimeUnit.SECONDS), "ffmpeg ends when the publisher leaves");
            Result probe = ExternalTools.run(List.of(ffprobe, "-hide_banner", "-v", "error", "-count_packets",
                    "-show_entries", "stream=codec_name,width,height,nb_read_packets", "-of", "compact", received.toString()), 30);
            assertEquals(0, probe.exitCode(), probe.output());
            // AVC and AAC packet type 1: frames, not sequence headers (0) or the end of sequence (2).
            long videoFrames = tags.stream().filter(t -> t.type() == MessageType.VIDEO && t.body()[1] == 1).count();
            long audioFrames = tags.stream().filter(t -> t.type() == MessageType.AUDIO && t.body()[1] == 1).count();
            assertTrue(probe.output().contains("codec_name=h264|width=320|height=240|nb_read_packets=" + videoFrames)
                    && probe.output().contains("codec_name=aac|nb_read_packets=" + audioFrames),
                    "all " + videoFrames + " video and " + audioFrames + " audio frames arrived: " + probe.output());
        } finally {
            server.destroy();
            server.waitFor();
        }
    }

    @Test
    void playsFromSrs(@TempDir Path dir) throws Exception {
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

            // This client as the publisher too, to a player already waiting: it gets the stream live, whole.
            String ours = url.replace("/x", "/y");
            try (RtmpTestPlayer player = RtmpTestPlayer.play(ours, TIMEOUT);
                    RtmpTestPlayer ourPublisher = RtmpTestPlayer.publish(ours, TIMEOUT)) {
                player.awaitStatus(NetStatus.PLAY_START);
                assertEquals(List.of(NetStatus.PUBLISH_START), ourPublisher.awaitStatus(NetStatus.PUBLISH_START));
                List<Tag> tags = recordSample(ffmpeg, dir);
                for (Tag tag : tags) ourPublisher.sendMedia(tag.type(), tag.timestamp(), tag.body());
                assertPlayableStream(player.awaitMedia(tags.size() / 2, TIMEOUT), player.streamId());
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

    private interface Connect {
        RtmpTestPlayer open() throws IOException;
    }

    /** Opens a client once ffmpeg listens: until then a connect is refused. */
    private static RtmpTestPlayer whenListening(Process server, Connect connect) throws Exception {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (true) {
            try {
                return connect.open();
            } catch (ConnectException e) {
                assertTrue(server.isAlive() && System.nanoTime() < deadline, "the server does not listen: " + e);
                Thread.sleep(100);
            }
        }
    }

    /** About three seconds of H.264 (a keyframe a second) and AAC, encoded by ffmpeg: the tags of the FLV. */
    private static List<Tag> recordSample(String ffmpeg, Path dir) throws Exception {
        Path sample = dir.resolve("sample.flv");
        Result made = ExternalTools.run(List.of(ffmpeg, "-hide_banner", "-loglevel", "error", "-y",
                "-f", "lavfi", "-i", "testsrc=size=320x240:rate=25", "-f", "lavfi", "-i", "sine", "-t", "3",
                "-c:v", "libx264", "-preset", "veryfast", "-g", "25", "-pix_fmt", "yuv420p", "-c:a", "aac",
                "-f", "flv", sample.toString()), 60);
        assertEquals(0, made.exitCode(), made.output());
        List<Tag> tags = new ArrayList<>();
        byte[] bytes = Files.readAllBytes(sample);
        new FlvReader(new FlvReader.Handler() {
            @Override
            public void onHeader(int flags) {}

            @Override
            public void onTag(int type, long timestamp, byte[] body, int offset, int length) {
                // At the end of the file ffmpeg flushes the video encoder's last frames after later audio: a
                // live encoder never goes backwards, so neither does the sample.
                if (!tags.isEmpty() && timestamp < tags.get(tags.size() - 1).timestamp()) return;
                tags.add(new Tag(type, timestamp, Arrays.copyOfRange(body, offset, offset + length)));
            }
        }).feed(bytes, 0, bytes.length);
        return tags;
    }

    private record Tag(int type, long timestamp, byte[] body) {}

    private static void awaitListening(Process server, int port) throws Exception {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (true) {
            try (Socket socket = new Socket("127.0.0.1", port)) {
                return;
            } catch (IOException e) {
                assertTrue(server.isAlive() && System.nanoTime() < deadline, "the server does not listen: " + e);
                Thread.sleep(100);
            }
        }
    }
}
