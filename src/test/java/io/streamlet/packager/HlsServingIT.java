package io.streamlet.packager;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.streamlet.auth.UrlSigner;
import io.streamlet.live.StreamKey;
import io.streamlet.testing.ExternalTools;
import io.streamlet.testing.ExternalTools.Result;
import io.streamlet.testing.HookServer;
import io.streamlet.testing.WebContainer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * HLS served from memory, with real clients on both sides in each embedded container: ffmpeg publishes over
 * RTMP, ffprobe and ffmpeg read the playlist and its segments; the playlists are checked against RFC 8216's
 * rules as they change (target duration, media sequence, discontinuity, end), and access control reaches
 * the segments.
 */
class HlsServingIT {
    private static final HttpClient HTTP = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();
    private static final Pattern EXTINF = Pattern.compile("#EXTINF:([0-9.]+),");

    @ParameterizedTest(name = "on {0}")
    @EnumSource(WebContainer.Kind.class)
    void ffprobeAndFfmpegPlayTheHlsOfAStreamThatEndsWithEndlist(WebContainer.Kind container) throws Exception {
        String ffprobe = ExternalTools.require("ffprobe", "ffmpeg");
        try (HookServer hooks = new HookServer();
                WebContainer server = container.start(Map.of("streamlet.hls.fragment", "1s",
                        "streamlet.hls.window", "4", "streamlet.hooks.onHls", hooks.url("/hls").toString()))) {
            assertEquals(404, get(server.url("/live/hls.m3u8")).statusCode(), "no stream, no playlist");
            Process publisher = publish(server, "hls", 14, true, true);
            try {
                String url = server.url("/live/hls.m3u8");
                HttpResponse<String> first = awaitPlaylist(server, "/live/hls.m3u8", p -> segmentCount(p) >= 3);
                assertEquals("public, max-age=1", first.headers().firstValue("Cache-Control").orElse(""));
                assertEquals("application/vnd.apple.mpegurl", first.headers().firstValue("Content-Type").orElse(""));
                assertWellFormed(first.body());

                Result probe = ExternalTools.run(List.of(ffprobe, "-hide_banner", "-v", "error", "-show_entries",
                        "stream=codec_name,width,height,sample_rate", "-of", "compact", url), 30);
                assertEquals(0, probe.exitCode(), probe.output());
                assertTrue(probe.output().contains("codec_name=h264|width=320|height=180"), probe.output());
                assertTrue(probe.output().contains("codec_name=aac"), probe.output());
                Result decoded = decode(url, 3);
                assertEquals(0, decoded.exitCode(), decoded.output());
                assertEquals("", decoded.output().trim(), "ffmpeg decoded the HLS without an error");

                String segment = segmentUris(first.body()).get(0);
                HttpResponse<byte[]> ts = getBytes(server.url("/live/" + segment));
                assertEquals(200, ts.statusCode());
                assertEquals("video/mp2t", ts.headers().firstValue("Content-Type").orElse(""));
                assertTrue(ts.headers().firstValue("Cache-Control").orElse("").contains("max-age=31536000"));
                assertEquals(0x47, ts.body()[0] & 0xFF, "an MPEG-TS packet");
                assertEquals(404, get(server.url("/live/" + segment.replaceFirst("-[0-9]+\\.ts$", "-99999.ts"))).statusCode());

                JsonNode hook = hooks.next("/hls", 10_000);
                assertNotNull(hook, "on_hls was told of a segment");
                assertEquals("on_hls", hook.get("action").asText());
                assertEquals("hls", hook.get("stream").asText());
                assertEquals("live/hls.m3u8", hook.get("m3u8_url").asText());
                assertTrue(hook.get("url").asText().matches("live/hls-[0-9a-z]+-[0-9]+\\.ts"), hook.toString());
                assertTrue(hook.get("duration").asDouble() > 0.5, hook.toString());
                assertTrue(hook.has("seq_no") && hook.has("cwd") && hook.has("file") && hook.has("client_id"), hook.toString());

                String metrics = get(server.url("/metrics")).body();
                assertTrue(Pattern.compile("(?m)^streamlet_hls_segments_total [1-9]").matcher(metrics).find(), metrics);
                assertTrue(Pattern.compile("(?m)^streamlet_hls_requests_total\\{kind=\"playlist\"} [1-9]").matcher(metrics).find(), metrics);
                String streams = get(server.url("/api/v1/streams")).body();
                assertTrue(streams.contains("\"hls\":{\"url\":\"/live/hls.m3u8\""), streams);
                assertTrue(streams.contains("\"clients\":1,"), "the HLS sink is not a client: " + streams);

                long sequence = mediaSequence(first.body());
                HttpResponse<String> later = awaitPlaylist(server, "/live/hls.m3u8", p -> mediaSequence(p) > sequence);
                assertWellFormed(later.body());
                assertFalse(later.body().contains("#EXT-X-ENDLIST"));
            } finally {
                publisher.waitFor();
            }
            HttpResponse<String> ended = awaitPlaylist(server, "/live/hls.m3u8", p -> p.contains("#EXT-X-ENDLIST"));
            assertWellFormed(ended.body());
            assertFalse(ended.body().contains("#EXT-X-DISCONTINUITY"), ended.body());
            Result afterEnd = decode(server.url("/live/hls.m3u8"), 30);
            assertEquals(0, afterEnd.exitCode(), afterEnd.output());
        }
    }

