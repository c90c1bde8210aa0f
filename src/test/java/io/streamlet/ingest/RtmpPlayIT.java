package io.streamlet.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.streamlet.auth.UrlSigner;
import io.streamlet.flv.MediaInfo;
import io.streamlet.live.StreamKey;
import io.streamlet.rtmp.MessageType;
import io.streamlet.rtmp.RtmpMessage;
import io.streamlet.testing.ExternalTools;
import io.streamlet.testing.ExternalTools.Result;
import io.streamlet.testing.RtmpTestPlayer;
import io.streamlet.testing.RtmpTestPublisher;
import io.streamlet.testing.SyntheticMedia;
import io.streamlet.testing.WebContainer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * RTMP play with real clients, in each embedded container: ffmpeg publishes H.264 + AAC, ffprobe and ffmpeg
 * play it back over RTMP from the same server; the API lists and kicks an RTMP player; signed URLs guard it.
 */
class RtmpPlayIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http = HttpClient.newHttpClient();

    private static Process publish(String ffmpeg, WebContainer server, String stream, int seconds) throws Exception {
        Process publisher = ExternalTools.start(List.of(ffmpeg, "-hide_banner", "-loglevel", "error", "-re",
                "-f", "lavfi", "-i", "testsrc2=size=640x360:rate=30", "-f", "lavfi", "-i", "sine=frequency=440",
                "-c:v", "libx264", "-preset", "veryfast", "-tune", "zerolatency", "-g", "30", "-pix_fmt", "yuv420p",
                "-c:a", "aac", "-t", Integer.toString(seconds), "-f", "flv",
                "rtmp://127.0.0.1:" + server.rtmpPort() + "/live/" + stream));
        StreamKey key = new StreamKey("live", stream);
        long deadline = System.currentTimeMillis() + 10_000;
        while (server.streamlet().registry().find(key) == null) {
            assertTrue(publisher.isAlive() && System.currentTimeMillis() < deadline, "ffmpeg did not publish");
            Thread.sleep(100);
        }
        return publisher;
    }

    private static void stop(Process p) throws InterruptedException {
        p.destroy();
        p.waitFor();
    }

    @ParameterizedTest(name = "on {0}")
    @EnumSource(WebContainer.Kind.class)
    void ffprobeAndFfmpegPlayOverRtmp(WebContainer.Kind container) throws Exception {
        String ffmpeg = ExternalTools.require("ffmpeg", "ffmpeg");
        String ffprobe = ExternalTools.require("ffprobe", "ffmpeg");
        try (WebContainer server = container.start(Map.of())) {
            Process publisher = publish(ffmpeg, server, "rtmpplay", 14);
            try {
                String url = "rtmp://127.0.0.1:" + server.rtmpPort() + "/live/rtmpplay";
                CompletableFuture<Result> decode = CompletableFuture.supplyAsync(() -> run(List.of(ffmpeg,
                        "-hide_banner", "-v", "error", "-i", url, "-t", "5", "-f", "null", "-"), 30));
                Result probe = ExternalTools.run(List.of(ffprobe, "-hide_banner", "-v", "error", "-show_entries",
                        "stream=codec_name,width,height", "-of", "compact", url), 30);
                assertEquals(0, probe.exitCode(), probe.output());
                assertTrue(probe.output().contains("codec_name=h264|width=640|height=360"), probe.output());
                assertTrue(probe.output().contains("codec_name=aac"), probe.output());

                Result decoded = decode.get();
                assertEquals(0, decoded.exitCode(), decoded.output());
                assertEquals("", decoded.output().trim(), "ffmpeg decoded 5 s of RTMP play without an error");
            } finally {
                stop(publisher);
            }
        }
    }

    @ParameterizedTest(name = "on {0}")
    @EnumSource(WebContainer.Kind.class)
    void gstreamerRtmp2srcPlaysAndDecodes(WebContainer.Kind container) throws Exception {
        String ffmpeg = ExternalTools.require("ffmpeg", "ffmpeg");
        String gst = ExternalTools.require("gst-launch-1.0", "gstreamer1.0-tools");
        try (WebContainer server = container.start(Map.of())) {
            Process publisher = publish(ffmpeg, server, "gst", 14);
            try {
                // GStreamer's own RTMP client (rtmp2src), its FLV demuxer and an H.264 decoder: 60 decoded frames, then EOS.
                Result played = ExternalTools.run(List.of(gst, "-q", "rtmp2src",
                        "location=rtmp://127.0.0.1:" + server.rtmpPort() + "/live/gst", "!", "flvdemux", "name=d",
                        "d.video", "!", "h264parse", "!", "avdec_h264", "!", "identity", "eos-after=60", "error-after=-1",
                        "!", "fakesink", "sync=false"), 30);
                assertEquals(0, played.exitCode(), played.output());
                assertFalse(played.output().contains("ERROR"), played.output());
            } finally {
                stop(publisher);
            }
        }
    }

    @ParameterizedTest(name = "on {0}")
    @EnumSource(WebContainer.Kind.class)
    void anRtmpPlayerIsListedCountedAndKickedThroughTheApi(WebContainer.Kind container) throws Exception {
        String ffmpeg = ExternalTools.require("ffmpeg", "ffmpeg");
        try (WebContainer server = container.start(Map.of())) {
            Process publisher = publish(ffmpeg, server, "kickme", 30);
            Process player = ExternalTools.start(List.of(ffmpeg, "-hide_banner", "-v", "error",
                    "-i", "rtmp://127.0.0.1:" + server.rtmpPort() + "/live/kickme", "-f", "null", "-"));
            try {
                JsonNode rtmpPlayer = null;
                long deadline = System.currentTimeMillis() + 10_000;
                while (rtmpPlayer == null && System.currentTimeMillis() < deadline) {
                    for (JsonNode c : get(server, "/api/v1/clients/").path("clients")) {
                        if ("rtmp-play".equals(c.path("type").asText())) rtmpPlayer = c;
                    }
                    Thread.sleep(100);
                }
                assertTrue(rtmpPlayer != null, "the API lists the RTMP player");
                assertEquals("rtmp", rtmpPlayer.path("protocol").asText());
                assertFalse(rtmpPlayer.path("publish").asBoolean());

                String metrics = http.send(HttpRequest.newBuilder(URI.create(server.url("/metrics"))).build(),
                        HttpResponse.BodyHandlers.ofString()).body();
                assertTrue(metrics.contains("streamlet_players_by_protocol{protocol=\"rtmp\"} 1"), metrics);

                HttpResponse<String> kick = http.send(HttpRequest.newBuilder(
                        URI.create(server.url("/api/v1/clients/" + rtmpPlayer.path("id").asText()))).DELETE().build(),
                        HttpResponse.BodyHandlers.ofString());
                assertEquals(200, kick.statusCode(), kick.body());
                assertTrue(player.waitFor(10, TimeUnit.SECONDS), "the kicked player's connection ended");
                assertTrue(publisher.isAlive(), "the publisher goes on");
            } finally {
                stop(player);
                stop(publisher);
            }
        }
    }

    @ParameterizedTest(name = "on {0}")
    @EnumSource(WebContainer.Kind.class)
    void aPlaySecretGuardsRtmpPlayAsItGuardsHttpFlv(WebContainer.Kind container) throws Exception {
        String ffmpeg = ExternalTools.require("ffmpeg", "ffmpeg");
        String ffprobe = ExternalTools.require("ffprobe", "ffmpeg");
        try (WebContainer server = container.start(Map.of("streamlet.auth.playSecret", "rtmp-secret"))) {
            Process publisher = publish(ffmpeg, server, "guarded", 14);
            try {
                String url = "rtmp://127.0.0.1:" + server.rtmpPort() + "/live/guarded";
                Result refused = ExternalTools.run(List.of(ffprobe, "-v", "error", "-show_entries", "stream=codec_name",
                        "-of", "compact", url), 30);
                assertNotEquals(0, refused.exitCode(), "no signature: refused; " + refused.output());

                String sign = new UrlSigner("rtmp-secret").sign("/live/guarded", System.currentTimeMillis() / 1000 + 60);
                Result allowed = ExternalTools.run(List.of(ffprobe, "-v", "error", "-show_entries", "stream=codec_name",
                        "-of", "compact", url + "?sign=" + sign), 30);
                assertEquals(0, allowed.exitCode(), allowed.output());
                assertTrue(allowed.output().contains("codec_name=h264"), allowed.output());
            } finally {
                stop(publisher);
            }
        }
    }

    @ParameterizedTest(name = "on {0}")
    @EnumSource(WebContainer.Kind.class)
    void aPlayerGetsSrsStatusesHeadersFirstAKeyframeAndTimestampsFromZero(WebContainer.Kind container) throws Exception {
        try (WebContainer server = container.start(Map.of());
                RtmpTestPublisher publisher = RtmpTestPublisher.publish("127.0.0.1", server.rtmpPort(), "live", "own")) {
            SyntheticMedia.sendHeaders(publisher);
            SyntheticMedia.sendFrames(publisher, 5_000, 0, 45, 300); // starts at 5 s: players must see 0
            try (RtmpTestPlayer player = RtmpTestPlayer.play("rtmp://127.0.0.1:" + server.rtmpPort() + "/live/own")) {
                assertEquals(List.of("NetStream.Play.Reset", "NetStream.Play.Start"), player.awaitStatus("NetStream.Play.Start"));
                SyntheticMedia.sendFrames(publisher, 5_000, 45, 60, 300);
                List<RtmpMessage> got = player.awaitMedia(20, Duration.ofSeconds(10));
                List<String> data = got.stream().filter(m -> m.type() == MessageType.DATA_AMF0).map(RtmpTestPlayer::dataName).toList();
                assertEquals(List.of("|RtmpSampleAccess", "onStatus", "onMetaData"), data.subList(0, 3), "SRS's order: " + data);
                List<RtmpMessage> av = got.stream().filter(m -> m.type() == MessageType.AUDIO || m.type() == MessageType.VIDEO).toList();
                assertTrue(MediaInfo.video(av.get(0).payload()).sequenceHeader() || MediaInfo.audio(av.get(0).payload()).sequenceHeader(),
                        "sequence headers first");
                RtmpMessage firstFrame = av.stream().filter(m -> m.type() == MessageType.VIDEO
                        && !MediaInfo.video(m.payload()).sequenceHeader()).findFirst().orElseThrow();
                assertTrue(MediaInfo.video(firstFrame.payload()).keyframe(), "video starts at a keyframe");
                assertEquals(0, av.get(0).timestamp(), "timestamps start at 0");
                for (int i = 1; i < av.size(); i++) {
                    assertTrue(av.get(i).timestamp() >= av.get(i - 1).timestamp(), "timestamps never go back at " + i);
                }
                assertTrue(got.stream().allMatch(m -> m.streamId() == player.streamId()), "media on the played stream");

                publisher.close(); // unpublish: the player is told, then the connection ends
                player.awaitStatus("NetStream.Play.UnpublishNotify", Duration.ofSeconds(10));
            }
        }
    }

    private JsonNode get(WebContainer server, String path) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(server.url(path))).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), r.body());
        return JSON.readTree(r.body());
    }

    private static Result run(List<String> command, long timeoutSeconds) {
        try {
            return ExternalTools.run(command, timeoutSeconds);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
