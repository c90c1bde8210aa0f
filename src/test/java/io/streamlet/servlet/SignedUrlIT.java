package io.streamlet.servlet;

import static io.streamlet.testing.SyntheticMedia.sendFrames;
import static io.streamlet.testing.SyntheticMedia.sendHeaders;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.streamlet.auth.UrlSigner;
import io.streamlet.live.StreamKey;
import io.streamlet.testing.ExternalTools;
import io.streamlet.testing.HttpFlvClient;
import io.streamlet.testing.RtmpTestPublisher;
import io.streamlet.testing.WebContainer;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.AfterParameterizedClassInvocation;
import org.junit.jupiter.params.BeforeParameterizedClassInvocation;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/** Signed URLs through the running webapp: HTTP-FLV play, and RTMP publish from the test publisher and ffmpeg. */
@ParameterizedClass(name = "on {0}")
@EnumSource(WebContainer.Kind.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SignedUrlIT {
    private static final UrlSigner PLAY = new UrlSigner("play-secret");
    private static final UrlSigner PUBLISH = new UrlSigner("publish-secret");
    @Parameter
    private WebContainer.Kind container;
    private WebContainer server;

    @BeforeParameterizedClassInvocation
    void start() throws Exception {
        server = container.start(Map.of("streamlet.auth.playSecret", "play-secret",
                "streamlet.auth.publishSecret", "publish-secret"));
    }

    @AfterParameterizedClassInvocation
    void stop() throws Exception {
        server.close();
    }

    private static long inAMinute() {
        return System.currentTimeMillis() / 1000 + 60;
    }

    private static long aSecondAgo() {
        return System.currentTimeMillis() / 1000 - 1;
    }

    private static String forged(String sign) {
        return sign.substring(0, sign.length() - 1) + (sign.endsWith("a") ? "b" : "a");
    }

    private RtmpTestPublisher publish(String streamWithQuery) throws Exception {
        return RtmpTestPublisher.publish("127.0.0.1", server.rtmpPort(), "live", streamWithQuery);
    }

    private boolean mounted(String stream) {
        return server.streamlet().registry().find(new StreamKey("live", stream)) != null;
    }

    private int play(String path) throws Exception {
        try (HttpFlvClient player = new HttpFlvClient(server.httpPort(), "GET", path)) {
            return player.status;
        }
    }

    @Test
    void publishNeedsAValidUnexpiredSignatureMadeWithThePublishSecret() throws Exception {
        String valid = PUBLISH.sign("/live/pub", inAMinute());
        for (String refused : List.of("pub", "pub?sign=" + forged(valid), "pub?sign=" + PUBLISH.sign("/live/pub", aSecondAgo()),
                "pub?sign=" + PLAY.sign("/live/pub", inAMinute()), "pub?sign=" + PUBLISH.sign("/live/other", inAMinute()))) {
            try (RtmpTestPublisher pub = publish(refused)) {
                assertEquals("NetStream.Publish.Denied", pub.lastStatusCode(), refused);
                assertTrue(pub.awaitClosedByServer(), refused);
            }
            assertFalse(mounted("pub"), refused);
        }
        try (RtmpTestPublisher pub = publish("pub?sign=" + valid)) {
            assertEquals("NetStream.Publish.Start", pub.lastStatusCode());
            assertTrue(mounted("pub"));
        }
    }

    @Test
    void playNeedsAValidUnexpiredSignatureForThatStream() throws Exception {
        try (RtmpTestPublisher pub = publish("cam?sign=" + PUBLISH.sign("/live/cam", inAMinute()))) {
            assertEquals("NetStream.Publish.Start", pub.lastStatusCode());
            sendHeaders(pub);
            sendFrames(pub, 0, 0, 30, 500);
            String valid = PLAY.sign("/live/cam", inAMinute());
            assertEquals(403, play("/live/cam.flv"), "missing");
            assertEquals(403, play("/live/cam.flv?sign=" + forged(valid)), "forged");
            assertEquals(403, play("/live/cam.flv?sign=" + PLAY.sign("/live/cam", aSecondAgo())), "expired");
            assertEquals(403, play("/live/cam.flv?sign=" + PUBLISH.sign("/live/cam", inAMinute())), "the publish secret");
            assertEquals(403, play("/live/cam.flv?sign=garbage"), "malformed");
            try (HttpFlvClient head = new HttpFlvClient(server.httpPort(), "HEAD", "/live/cam.flv")) {
                assertEquals(403, head.status, "HEAD does not tell an unsigned client that the stream exists");
            }
            try (HttpFlvClient player = new HttpFlvClient(server.httpPort(), "GET", "/live/cam.flv?sign=" + valid)) {
                assertEquals(200, player.status);
                player.readTags(3 + 2, 5000);
                assertTrue(player.flv.tags.size() >= 5, "a signed player gets the stream");
            }
            // A signature names one stream: not another app, not a trick spelling that the container maps elsewhere.
            for (String path : List.of("/other/cam.flv", "/live/cam2.flv", "/live/cam.flv.flv", "/live/../other/cam.flv",
                    "/live%2Fcam.flv", "/live/cam%2Eflv.flv")) {
                int status = play(path + "?sign=" + valid);
                assertTrue(List.of(400, 403, 404).contains(status), path + " gave " + status);
            }
            assertEquals(200, play("/live/../live/cam.flv?sign=" + valid), "a spelling of the same stream is the same stream");
        }
    }

    @Test
    void aRefusalStillCarriesCorsHeadersSoAPageCanReadIt() throws Exception {
        try (HttpFlvClient player = new HttpFlvClient(server.httpPort(), "GET", "/live/nobody.flv",
                Map.of("Origin", "https://page.example"))) {
            assertEquals(403, player.status);
            assertEquals("*", player.header("Access-Control-Allow-Origin"));
        }
    }

    @Test
    void ffmpegPublishesWithASignedUrlAndIsRefusedWithAForgedOne() throws Exception {
        String ffmpeg = ExternalTools.require("ffmpeg", "ffmpeg");
        String base = "rtmp://127.0.0.1:" + server.rtmpPort() + "/live/";
        String forgedUrl = base + "ff?sign=" + forged(PUBLISH.sign("/live/ff", inAMinute()));
        ExternalTools.Result refused = ExternalTools.run(ffmpegPublish(ffmpeg, forgedUrl, 2), 20);
        assertNotEquals(0, refused.exitCode(), "ffmpeg fails: " + refused.output());
        assertFalse(mounted("ff"));

        Process publisher = ExternalTools.start(ffmpegPublish(ffmpeg, base + "ff?sign=" + PUBLISH.sign("/live/ff", inAMinute()), 10));
        try {
            long deadline = System.currentTimeMillis() + 10_000;
            while (!mounted("ff")) {
                assertTrue(publisher.isAlive() && System.currentTimeMillis() < deadline, "ffmpeg did not publish");
                Thread.sleep(100);
            }
        } finally {
            publisher.destroy();
            publisher.waitFor();
        }
    }

    private static List<String> ffmpegPublish(String ffmpeg, String url, int seconds) {
        return List.of(ffmpeg, "-hide_banner", "-loglevel", "error", "-re", "-f", "lavfi", "-i", "testsrc2=size=320x180:rate=30",
                "-c:v", "libx264", "-preset", "ultrafast", "-g", "30", "-pix_fmt", "yuv420p", "-t", Integer.toString(seconds),
                "-f", "flv", url);
    }
}