    @ParameterizedTest(name = "on {0}")
    @EnumSource(WebContainer.Kind.class)
    void aRepublishWithinTheGraceIsADiscontinuityAndTheEndComesAfterTheGrace(WebContainer.Kind container) throws Exception {
        try (WebContainer server = container.start(Map.of("streamlet.hls.fragment", "1s",
                "streamlet.live.republishGrace", "4s"))) {
            publish(server, "again", 4, true, true).waitFor();
            publish(server, "again", 4, true, true).waitFor();
            HttpResponse<String> playlist = get(server.url("/live/again.m3u8"));
            assertEquals(200, playlist.statusCode());
            assertTrue(playlist.body().contains("#EXT-X-DISCONTINUITY\n"), playlist.body());
            assertFalse(playlist.body().contains("#EXT-X-ENDLIST"), "the grace has not passed yet:\n" + playlist.body());
            assertWellFormed(playlist.body());
            HttpResponse<String> ended = awaitPlaylist(server, "/live/again.m3u8", p -> p.contains("#EXT-X-ENDLIST"));
            assertWellFormed(ended.body());
        }
    }

    @ParameterizedTest(name = "on {0}")
    @EnumSource(WebContainer.Kind.class)
    void aSignedPlaylistUrlOpensASessionThatItsSegmentsCarry(WebContainer.Kind container) throws Exception {
        UrlSigner signer = new UrlSigner("play-secret");
        try (WebContainer server = container.start(Map.of("streamlet.hls.fragment", "1s",
                "streamlet.auth.playSecret", "play-secret"))) {
            Process publisher = publish(server, "signed", 10, true, true);
            try {
                awaitSegments(server, new StreamKey("live", "signed"), 2);
                String sign = signer.sign("/live/signed", System.currentTimeMillis() / 1000 + 60);
                assertEquals(403, get(server.url("/live/signed.m3u8")).statusCode(), "unsigned");
                assertEquals(403, get(server.url("/live/signed.m3u8?sign=" + sign.replace('-', '0'))).statusCode(), "forged");

                HttpResponse<String> redirect = get(server.url("/live/signed.m3u8?sign=" + sign));
                assertEquals(302, redirect.statusCode(), "an allowed play opens a session");
                String location = redirect.headers().firstValue("Location").orElseThrow();
                assertTrue(location.contains("sign=" + sign) && location.contains("hls_ctx="), location);
                HttpResponse<String> playlist = get(URI.create(server.url("/live/signed.m3u8")).resolve(location).toString());
                assertEquals(200, playlist.statusCode());
                String segment = segmentUris(playlist.body()).get(0);
                assertTrue(segment.contains("?sign=" + sign + "&hls_ctx="), segment);
                assertEquals(200, getBytes(server.url("/live/" + segment)).statusCode(), "the segment URI as listed");
                assertEquals(200, getBytes(server.url("/live/" + segment.replaceFirst("&hls_ctx=.*", ""))).statusCode(),
                        "the signature alone");
                assertEquals(403, get(server.url("/live/" + segment.replaceFirst("\\?.*", ""))).statusCode(),
                        "neither signature nor session");
                assertEquals(403, get(server.url("/live/" + segment.replaceFirst("\\?.*", "") + "?hls_ctx=0123")).statusCode(),
                        "a made-up session");

                Result decoded = decode(server.url("/live/signed.m3u8?sign=" + sign), 3);
                assertEquals(0, decoded.exitCode(), decoded.output());
                assertEquals("", decoded.output().trim(), "ffmpeg follows the redirect and plays the signed HLS");
            } finally {
                publisher.destroy();
                publisher.waitFor();
            }
        }
    }

