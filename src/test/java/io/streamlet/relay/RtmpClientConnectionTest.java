package io.streamlet.relay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.streamlet.rtmp.MessageType;
import io.streamlet.rtmp.client.RtmpClientException;
import io.streamlet.rtmp.client.RtmpClientException.Reason;
import io.streamlet.rtmp.client.RtmpClientSession;
import io.streamlet.rtmp.client.RtmpUrl;
import io.streamlet.server.Streamlet;
import io.streamlet.server.StreamletConfig;
import io.streamlet.testing.RtmpTestPublisher;
import io.streamlet.testing.SyntheticMedia;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The outgoing connection over real sockets: playing from a Streamlet, and the ways a server can fail it. */
class RtmpClientConnectionTest {
    private static final RtmpClientSession.Options OPTIONS = new RtmpClientSession.Options(60_000, 2_000, "LNX 9,0,124,2");

    private Streamlet server;
    private final RelayIo io = new RelayIo();

    /** Records what the handler hears, on the relay thread. */
    private static final class Recorder implements RtmpClientConnection.Handler {
        final CompletableFuture<Void> started = new CompletableFuture<>();
        final CompletableFuture<RtmpClientException> ended = new CompletableFuture<>();
        final List<Integer> types = new ArrayList<>();
        final CompletableFuture<Void> gotKeyframe = new CompletableFuture<>();

        @Override
        public void onStarted(RtmpClientConnection connection) {
            started.complete(null);
        }

        @Override
        public synchronized void onMedia(int type, long timestamp, byte[] payload) {
            types.add(type);
            if (type == MessageType.VIDEO && payload[0] == 0x17 && payload[1] == 1) gotKeyframe.complete(null);
        }

        @Override
        public void onEnded(RtmpClientConnection connection, String reason, RtmpClientException failure) {
            ended.complete(failure);
        }
    }

    @BeforeEach
    void start() {
        server = Streamlet.start(StreamletConfig.load(Map.of("streamlet.rtmp.host", "127.0.0.1", "streamlet.rtmp.port", "0",
                "streamlet.hls.enabled", "false")::get));
    }

    @AfterEach
    void stop() {
        io.close();
        server.close();
    }

    private RtmpClientConnection play(String url, Recorder recorder) {
        return RtmpClientConnection.open("test", io, RtmpUrl.parse(url), RtmpClientSession.Role.PLAY, OPTIONS, recorder);
    }

    @Test
    void playsAStreamAndEndsWhenClosed() throws Exception {
        try (RtmpTestPublisher publisher = RtmpTestPublisher.publish("127.0.0.1", server.rtmpPort(), "live", "a")) {
            SyntheticMedia.sendHeaders(publisher);
            SyntheticMedia.sendFrames(publisher, 0, 0, 10, 500);
            Recorder recorder = new Recorder();
            RtmpClientConnection connection = play("rtmp://127.0.0.1:" + server.rtmpPort() + "/live/a", recorder);
            recorder.started.get(5, TimeUnit.SECONDS);
            SyntheticMedia.sendFrames(publisher, 0, 10, 40, 500);
            recorder.gotKeyframe.get(5, TimeUnit.SECONDS);
            synchronized (recorder) {
                assertEquals(MessageType.DATA_AMF0, recorder.types.get(0), "metadata first: " + recorder.types);
                assertTrue(recorder.types.contains(MessageType.AUDIO), "audio arrived: " + recorder.types);
            }
            assertEquals(RtmpClientConnection.State.STARTED, connection.state());
            assertTrue(connection.bytesReceived() > 0 && connection.bytesSent() > 0);
            connection.close("test over");
            assertNull(recorder.ended.get(5, TimeUnit.SECONDS), "closing is no failure");
            assertEquals(RtmpClientConnection.State.CLOSED, connection.state());
            assertEquals(0, io.connectionCount());
        }
    }

    @Test
    void aMissingStreamEndsWithStreamNotFound() throws Exception {
        Recorder recorder = new Recorder();
        play("rtmp://127.0.0.1:" + server.rtmpPort() + "/live/none", recorder);
        RtmpClientException failure = recorder.ended.get(5, TimeUnit.SECONDS);
        assertNotNull(failure);
        assertEquals(Reason.STREAM_NOT_FOUND, failure.reason(), failure.getMessage());
        assertTrue(!recorder.started.isDone());
    }

