package io.streamlet.relay;

import static io.streamlet.testing.Decoding.assertDecodableH264Aac;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.sun.net.httpserver.HttpServer;
import io.streamlet.amf.Amf0;
import io.streamlet.flv.FlvHeader;
import io.streamlet.flv.FlvTag;
import io.streamlet.flv.MediaInfo;
import io.streamlet.live.LiveSource;
import io.streamlet.live.StreamKey;
import io.streamlet.rtmp.MessageType;
import io.streamlet.rtmp.RtmpMessage;
import io.streamlet.server.Streamlet;
import io.streamlet.testing.EncodedMedia;
import io.streamlet.testing.ExternalTools;
import io.streamlet.testing.LivePublisher;
import io.streamlet.testing.LocalServers;
import io.streamlet.testing.RtmpTestPlayer;
import io.streamlet.testing.SyntheticMedia;
import io.streamlet.testing.TagLoopPublisher;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * RTMP plays of pulled streams, over real sockets without a servlet container: the play starts before the
 * stream exists and waits for the pull to mount it. Upstreams are another Streamlet, an HTTP-FLV server that
 * sends audio before video (as nginx-rtmp does to a new subscriber), and bad peers: silent and garbage.
 */
class PulledRtmpPlayIT {
    private final LocalServers servers = new LocalServers();

    @AfterEach
    void closeAll() throws Exception {
        servers.close();
    }

    private static String rtmpUrl(Streamlet server, String path) {
        return "rtmp://127.0.0.1:" + server.rtmpPort() + "/" + path;
    }

    @Test
    void pullsFromAnotherStreamletsRtmpPlayAndTheStreamDecodes() throws Exception {
        ExternalTools.require("ffmpeg", "ffmpeg");
        Streamlet origin = servers.start();
        servers.closeLater(new TagLoopPublisher(origin.rtmpPort(), "live", List.of("x"), EncodedMedia.flvTags(true, "aac", 2), 2000));
        Streamlet edge = servers.start("streamlet.pull.sources", "live/*=rtmp://127.0.0.1:" + origin.rtmpPort() + "/[app]/[stream]");
        assertDecodableH264Aac(rtmpUrl(edge, "live/x"));
        assertEquals(rtmpUrl(origin, "live/x"), edge.pulls().pulls().get(0).upstreamUrl().toString());
    }