    @ParameterizedTest(name = "on {0}")
    @EnumSource(WebContainer.Kind.class)
    void theOnPlayHookHearsOfAnHlsPlayOnce(WebContainer.Kind container) throws Exception {
        try (HookServer hooks = new HookServer();
                WebContainer server = container.start(Map.of("streamlet.hls.fragment", "1s",
                        "streamlet.hooks.onPlay", hooks.url("/play").toString()))) {
            Process publisher = publish(server, "hooked", 8, true, true);
            try {
                awaitSegments(server, new StreamKey("live", "hooked"), 2);
                HttpResponse<String> redirect = get(server.url("/live/hooked.m3u8?token=abc"));
                assertEquals(302, redirect.statusCode());
                JsonNode onPlay = hooks.next("/play", 5_000);
                assertEquals("?token=abc", onPlay.get("param").asText());
                String location = redirect.headers().firstValue("Location").orElseThrow();
                for (int i = 0; i < 3; i++) {
                    HttpResponse<String> playlist = get(URI.create(server.url("/")).resolve(location).toString());
                    assertEquals(200, playlist.statusCode());
                    for (String segment : segmentUris(playlist.body())) {
                        assertEquals(200, getBytes(server.url("/live/" + segment)).statusCode(), segment);
                    }
                }
                assertEquals(null, hooks.next("/play", 500), "one on_play for the whole play");
                assertEquals(1, server.streamlet().hls().sessions().size());
            } finally {
                publisher.destroy();
                publisher.waitFor();
            }
        }
    }

    @ParameterizedTest(name = "on {0}")
    @EnumSource(WebContainer.Kind.class)
    void audioOnlyAndVideoOnlyStreamsAreSegmented(WebContainer.Kind container) throws Exception {
        String ffprobe = ExternalTools.require("ffprobe", "ffmpeg");
        Path dir = Files.createTempDirectory("streamlet-hls-");
        try (WebContainer server = container.start(Map.of("streamlet.hls.fragment", "1s",
                "streamlet.hls.path", dir.toString()))) {
            Process audio = publish(server, "audio", 8, true, false);
            Process video = publish(server, "video", 8, false, true);
            try {
                awaitSegments(server, new StreamKey("live", "audio"), 3);
                awaitSegments(server, new StreamKey("live", "video"), 3);
                for (String[] expected : List.of(new String[] {"audio", "aac"}, new String[] {"video", "h264"})) {
                    String url = server.url("/live/" + expected[0] + ".m3u8");
                    Result probe = ExternalTools.run(List.of(ffprobe, "-hide_banner", "-v", "error", "-show_entries",
                            "stream=codec_name", "-of", "compact", url), 30);
                    assertEquals(0, probe.exitCode(), probe.output());
                    List<String> codecs = probe.output().lines().filter(l -> l.startsWith("stream|")).toList();
                    assertEquals(List.of("stream|codec_name=" + expected[1]), codecs, url + ": " + probe.output());
                    Result decoded = decode(url, 2);
                    assertEquals(0, decoded.exitCode(), decoded.output());
                    assertEquals("", decoded.output().trim(), url);
                }
                String onDisk = Files.readString(dir.resolve("live/audio.m3u8"));
                for (String uri : segmentUris(onDisk)) assertTrue(Files.size(dir.resolve("live").resolve(uri)) > 0, uri);
            } finally {
                audio.destroy();
                video.destroy();
                audio.waitFor();
                video.waitFor();
            }
        }
    }

    /**
     * GStreamer as an HLS player: its {@code hlsdemux} polls the live playlist and fetches the segments, and its
     * MPEG-TS demuxer and libav's H.264 decoder must decode 60 frames (4 s at 15 fps: segments past the first
     * playlist's) without an error. VLC, the player the issue names first, refuses to run as root, which CI is.
     */
    @ParameterizedTest(name = "on {0}")
    @EnumSource(WebContainer.Kind.class)
    void gstreamerHlsdemuxPlaysAndDecodes(WebContainer.Kind container) throws Exception {
        String gst = ExternalTools.require("gst-launch-1.0", "gstreamer1.0-tools");
        try (WebContainer server = container.start(Map.of("streamlet.hls.fragment", "1s"))) {
            Process publisher = publish(server, "gst", 14, true, true);
            try {
                awaitSegments(server, new StreamKey("live", "gst"), 2);
                Result played = ExternalTools.run(List.of(gst, "-q", "souphttpsrc", "location=" + server.url("/live/gst.m3u8"),
                        "!", "hlsdemux", "!", "tsdemux", "!", "h264parse", "!", "avdec_h264", "!",
                        "identity", "eos-after=60", "error-after=-1", "!", "fakesink", "sync=false"), 30);
                assertEquals(0, played.exitCode(), played.output());
                assertFalse(played.output().contains("ERROR"), played.output());
            } finally {
                publisher.destroy();
                publisher.waitFor();
            }
        }
    }