    @Test
    void aClosedPortEndsWithConnectionLost() throws Exception {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = s.getLocalPort();
        }
        Recorder recorder = new Recorder();
        play("rtmp://127.0.0.1:" + closedPort + "/live/a", recorder);
        assertEquals(Reason.CONNECTION_LOST, recorder.ended.get(5, TimeUnit.SECONDS).reason());
    }

    @Test
    void garbageInsteadOfAHandshakeEndsWithAProtocolError() throws Exception {
        try (ServerSocket garbage = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Thread peer = new Thread(() -> {
                try (Socket s = garbage.accept(); OutputStream out = s.getOutputStream()) {
                    out.write("HTTP/1.1 400 Bad Request\r\n\r\n".getBytes());
                    out.flush();
                    s.getInputStream().read(new byte[4096]);
                } catch (Exception e) {
                    // the client hung up: expected
                }
            });
            peer.start();
            Recorder recorder = new Recorder();
            play("rtmp://127.0.0.1:" + garbage.getLocalPort() + "/live/a", recorder);
            assertEquals(Reason.PROTOCOL, recorder.ended.get(5, TimeUnit.SECONDS).reason());
            peer.join(5_000);
        }
    }

    @Test
    void aServerThatNeverAnswersTimesOut() throws Exception {
        try (ServerSocket silent = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Recorder recorder = new Recorder();
            long start = System.nanoTime();
            play("rtmp://127.0.0.1:" + silent.getLocalPort() + "/live/a", recorder);
            assertEquals(Reason.TIMEOUT, recorder.ended.get(6, TimeUnit.SECONDS).reason());
            assertTrue(System.nanoTime() - start >= TimeUnit.MILLISECONDS.toNanos(OPTIONS.responseTimeoutMillis()));
        }
    }

    @Test
    void aSlowHostLookupDelaysOnlyItsOwnConnection() throws Exception {
        CountDownLatch dnsAnswers = new CountDownLatch(1);
        RelayIo slowDns = new RelayIo((host, port) -> {
            if (!host.equals("slow.test")) return new InetSocketAddress(host, port);
            try {
                dnsAnswers.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return new InetSocketAddress(InetAddress.getLoopbackAddress(), port);
        });
        try (RtmpTestPublisher publisher = RtmpTestPublisher.publish("127.0.0.1", server.rtmpPort(), "live", "a")) {
            SyntheticMedia.sendHeaders(publisher);
            Recorder slow = new Recorder();
            Recorder fast = new Recorder();
            RtmpClientConnection.open("slow", slowDns, RtmpUrl.parse("rtmp://slow.test:" + server.rtmpPort() + "/live/a"),
                    RtmpClientSession.Role.PLAY, OPTIONS, slow);
            RtmpClientConnection.open("fast", slowDns, RtmpUrl.parse("rtmp://127.0.0.1:" + server.rtmpPort() + "/live/a"),
                    RtmpClientSession.Role.PLAY, OPTIONS, fast);
            fast.started.get(5, TimeUnit.SECONDS);
            assertFalse(slow.started.isDone() || slow.ended.isDone(), "the slow one still waits for its address");
            dnsAnswers.countDown();
            slow.started.get(5, TimeUnit.SECONDS);
        } finally {
            dnsAnswers.countDown();
            slowDns.close();
        }
    }

    @Test
    void anUnknownHostEndsWithConnectionLost() throws Exception {
        RelayIo noDns = new RelayIo(InetSocketAddress::createUnresolved);
        try {
            Recorder recorder = new Recorder();
            RtmpClientConnection.open("test", noDns, RtmpUrl.parse("rtmp://nowhere.test/live/a"), RtmpClientSession.Role.PLAY,
                    OPTIONS, recorder);
            RtmpClientException failure = recorder.ended.get(5, TimeUnit.SECONDS);
            assertEquals(Reason.CONNECTION_LOST, failure.reason());
            assertTrue(failure.getMessage().contains("cannot resolve nowhere.test"), failure.getMessage());
        } finally {
            noDns.close();
        }
    }
}
