package io.streamlet.servlet;

import static io.streamlet.testing.SyntheticMedia.avcFrame;
import static io.streamlet.testing.SyntheticMedia.sendFrames;
import static io.streamlet.testing.SyntheticMedia.sendHeaders;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.streamlet.amf.Amf0;
import io.streamlet.flv.FlvHeader;
import io.streamlet.flv.FlvTag;
import io.streamlet.live.LiveSource;
import io.streamlet.live.StreamKey;
import io.streamlet.rtmp.MessageType;
import io.streamlet.rtmp.RtmpMessage;
import io.streamlet.testing.FlvCollector;
import io.streamlet.testing.HttpFlvClient;
import io.streamlet.testing.RtmpTestPublisher;
import io.streamlet.testing.WebContainer;
import java.io.IOException;
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
 * The RTMP → HTTP-FLV path through the real webapp in each embedded container (every test runs once on
 * Jetty and once on Tomcat): the project's RTMP publisher on one side, a raw HTTP client parsing the
 * served bytes on the other.
 */
@ParameterizedClass(name = "on {0}")
@EnumSource(WebContainer.Kind.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS) // one container for all tests of an invocation
class FlvStreamIT {
    @Parameter
    private WebContainer.Kind container;
    private WebContainer server;

    @BeforeParameterizedClassInvocation
    void start() throws Exception {
        server = container.start(Map.of("streamlet.http.playerStallTimeout", "3s"));
    }

    @AfterParameterizedClassInvocation
    void stop() throws Exception {
        server.close();
    }

    private RtmpTestPublisher publisher(String stream) throws IOException {
        RtmpTestPublisher p = RtmpTestPublisher.publish("127.0.0.1", server.rtmpPort(), "live", stream);
        assertEquals("NetStream.Publish.Start", p.lastStatusCode());
        return p;
    }

    private LiveSource source(String stream) {
        return server.streamlet().registry().find(new StreamKey("live", stream));
    }

