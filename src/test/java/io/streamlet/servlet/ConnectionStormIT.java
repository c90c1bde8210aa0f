package io.streamlet.servlet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.streamlet.testing.EncodedMedia;
import io.streamlet.testing.FlvCollector;
import io.streamlet.testing.HttpFlvClient;
import io.streamlet.testing.TagLoopPublisher;
import io.streamlet.testing.WebContainer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Players of a live stream under a connection storm: while 20 players watch, 1,000 RTMP connections send
 * garbage (bad handshakes, a valid handshake then bad chunks) and 1,000 HTTP-FLV players connect and vanish,
 * some to a stream that does not exist. Not one of the 20 may go without a tag for more than a second,
 * their timestamps only move forward, and a player who joins after the storm plays at once.
 */
class ConnectionStormIT {
    private static final int MEDIA_SECONDS = 4;
    private static final int STEADY_PLAYERS = 20;
    private static final int BAD_RTMP_CONNECTIONS = 1_000;
    private static final int HTTP_CYCLES = 1_000;
    private static final int STORM_THREADS = 32;
    private static final long MAX_GAP_MS = 1_000;

    @ParameterizedTest
    @EnumSource(WebContainer.Kind.class)
    void playersKeepReceivingThroughAStormOfBadAndVanishingConnections(WebContainer.Kind container) throws Exception {
        List<FlvCollector.Tag> media = EncodedMedia.flvTags(true, "aac", MEDIA_SECONDS);
        try (WebContainer server = container.start(Map.of());
                TagLoopPublisher publisher = new TagLoopPublisher(server.rtmpPort(), "live", List.of("calm"), media,
                        MEDIA_SECONDS * 1000L)) {
            List<SteadyPlayer> players = new ArrayList<>();
            try {
                for (int i = 0; i < STEADY_PLAYERS; i++) players.add(new SteadyPlayer(server.httpPort()));
                for (SteadyPlayer p : players) p.awaitFirstTag(10_000);

                long stormStart = System.nanoTime();
                int unexpected = storm(server);
                long stormMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - stormStart);
                Thread.sleep(1_000); // and a little after it

                for (SteadyPlayer p : players) p.stop();
                long worstGap = players.stream().mapToLong(p -> p.maxGapMs).max().orElseThrow();
                System.out.printf("%s: storm of %d bad RTMP connections and %d HTTP cycles took %d ms; "
                        + "worst gap between tags of %d players: %d ms; HTTP statuses other than 200/404: %d%n",
                        container, BAD_RTMP_CONNECTIONS, HTTP_CYCLES, stormMs, STEADY_PLAYERS, worstGap, unexpected);
                assertEquals(0, unexpected, "every HTTP cycle got 200 (the stream) or 404 (the missing one)");
                for (SteadyPlayer p : players) {
                    assertEquals(null, p.failure, "a steady player's connection failed");
                    assertTrue(p.maxGapMs <= MAX_GAP_MS, "a steady player went " + p.maxGapMs + " ms without a tag");
                    assertTrue(p.backwards == 0, p.backwards + " timestamps went backwards");
                }
                assertEquals(null, publisher.failure(), "the publisher was not disturbed");
            } finally {
                for (SteadyPlayer p : players) p.close();
            }

            try (HttpFlvClient late = new HttpFlvClient(server.httpPort(), "GET", "/live/calm.flv")) {
                late.readTags(10, 5_000);
                assertTrue(late.flv.tags.stream().anyMatch(FlvCollector.Tag::isKeyframe), "a late player gets a keyframe");
            }
        }
    }

    /** Runs the bad RTMP connections and the HTTP cycles, interleaved; returns how many HTTP cycles went wrong. */
    private static int storm(WebContainer server) throws Exception {
        AtomicInteger unexpected = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(STORM_THREADS);
        try {
            List<Future<?>> tasks = new ArrayList<>();
            for (int i = 0; i < Math.max(BAD_RTMP_CONNECTIONS, HTTP_CYCLES); i++) {
                int n = i;
                if (i < BAD_RTMP_CONNECTIONS) tasks.add(pool.submit(() -> badRtmp(server.rtmpPort(), n)));
                if (i < HTTP_CYCLES) tasks.add(pool.submit(() -> httpCycle(server.httpPort(), n, unexpected)));
            }
            for (Future<?> task : tasks) task.get(60, TimeUnit.SECONDS);
        } finally {
            pool.shutdownNow();
        }
        return unexpected.get();
    }

    /** One connection of garbage: a wrong version byte, a cut handshake, or a valid handshake then bad chunks. */
    private static Void badRtmp(int port, int n) throws IOException {
        SplittableRandom random = new SplittableRandom(n);
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(5_000);
            OutputStream out = socket.getOutputStream();
            byte[] c1 = new byte[1536];
            random.nextBytes(c1);
            switch (n % 3) {
                case 0 -> { // not RTMP at all
                    byte[] junk = new byte[1 + random.nextInt(3000)];
                    random.nextBytes(junk);
                    junk[0] = 'G';
                    out.write(junk);
                }
                case 1 -> { // a handshake cut short
                    out.write(3);
                    out.write(c1, 0, random.nextInt(1536));
                }
                default -> { // a handshake, then chunks of noise
                    out.write(3);
                    out.write(c1);
                    InputStream in = socket.getInputStream();
                    in.readNBytes(1 + 1536 + 1536);
                    out.write(c1); // C2
                    byte[] noise = new byte[1 + random.nextInt(4000)];
                    random.nextBytes(noise);
                    out.write(noise);
                }
            }
            out.flush();
        } catch (IOException e) {
            // The server may close first, which is what it should do with garbage.
        }
        return null;
    }

    /** A player that connects, reads a little (or nothing) and drops the connection. */
    private static Void httpCycle(int port, int n, AtomicInteger unexpected) {
        String stream = n % 5 == 0 ? "missing" : "calm";
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(5_000);
            socket.setSoLinger(true, 0); // vanish: a reset, not a goodbye
            socket.getOutputStream().write(("GET /live/" + stream + ".flv HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            if (n % 4 == 0) return null; // gone before the answer
            byte[] head = new byte[12];
            int read = socket.getInputStream().readNBytes(head, 0, head.length);
            String status = new String(head, 0, read, StandardCharsets.US_ASCII);
            if (!status.startsWith("HTTP/1.1 200") && !status.startsWith("HTTP/1.1 404")) unexpected.incrementAndGet();
            if (n % 2 == 0 && stream.equals("calm")) socket.getInputStream().readNBytes(new byte[8192], 0, 8192);
        } catch (IOException e) {
            unexpected.incrementAndGet();
        }
        return null;
    }

    /** A player watching throughout on a thread of its own, timing the longest wait between two tags. */
    private static final class SteadyPlayer implements AutoCloseable {
        final HttpFlvClient client;
        final Thread thread;
        volatile boolean stopping;
        volatile long maxGapMs;
        volatile int backwards;
        volatile Exception failure;
        volatile int tagsSeen;

        SteadyPlayer(int port) throws IOException {
            client = new HttpFlvClient(port, "GET", "/live/calm.flv");
            thread = new Thread(this::run, "steady-player");
            thread.setDaemon(true);
            thread.start();
        }

        private void run() {
            try {
                long last = 0;
                int seen = 0;
                long lastTimestamp = Long.MIN_VALUE;
                while (!stopping) {
                    client.readTags(seen + 1, 5_000);
                    long now = System.nanoTime();
                    List<FlvCollector.Tag> tags = client.flv.tags;
                    if (tags.size() == seen) throw new IOException("no tag for 5 s");
                    for (int i = seen; i < tags.size(); i++) {
                        FlvCollector.Tag tag = tags.get(i);
                        if (tag.type() != 18 && tag.timestamp() < lastTimestamp) backwards++;
                        if (tag.type() != 18) lastTimestamp = Math.max(lastTimestamp, tag.timestamp());
                    }
                    if (last != 0) maxGapMs = Math.max(maxGapMs, TimeUnit.NANOSECONDS.toMillis(now - last));
                    last = now;
                    seen = tags.size();
                    tagsSeen = seen;
                }
            } catch (Exception e) {
                if (!stopping) failure = e;
            }
        }

        void awaitFirstTag(long timeoutMs) throws InterruptedException {
            long deadline = System.currentTimeMillis() + timeoutMs;
            while (tagsSeen == 0 && failure == null && System.currentTimeMillis() < deadline) Thread.sleep(10);
        }

        void stop() throws InterruptedException {
            stopping = true;
            thread.join(6_000);
        }

        @Override
        public void close() throws IOException {
            stopping = true;
            client.close();
        }
    }
}