    /** ffmpeg publishing a 320x180 15 fps H.264 (a keyframe a second) and/or AAC test signal to live/{stream}. */
    private static Process publish(WebContainer server, String stream, int seconds, boolean audio, boolean video)
            throws Exception {
        String ffmpeg = ExternalTools.require("ffmpeg", "ffmpeg");
        List<String> command = new ArrayList<>(List.of(ffmpeg, "-hide_banner", "-loglevel", "error", "-re"));
        if (video) command.addAll(List.of("-f", "lavfi", "-i", "testsrc2=size=320x180:rate=15"));
        if (audio) command.addAll(List.of("-f", "lavfi", "-i", "sine=frequency=440"));
        if (video) command.addAll(List.of("-c:v", "libx264", "-preset", "ultrafast", "-g", "15", "-pix_fmt", "yuv420p"));
        if (audio) command.addAll(List.of("-c:a", "aac"));
        command.addAll(List.of("-t", Integer.toString(seconds), "-f", "flv",
                "rtmp://127.0.0.1:" + server.rtmpPort() + "/live/" + stream));
        return ExternalTools.start(command);
    }

    private static Result decode(String url, int seconds) throws Exception {
        String ffmpeg = ExternalTools.require("ffmpeg", "ffmpeg");
        return ExternalTools.run(List.of(ffmpeg, "-hide_banner", "-v", "error", "-i", url, "-t", Integer.toString(seconds),
                "-f", "null", "-"), 60);
    }

    private static void awaitSegments(WebContainer server, StreamKey key, int count) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 20_000;
        while (true) {
            HlsStream stream = server.streamlet().hls().find(key);
            if (stream != null && stream.lastSequence() + 1 >= count) return;
            assertTrue(System.currentTimeMillis() < deadline, key + " made no " + count + " segments in time");
            Thread.sleep(100);
        }
    }

    private static HttpResponse<String> awaitPlaylist(WebContainer server, String path, Predicate<String> until)
            throws Exception {
        long deadline = System.currentTimeMillis() + 30_000;
        while (true) {
            HttpResponse<String> r = get(server.url(path));
            if (r.statusCode() == 200 && until.test(r.body())) return r;
            assertTrue(System.currentTimeMillis() < deadline, "the playlist never came to be as awaited; last:\n" + r.body());
            Thread.sleep(200);
        }
    }

    /** RFC 8216: a version, a target duration at least every segment's duration rounded, a media sequence. */
    private static void assertWellFormed(String playlist) {
        assertTrue(playlist.startsWith("#EXTM3U\n#EXT-X-VERSION:"), playlist);
        Matcher target = Pattern.compile("#EXT-X-TARGETDURATION:([0-9]+)\n").matcher(playlist);
        assertTrue(target.find(), playlist);
        long targetSeconds = Long.parseLong(target.group(1));
        Matcher inf = EXTINF.matcher(playlist);
        int n = 0;
        while (inf.find()) {
            n++;
            assertTrue(Math.round(Double.parseDouble(inf.group(1))) <= targetSeconds, playlist);
        }
        assertTrue(n > 0, playlist);
        assertEquals(n, segmentUris(playlist).size(), playlist);
        mediaSequence(playlist);
    }

    private static long mediaSequence(String playlist) {
        Matcher m = Pattern.compile("#EXT-X-MEDIA-SEQUENCE:([0-9]+)\n").matcher(playlist);
        assertTrue(m.find(), playlist);
        return Long.parseLong(m.group(1));
    }

    private static int segmentCount(String playlist) {
        return segmentUris(playlist).size();
    }

    private static List<String> segmentUris(String playlist) {
        return playlist.lines().filter(l -> !l.isEmpty() && !l.startsWith("#")).toList();
    }

    private static HttpResponse<String> get(String url) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static HttpResponse<byte[]> getBytes(String url) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30)).build(),
                HttpResponse.BodyHandlers.ofByteArray());
    }
}
