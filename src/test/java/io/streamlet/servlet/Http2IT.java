package io.streamlet.servlet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.streamlet.flv.FlvTag;
import io.streamlet.live.Client;
import io.streamlet.live.StreamKey;
import io.streamlet.metrics.Metrics;
import io.streamlet.testing.ExternalTools;
import io.streamlet.testing.FlvCollector;
import io.streamlet.testing.RtmpTestPublisher;
import io.streamlet.testing.SyntheticMedia;
import io.streamlet.testing.WebContainer;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpURI;
import org.eclipse.jetty.http.HttpVersion;
import org.eclipse.jetty.http.MetaData;
import org.eclipse.jetty.http2.api.Session;
import org.eclipse.jetty.http2.api.Stream;
import org.eclipse.jetty.http2.client.HTTP2Client;
import org.eclipse.jetty.http2.frames.HeadersFrame;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * HTTP-FLV over HTTP/2 in each embedded container, with curl as the player: over TLS, where the protocol is
 * chosen by ALPN as browsers do, and without TLS (h2c, prior knowledge). The servlet is the same as over
 * HTTP/1.1; only the container's framing differs: the stream must arrive whole and end cleanly (END_STREAM)
 * when the publisher stops.
 */
class Http2IT {
    private static final int FRAMES_BEFORE_PLAY = 30;
    private static final int FRAMES_WHILE_PLAYING = 90;
    /** Large enough that a play carries ~1.5 MB, many HTTP/2 DATA frames and window updates. */
    private static final int VIDEO_FRAME_SIZE = 12_000;
    /** onMetaData, two sequence headers, then a video and an audio tag per frame. */
    private static final int SMALL_WINDOW = 16 * 1024;
    private static final int TAGS = 3 + 2 * (FRAMES_BEFORE_PLAY + FRAMES_WHILE_PLAYING);

    @ParameterizedTest(name = "on {0}")
    @EnumSource(WebContainer.Kind.class)
    void curlPlaysFlvOverHttp2WithTlsAndOverH2c(WebContainer.Kind container) throws Exception {
        String curl = ExternalTools.require("curl", "curl");
        try (WebContainer server = container.startWithHttp2(Map.of())) {
            play(server, curl, "tls", server.httpsUrl("/live/tls.flv"), List.of("--http2", "--insecure"));
            play(server, curl, "h2c", server.url("/live/h2c.flv"), List.of("--http2-prior-knowledge"));
        }
    }

    /**
     * The async write path under HTTP/2 flow control: a player whose stream window (16 KiB; curl's and browsers' are
     * megabytes, which a test cannot fill) never opens again must make {@code isReady()} say false and stay so, as a
     * full socket does over HTTP/1.1, until the stall watchdog closes that player. The connection lives on.
     */
    @ParameterizedTest(name = "on {0}")
    @EnumSource(WebContainer.Kind.class)
    void aPlayerWhoseFlowControlWindowStaysShutIsClosedAsStalled(WebContainer.Kind container) throws Exception {
        HTTP2Client client = new HTTP2Client();
        client.setInitialStreamRecvWindow(SMALL_WINDOW);
        client.start();
        try (WebContainer server = container.startWithHttp2(Map.of("streamlet.http.playerStallTimeout", "2s"));
                RtmpTestPublisher publisher = RtmpTestPublisher.publish("127.0.0.1", server.rtmpPort(), "live", "window")) {
            SyntheticMedia.sendHeaders(publisher);
            SyntheticMedia.sendFrames(publisher, 0, 0, FRAMES_BEFORE_PLAY, VIDEO_FRAME_SIZE);
            Session session = client.connect(new InetSocketAddress("127.0.0.1", server.httpPort()), new Session.Listener() {})
                    .get(5, TimeUnit.SECONDS);
            // Asks for nothing after the response headers (the default listener would read on): what arrives stays
            // unread, and the window stays shut after 16 KiB.
            session.newStream(request(server.url("/live/window.flv")), new Stream.Listener() {
                @Override
                public void onHeaders(Stream stream, HeadersFrame frame) {}
            }).get(5, TimeUnit.SECONDS);
            Client shut = awaitPlayer(server, new StreamKey("live", "window"), null);

            long started = System.nanoTime();
            int frame = FRAMES_BEFORE_PLAY;
            while (server.streamlet().players().contains(shut) && System.nanoTime() - started < TimeUnit.SECONDS.toNanos(15)) {
                SyntheticMedia.sendFrames(publisher, 0, frame, frame + 3, VIDEO_FRAME_SIZE); // about real time
                frame += 3;
                Thread.sleep(100);
            }
            assertEquals(1, server.streamlet().metrics().connectionErrors(Metrics.Protocol.HTTP_FLV,
                    Metrics.ConnectionError.STALLED), "the player whose window stayed shut was closed as stalled");
            assertTrue(shut.bytesSent() < 4 * SMALL_WINDOW, shut.bytesSent() + " bytes taken by the container before isReady() said false");
            assertFalse(session.isClosed(), "the connection outlives the stream");
        } finally {
            client.stop();
        }
    }

