package io.streamlet.websocket;

import static io.streamlet.testing.SyntheticMedia.sendFrames;
import static io.streamlet.testing.SyntheticMedia.sendHeaders;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.streamlet.flv.FlvHeader;
import io.streamlet.testing.FlvCollector;
import io.streamlet.testing.HttpFlvClient;
import io.streamlet.testing.RtmpTestPublisher;
import io.streamlet.testing.TestCertificate;
import io.streamlet.testing.WebContainer;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.security.KeyStore;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * WebSocket-FLV against a real WebSocket client (the JDK's), in each embedded container: the binary
 * messages carry exactly the bytes of the HTTP-FLV response, a close frame ends the stream, and a page of
 * a foreign origin is refused.
 */
class WebSocketFlvIT {

    /** Collects the binary messages of one WebSocket and notes how it ended. */
    private static final class Recorder implements WebSocket.Listener {
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        final CompletableFuture<Integer> closed = new CompletableFuture<>();

        @Override
        public synchronized CompletionStage<?> onBinary(WebSocket ws, ByteBuffer data, boolean last) {
            byte[] b = new byte[data.remaining()];
            data.get(b);
            bytes.writeBytes(b);
            ws.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket ws, int statusCode, String reason) {
            closed.complete(statusCode);
            return null;
        }

        @Override
        public void onError(WebSocket ws, Throwable error) {
            closed.completeExceptionally(error);
        }

        synchronized byte[] received() {
            return bytes.toByteArray();
        }
    }

    private static CompletableFuture<WebSocket> open(WebContainer server, String path, String origin, Recorder recorder) {
        WebSocket.Builder builder = HttpClient.newHttpClient().newWebSocketBuilder();
        if (origin != null) builder.header("Origin", origin);
        return builder.buildAsync(URI.create("ws://127.0.0.1:" + server.httpPort() + path), recorder);
    }

    @ParameterizedTest(name = "on {0}")
    @EnumSource(WebContainer.Kind.class)
    void carriesTheHttpFlvBytesAndEndsWithACloseFrame(WebContainer.Kind container) throws Exception {
        try (WebContainer server = container.start(Map.of());
                RtmpTestPublisher publisher = RtmpTestPublisher.publish("127.0.0.1", server.rtmpPort(), "live", "ws")) {
            sendHeaders(publisher);
            sendFrames(publisher, 0, 0, 45, 300);
            Recorder recorder = new Recorder();
            open(server, "/live/ws.flv", null, recorder).get(10, TimeUnit.SECONDS);
            try (HttpFlvClient http = new HttpFlvClient(server.httpPort(), "GET", "/live/ws.flv")) {
                assertEquals(200, http.status);
                long deadline = System.currentTimeMillis() + 10_000;
                while (recorder.received().length < 1000 && System.currentTimeMillis() < deadline) Thread.sleep(20);
                http.readTags(5, 5_000);
                publisher.close(); // unpublish: both players get the rest, then the end
                assertTrue(http.readToEnd(10_000), "the HTTP-FLV response ended");
                assertEquals(1000, recorder.closed.get(10, TimeUnit.SECONDS), "a normal close frame ends the stream");

                byte[] ws = recorder.received();
                assertEquals(http.bodyBytes(), ws.length, "as many bytes as the HTTP-FLV body");
                FlvCollector flv = new FlvCollector();
                flv.feed(ws, 0, ws.length);
                assertEquals(describe(http.flv), describe(flv), "the same tags, timestamps and bodies");
                assertFlv(flv);
            }
        }
    }

    private static String describe(FlvCollector flv) {
        StringBuilder s = new StringBuilder("flags=" + flv.headerFlags);
        for (FlvCollector.Tag t : flv.tags) s.append('|').append(t.type()).append('@').append(t.timestamp()).append('#')
                .append(java.util.Arrays.hashCode(t.body()));
        return s.toString();
    }

    private static void assertFlv(FlvCollector flv) {
        assertEquals(FlvHeader.FLAG_AUDIO | FlvHeader.FLAG_VIDEO, flv.headerFlags);
        assertTrue(flv.tags.get(1).isSequenceHeader(), "metadata, then the sequence headers: " + flv.tags);
        FlvCollector.Tag firstVideo = flv.media().stream().filter(t -> t.isVideo() && !t.isSequenceHeader()).findFirst().orElseThrow();
        assertTrue(firstVideo.isKeyframe(), "video starts at a keyframe: " + flv.tags);
    }

    @ParameterizedTest(name = "on {0}")
    @EnumSource(WebContainer.Kind.class)
    void aForeignOriginIsRefusedAndUnknownStreamsAre404(WebContainer.Kind container) throws Exception {
        try (WebContainer server = container.start(Map.of("streamlet.cors.allowOrigins", "https://ok.example"));
                RtmpTestPublisher publisher = RtmpTestPublisher.publish("127.0.0.1", server.rtmpPort(), "live", "ws")) {
            sendHeaders(publisher);
            sendFrames(publisher, 0, 0, 31, 300);
            CompletionException refused = org.junit.jupiter.api.Assertions.assertThrows(CompletionException.class,
                    () -> open(server, "/live/ws.flv", "https://evil.example", new Recorder()).join());
            WebSocketHandshakeException handshake = assertInstanceOf(WebSocketHandshakeException.class, refused.getCause());
            assertEquals(403, handshake.getResponse().statusCode());

            CompletionException missing = org.junit.jupiter.api.Assertions.assertThrows(CompletionException.class,
                    () -> open(server, "/live/nobody.flv", "https://ok.example", new Recorder()).join());
            assertEquals(404, assertInstanceOf(WebSocketHandshakeException.class, missing.getCause()).getResponse().statusCode());

            Recorder allowed = new Recorder();
            open(server, "/live/ws.flv", "https://ok.example", allowed).get(10, TimeUnit.SECONDS);
            long deadline = System.currentTimeMillis() + 10_000;
            while (allowed.received().length < 13 && System.currentTimeMillis() < deadline) Thread.sleep(20);
            assertTrue(allowed.received().length >= 13, "an allowed origin plays");
        }
    }

    @ParameterizedTest(name = "on {0}")
    @EnumSource(WebContainer.Kind.class)
    void wssOnTheTlsPortCarriesTheSameStream(WebContainer.Kind container) throws Exception {
        try (WebContainer server = container.startWithHttp2(Map.of());
                RtmpTestPublisher publisher = RtmpTestPublisher.publish("127.0.0.1", server.rtmpPort(), "live", "wss")) {
            sendHeaders(publisher);
            sendFrames(publisher, 0, 0, 31, 300);
            Recorder recorder = new Recorder();
            // The test's self-signed certificate: trusted through a keystore of its own.
            KeyStore keys = KeyStore.getInstance("PKCS12");
            TestCertificate certificate = TestCertificate.selfSigned();
            try (var in = java.nio.file.Files.newInputStream(certificate.keystore())) {
                keys.load(in, certificate.password().toCharArray());
            }
            TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            trust.init(keys);
            SSLContext tls = SSLContext.getInstance("TLS");
            tls.init(null, trust.getTrustManagers(), null);
            HttpClient.newBuilder().sslContext(tls).build().newWebSocketBuilder()
                    .buildAsync(URI.create("wss://localhost:" + server.httpsPort() + "/live/wss.flv"), recorder)
                    .get(10, TimeUnit.SECONDS);
            long deadline = System.currentTimeMillis() + 10_000;
            while (recorder.received().length < 1000 && System.currentTimeMillis() < deadline) Thread.sleep(20);
            publisher.close();
            assertEquals(1000, recorder.closed.get(10, TimeUnit.SECONDS), "a normal close frame ends the stream");
            byte[] ws = recorder.received();
            FlvCollector flv = new FlvCollector();
            flv.feed(ws, 0, ws.length);
            assertFlv(flv);
        }
    }
}