    /**
     * The bug behind the flaky nginx pull: an upstream that sends a new subscriber more audio before its first
     * video than {@code streamlet.live.trackGuess} made the pulled stream audio only, for every player.
     */
    @Test
    void audioBeforeTheAnnouncedVideoDoesNotMakeThePulledStreamAudioOnly() throws Exception {
        byte[] flv = audioLeadFlv(1500);
        CountDownLatch testOver = new CountDownLatch(1);
        servers.closeLater(testOver::countDown);
        HttpServer upstream = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 8);
        upstream.setExecutor(Executors.newCachedThreadPool());
        upstream.createContext("/live/x.flv", exchange -> {
            exchange.sendResponseHeaders(200, 0);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(flv);
                out.flush();
                testOver.await(); // a live stream: the response stays open
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        upstream.start();
        servers.closeLater(() -> upstream.stop(0));
        Streamlet edge = servers.start("streamlet.pull.sources", "live/*=http://127.0.0.1:" + upstream.getAddress().getPort() + "/[app]/[stream].flv");

        try (RtmpTestPlayer player = RtmpTestPlayer.play(rtmpUrl(edge, "live/x"), Duration.ofSeconds(10))) {
            player.awaitStatus("NetStream.Play.Start");
            await(() -> player.media().stream().anyMatch(PulledRtmpPlayIT::isVideoKeyframe), "a video keyframe reached the player");
            List<RtmpMessage> media = player.media();
            assertTrue(media.stream().anyMatch(m -> m.type() == MessageType.AUDIO), "audio too: " + media.size() + " messages");
        }
        LiveSource pulled = edge.registry().find(new StreamKey("live", "x"));
        assertNotNull(pulled.videoDetails(), "the pulled source has video");
    }

    @Test
    void aSourceThatNeverAnswersGivesTheRtmpPlayStreamNotFoundAfterMaxStreamWait() throws Exception {
        ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        servers.closeLater(silent);
        List<Socket> accepted = acceptForever(silent, null);
        servers.closeLater(() -> closeAll(accepted));
        Streamlet edge = servers.start("streamlet.pull.maxStreamWait", "2s",
                "streamlet.pull.sources", "live/*=rtmp://127.0.0.1:" + silent.getLocalPort() + "/[app]/[stream]");
        long start = System.nanoTime();
        try (RtmpTestPlayer player = RtmpTestPlayer.play(rtmpUrl(edge, "live/nowhere"), Duration.ofSeconds(15))) {
            player.awaitStatus("NetStream.Play.StreamNotFound");
            long waitedMs = (System.nanoTime() - start) / 1_000_000;
            assertTrue(waitedMs >= 1800 && waitedMs < 6000, "StreamNotFound after maxStreamWait, not a hang: " + waitedMs + " ms");
            assertNotNull(player.awaitEnd(Duration.ofSeconds(5)), "the server ended the connection");
        }
        assertEquals(1, edge.pulls().notFoundCount());
    }

    /** Upstreams that answer garbage (RTMP and HTTP-FLV) fail their own pulls; a healthy pull and its player go on. */
    @Test
    void garbageFromUpstreamsHarmsNothingElse() throws Exception {
        Streamlet origin = servers.start();
        servers.closeLater(new LivePublisher(origin.rtmpPort(), "x"));
        ServerSocket garbage = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        servers.closeLater(garbage);
        List<Socket> accepted = acceptForever(garbage, "SSH-2.0-OpenSSH_9.2\r\n".getBytes());
        servers.closeLater(() -> closeAll(accepted));
        HttpServer junk = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 8);
        junk.createContext("/", exchange -> {
            byte[] body = "<html>not a stream</html>".getBytes();
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        junk.start();
        servers.closeLater(() -> junk.stop(0));
        Streamlet edge = servers.start("streamlet.pull.maxStreamWait", "2s", "streamlet.pull.sources", String.join(",",
                "live/*=rtmp://127.0.0.1:" + origin.rtmpPort() + "/[app]/[stream]",
                "bad/rtmp=rtmp://127.0.0.1:" + garbage.getLocalPort() + "/bad/rtmp",
                "bad/http=http://127.0.0.1:" + junk.getAddress().getPort() + "/bad/http.flv"));

        try (RtmpTestPlayer healthy = RtmpTestPlayer.play(rtmpUrl(edge, "live/x"), Duration.ofSeconds(10))) {
            healthy.awaitStatus("NetStream.Play.Start");
            healthy.awaitMedia(10, Duration.ofSeconds(10));
            try (RtmpTestPlayer onGarbage = RtmpTestPlayer.play(rtmpUrl(edge, "bad/rtmp"), Duration.ofSeconds(15));
                    RtmpTestPlayer onJunk = RtmpTestPlayer.play(rtmpUrl(edge, "bad/http"), Duration.ofSeconds(15))) {
                int before = healthy.media().size();
                onGarbage.awaitStatus("NetStream.Play.StreamNotFound");
                onJunk.awaitStatus("NetStream.Play.StreamNotFound");
                int during = healthy.media().size() - before;
                assertTrue(during >= 40, "the healthy player kept receiving while the bad pulls failed: " + during + " messages");
            }
            assertTrue(edge.pulls().upstreamFailures() >= 2, "failures: " + edge.pulls().upstreamFailures());
            assertEquals(0, edge.pulls().upstreamBreaks(), "the healthy pull never broke");
            assertTrue(healthy.failure() == null, "the healthy player is still on");
        }
        try (RtmpTestPlayer later = RtmpTestPlayer.play(rtmpUrl(edge, "live/x"), Duration.ofSeconds(10))) {
            later.awaitStatus("NetStream.Play.Start");
            later.awaitMedia(10, Duration.ofSeconds(10));
        }
    }

    /**
     * An HTTP-FLV live stream as a subscriber of nginx-rtmp gets it: metadata announcing both tracks, the AAC
     * header, {@code leadMs} of audio alone, then video from a keyframe with audio, two seconds in all after it.
     */
    private static byte[] audioLeadFlv(int leadMs) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(FlvHeader.of(true, true));
        Amf0.EcmaArray metadata = new Amf0.EcmaArray();
        metadata.put("videocodecid", 7.0);
        metadata.put("audiocodecid", 10.0);
        writeTag(out, FlvTag.SCRIPT, 0, Amf0.encode("onMetaData", metadata));
        writeTag(out, FlvTag.AUDIO, 0, SyntheticMedia.aacSequenceHeader());
        int t = 0;
        for (; t < leadMs; t += 23) writeTag(out, FlvTag.AUDIO, t, SyntheticMedia.aacFrame(300));
        writeTag(out, FlvTag.VIDEO, t, SyntheticMedia.avcSequenceHeader(1));
        for (int frame = 0; frame < 60; frame++) {
            int time = t + frame * 33;
            writeTag(out, FlvTag.VIDEO, time, SyntheticMedia.avcFrame(frame % 30 == 0, 2000));
            writeTag(out, FlvTag.AUDIO, time + 5, SyntheticMedia.aacFrame(300));
        }
        return out.toByteArray();
    }

    private static void writeTag(ByteArrayOutputStream out, int type, int timestamp, byte[] body) {
        byte[] tag = FlvTag.frame(type, body);
        FlvTag.writeTimestamp(tag, 0, timestamp);
        out.writeBytes(tag);
    }

    private static boolean isVideoKeyframe(RtmpMessage m) {
        return m.type() == MessageType.VIDEO && MediaInfo.video(m.payload()).keyframe();
    }

    /** Accepts every connection on {@code server} on a thread, sends each {@code greeting} (if any), and reads nothing. */
    private static List<Socket> acceptForever(ServerSocket server, byte[] greeting) {
        List<Socket> accepted = new ArrayList<>();
        Thread t = new Thread(() -> {
            while (!server.isClosed()) {
                try {
                    Socket s = server.accept();
                    synchronized (accepted) {
                        accepted.add(s);
                    }
                    if (greeting != null) s.getOutputStream().write(greeting);
                } catch (IOException e) {
                    // closed, or the client hung up
                }
            }
        }, "bad-upstream");
        t.setDaemon(true);
        t.start();
        return accepted;
    }

    private static void closeAll(List<Socket> sockets) throws IOException {
        synchronized (sockets) {
            for (Socket s : sockets) s.close();
        }
    }

    private static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) fail("timed out waiting for " + what);
            Thread.sleep(50);
        }
    }
}