    private static HeadersFrame request(String url) {
        return new HeadersFrame(new MetaData.Request("GET", HttpURI.from(url), HttpVersion.HTTP_2, HttpFields.EMPTY), null, true);
    }

    /** Publishes a GOP, starts curl, publishes more and unpublishes; curl must have read all of it over HTTP/2. */
    private static void play(WebContainer server, String curl, String stream, String url, List<String> protocol)
            throws Exception {
        Path body = Files.createTempFile("streamlet-h2-", ".flv");
        try (RtmpTestPublisher publisher = RtmpTestPublisher.publish("127.0.0.1", server.rtmpPort(), "live", stream)) {
            assertEquals("NetStream.Publish.Start", publisher.lastStatusCode());
            SyntheticMedia.sendHeaders(publisher);
            SyntheticMedia.sendFrames(publisher, 0, 0, FRAMES_BEFORE_PLAY, VIDEO_FRAME_SIZE);

            List<String> command = new ArrayList<>(List.of(curl, "--silent", "--show-error", "--max-time", "20",
                    "--output", body.toString(), "--write-out", "%{http_version} %{http_code}"));
            command.addAll(protocol);
            command.add(url);
            Process player = new ProcessBuilder(command).redirectErrorStream(true).start();
            Client client = awaitPlayer(server, new StreamKey("live", stream), player);
            SyntheticMedia.sendFrames(publisher, 0, FRAMES_BEFORE_PLAY, FRAMES_BEFORE_PLAY + FRAMES_WHILE_PLAYING,
                    VIDEO_FRAME_SIZE);
            // Unpublish once the server has it all: a close with the server's acknowledgements unread would reset the
            // connection, and the server would lose what it had not read yet.
            long deadline = System.currentTimeMillis() + 10_000;
            while (client.tagsSent() < TAGS && System.currentTimeMillis() < deadline) Thread.sleep(20);
            publisher.close(); // the end of the stream ends the response
            assertTrue(player.waitFor(20, TimeUnit.SECONDS), "curl did not finish");
            String out = new String(player.getInputStream().readAllBytes()).trim();
            assertEquals(0, player.exitValue(), "curl: " + out);
            assertEquals("2 200", out, "curl's HTTP version and status for " + url);

            FlvCollector flv = new FlvCollector();
            byte[] bytes = Files.readAllBytes(body);
            flv.feed(bytes, 0, bytes.length);
            assertEquals(0x05, flv.headerFlags, "FLV header with audio and video");
            assertEquals(FlvTag.SCRIPT, flv.tags.get(0).type(), "onMetaData first");
            List<FlvCollector.Tag> media = flv.media();
            assertTrue(media.get(0).isSequenceHeader() && media.get(1).isSequenceHeader(), "sequence headers: " + media.subList(0, 3));
            assertTrue(media.get(2).isKeyframe(), "then the GOP from its keyframe: " + media.get(2));
            List<FlvCollector.Tag> video = media.stream().filter(t -> t.isVideo() && !t.isSequenceHeader()).toList();
            assertEquals(FRAMES_BEFORE_PLAY + FRAMES_WHILE_PLAYING, video.size(), "every video frame, " + bytes.length + " bytes");
            assertTrue(video.stream().allMatch(t -> t.body().length == VIDEO_FRAME_SIZE), "whole frames");
            for (int i = 1; i < media.size(); i++) {
                assertTrue(media.get(i).timestamp() >= media.get(i - 1).timestamp(), "timestamps never go back: " + media);
            }
        } finally {
            Files.deleteIfExists(body);
        }
    }

    /** The player of {@code key}, once the server has it; {@code player} (may be null) is the client's process. */
    private static Client awaitPlayer(WebContainer server, StreamKey key, Process player) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 10_000;
        while (true) {
            for (Client client : server.streamlet().players()) {
                if (client.streamKey().equals(key)) return client;
            }
            assertTrue((player == null || player.isAlive()) && System.currentTimeMillis() < deadline, "no player of " + key);
            Thread.sleep(20);
        }
    }
}