    private void awaitTags(String stream, long tags) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 5000;
        while (source(stream).tagsIn() < tags && System.currentTimeMillis() < deadline) Thread.sleep(5);
        assertEquals(tags, source(stream).tagsIn(), "the server received what was published");
    }

    @Test
    void playerGetsTheStreamInOrderAndACleanEndOnUnpublish() throws Exception {
        // Start near 2^24 ms so the RTMP extended timestamp (also on continuation chunks) is exercised.
        long t0 = 0xFFFFFF - 1500;
        try (RtmpTestPublisher pub = publisher("order")) {
            pub.setChunkSize(1000); // video frames of 3000 bytes span chunks
            sendHeaders(pub);
            sendFrames(pub, t0, 0, 75, 3000); // keyframes at frames 0, 30, 60
            awaitTags("order", 3 + 75 * 2); // the server reads RTMP on its own thread: let it catch up

            try (HttpFlvClient player = new HttpFlvClient(server.httpPort(), "GET", "/live/order.flv")) {
                assertEquals(200, player.status);
                assertEquals("video/x-flv", player.header("Content-Type"));
                assertEquals("chunked", player.header("Transfer-Encoding"));
                assertNull(player.header("Content-Length"));
                assertTrue(player.header("Cache-Control").contains("no-cache"));

                player.readTags(3 + 30, 5000);
                sendFrames(pub, t0, 75, 120, 3000);
                player.readTags(3 + 30 + 45 * 2, 5000);
                pub.close(); // the publisher goes away: the response must end cleanly
                assertTrue(player.readToEnd(5000), "terminating chunk after unpublish");

                FlvCollector flv = player.flv;
                assertEquals(FlvHeader.FLAG_AUDIO | FlvHeader.FLAG_VIDEO, flv.headerFlags);
                FlvCollector.Tag meta = flv.tags.get(0);
                assertEquals(FlvTag.SCRIPT, meta.type());
                List<Object> values = Amf0.decodeAll(meta.body(), 0, meta.body().length);
                assertEquals("onMetaData", values.get(0), "no @setDataFrame wrapper");
                assertFalse(((Map<?, ?>) values.get(1)).containsKey("duration"));
                assertEquals("avc-header@0", flv.tags.get(1).toString());
                assertEquals("aac-header@0", flv.tags.get(2).toString());
                assertEquals("key@0", flv.tags.get(3).toString(), "media starts at the newest cached keyframe");
                assertEquals(3000, flv.tags.get(3).body().length);
                long last = 0;
                for (FlvCollector.Tag tag : flv.tags) {
                    assertTrue(tag.timestamp() >= last, "timestamps never go back: " + flv.tags);
                    last = tag.timestamp();
                }
                // Frames 60..119 (keyframe 60 onward) with their audio: 2 s of media, rebased from 0.
                assertEquals(60 * 2, flv.media().size() - 2);
                assertEquals((119 - 60) * 1000 / 30 + 10, last, 1);
            }
        }
        assertNull(source("order"), "the stream is unmounted");
    }

    @Test
    void streamsMountWhereTheTemplateSays() throws Exception {
        WebContainer.Webapp app = server.deploy("/m", Map.of("streamlet.http.flvMount", "/flv/[app]/[stream].flv"));
        try (RtmpTestPublisher pub = RtmpTestPublisher.publish("127.0.0.1", app.rtmpPort(), "live", "mounted")) {
            sendHeaders(pub);
            sendFrames(pub, 0, 0, 30, 500);
            try (HttpFlvClient player = new HttpFlvClient(server.httpPort(), "GET", "/m/flv/live/mounted.flv")) {
                assertEquals(200, player.status);
                player.readTags(3 + 1, 5000);
                assertTrue(player.flv.media().stream().anyMatch(FlvCollector.Tag::isKeyframe));
            }
            try (HttpFlvClient elsewhere = new HttpFlvClient(server.httpPort(), "GET", "/m/live/mounted.flv")) {
                assertEquals(404, elsewhere.status, "not at the default mount any more");
            }
        } finally {
            app.undeploy();
        }
    }

    @Test
    void unknownStreamIs404AndHeadSendsHeadersOnly() throws Exception {
        try (HttpFlvClient player = new HttpFlvClient(server.httpPort(), "GET", "/live/nobody.flv")) {
            assertEquals(404, player.status);
        }
        for (String path : List.of("/live/../live/nobody.flv", "/live/x/y.flv", "/.flv", "/live/%2e%2e.flv")) {
            try (HttpFlvClient player = new HttpFlvClient(server.httpPort(), "GET", path)) {
                assertTrue(player.status == 404 || player.status == 400, path + " gave " + player.status);
            }
        }
        try (RtmpTestPublisher pub = publisher("head");
                HttpFlvClient head = new HttpFlvClient(server.httpPort(), "HEAD", "/live/head.flv")) {
            assertEquals(200, head.status);
            assertEquals("video/x-flv", head.header("Content-Type"));
            assertEquals("no-cache, no-store", head.header("Cache-Control"));
            assertNull(head.header("Content-Length"), "a HEAD answers what the GET would: no length, the body is endless");
            assertEquals(0, source("head").consumerCount());
        }
    }

    @Test
    void secondPublisherIsRefusedAndTheFirstGoesOn() throws Exception {
        try (RtmpTestPublisher first = publisher("busy")) {
            sendHeaders(first);
            sendFrames(first, 0, 0, 30, 500);
            try (HttpFlvClient player = new HttpFlvClient(server.httpPort(), "GET", "/live/busy.flv")) {
                player.readTags(3 + 2, 5000);
                try (RtmpTestPublisher second = RtmpTestPublisher.publish("127.0.0.1", server.rtmpPort(), "live", "busy")) {
                    assertEquals("NetStream.Publish.BadName", second.lastStatusCode());
                    try {
                        sendFrames(second, 0, 0, 30, 777); // whatever it still manages to send must reach nobody
                    } catch (IOException closed) {
                        // the server closed it, as it should
                    }
                    assertTrue(second.awaitClosedByServer(), "the second publisher is disconnected");
                }
                sendFrames(first, 0, 30, 90, 500);
                player.readTags(3 + 60 * 2 + 2, 5000);
                assertTrue(player.flv.tags.size() >= 3 + 60 * 2, "the first publisher's stream goes on");
                assertTrue(player.flv.media().stream().noneMatch(t -> t.body().length == 777), "nothing of the second");
            }
        }
    }

    @Test
    void badRtmpInputClosesOnlyThatConnection() throws Exception {
        try (RtmpTestPublisher pub = publisher("sturdy");
                HttpFlvClient player = connectPlayerAfterHeaders(pub)) {
            List<byte[]> garbage = List.of(
                    "GET / HTTP/1.1\r\n\r\n".getBytes(), // not RTMP at all
                    new byte[] {3});                     // a handshake cut short, then EOF
            for (byte[] bytes : garbage) {
                try (RtmpTestPublisher bad = RtmpTestPublisher.openRaw("127.0.0.1", server.rtmpPort())) {
                    bad.sendRaw(bytes);
                }
            }
            try (RtmpTestPublisher bad = RtmpTestPublisher.open("127.0.0.1", server.rtmpPort())) {
                bad.send(new RtmpMessage(2, MessageType.SET_CHUNK_SIZE, 0, 0, new byte[4])); // the builder refuses 0
                assertTrue(bad.awaitClosedByServer(), "chunk size 0 closes the connection");
            }
            try (RtmpTestPublisher bad = RtmpTestPublisher.open("127.0.0.1", server.rtmpPort())) {
                bad.sendRaw(new byte[] {(byte) 0xC6, 1, 2, 3}); // fmt 3 on a chunk stream that never started
                assertTrue(bad.awaitClosedByServer(), "a continuation of nothing closes the connection");
            }
            try (RtmpTestPublisher bad = RtmpTestPublisher.open("127.0.0.1", server.rtmpPort())) {
                bad.sendVideo(0, avcFrame(true, 100)); // media before connect/publish
                assertTrue(bad.awaitClosedByServer(), "publish before connect closes the connection");
            }
            sendFrames(pub, 0, 30, 60, 500);
            player.readTags(3 + 2 + 60, 5000);
            assertTrue(player.flv.tags.size() >= 3 + 60, "the good stream went on: " + player.flv.tags.size());
        }
    }

    private HttpFlvClient connectPlayerAfterHeaders(RtmpTestPublisher pub) throws Exception {
        sendHeaders(pub);
        sendFrames(pub, 0, 0, 30, 500);
        HttpFlvClient player = new HttpFlvClient(server.httpPort(), "GET", "/live/" + "sturdy" + ".flv");
        player.readTags(3 + 2, 5000);
        return player;
    }

    @Test
    void vanishedPlayerIsDetachedAndOthersGoOn() throws Exception {
        try (RtmpTestPublisher pub = publisher("leave")) {
            sendHeaders(pub);
            sendFrames(pub, 0, 0, 30, 500);
            HttpFlvClient stays = new HttpFlvClient(server.httpPort(), "GET", "/live/leave.flv");
            HttpFlvClient leaves = new HttpFlvClient(server.httpPort(), "GET", "/live/leave.flv");
            leaves.readTags(4, 5000);
            stays.readTags(4, 5000);
            assertEquals(2, source("leave").consumerCount());
            leaves.close();
            long deadline = System.currentTimeMillis() + 5000;
            int frame = 30;
            while (source("leave").consumerCount() > 1 && System.currentTimeMillis() < deadline) {
                sendFrames(pub, 0, frame, frame + 3, 500); // the next writes find the socket closed
                frame += 3;
                Thread.sleep(20);
            }
            assertEquals(1, source("leave").consumerCount(), "the vanished player's consumer is gone");
            int before = stays.flv.tags.size();
            sendFrames(pub, 0, frame, frame + 30, 500);
            stays.readTags(before + 60, 5000);
            assertTrue(stays.flv.tags.size() >= before + 60);
            stays.close();
        }
    }

    @Test
    void playerThatStopsReadingIsClosedWithoutHoldingThePublisher() throws Exception {
        try (RtmpTestPublisher pub = publisher("stall");
                HttpFlvClient stuck = new HttpFlvClient(server.httpPort(), "GET", "/live/stall.flv")) {
            sendHeaders(pub);
            // Never read `stuck`: its socket buffers fill, then the server must stop writing to it.
            long start = System.nanoTime();
            int frames = 0;
            while (System.nanoTime() - start < 5_000_000_000L) {
                sendFrames(pub, 0, frames, frames + 30, 20_000);
                frames += 30;
            }
            assertTrue(frames >= 30 * 20, "the publisher was never held up by the stuck player: " + frames + " frames");
            long deadline = System.currentTimeMillis() + 8000;
            while (source("stall").consumerCount() > 0 && System.currentTimeMillis() < deadline) {
                sendFrames(pub, 0, frames, frames + 3, 500);
                frames += 3;
                Thread.sleep(100);
            }
            assertEquals(0, source("stall").consumerCount(), "the stalled player was closed by the watchdog");
        }
    }
}
