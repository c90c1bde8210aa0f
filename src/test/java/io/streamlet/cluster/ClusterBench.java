package io.streamlet.cluster;

import io.streamlet.testing.FlvCollector;
import io.streamlet.testing.HttpFlvClient;
import io.streamlet.testing.LivePublisher;
import java.io.IOException;
import java.net.URI;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The measuring side of {@code bench/cluster.sh}, which starts Redis, the origins and the edges as processes:
 * publishes synthetic streams over RTMP, plays them from the edges over HTTP-FLV, and prints the figures.
 *
 * <pre>
 * ClusterBench --origin-a-rtmp P --origin-b-rtmp P --origin-a-http URL --origin-a-pid PID --edges URL,URL,...
 *              [--cold N] [--players N]
 * </pre>
 */
public final class ClusterBench {

    /** A player reading from its own thread, noting when each keyframe came and whether time went back. */
    private static final class Player implements Runnable {
        final HttpFlvClient client;
        volatile long lastKeyframeNanos;
        volatile boolean backwards;
        volatile boolean lost;

        Player(URI url) throws IOException {
            client = new HttpFlvClient(url.getPort(), "GET", url.getRawPath());
            if (client.status != 200) throw new IOException(url + " answered " + client.status);
            Thread t = new Thread(this, "player");
            t.setDaemon(true);
            t.start();
        }

        @Override
        public void run() {
            long last = -1;
            int seen = 0;
            try {
                while (!client.ended()) {
                    client.readTags(seen + 1, 1000);
                    List<FlvCollector.Tag> tags = client.flv.tags;
                    for (; seen < tags.size(); seen++) {
                        FlvCollector.Tag tag = tags.get(seen);
                        if (tag.type() == 18) continue;
                        if (tag.timestamp() < last) backwards = true;
                        last = tag.timestamp();
                        if (tag.isVideo() && tag.isKeyframe() && !tag.isSequenceHeader()) lastKeyframeNanos = System.nanoTime();
                    }
                    tags.clear(); // keep memory flat: only the newest timestamp matters
                    seen = 0;
                }
            } catch (Exception e) {
                // the connection broke
            }
            lost = true;
        }

        void close() {
            try {
                client.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> o = new java.util.HashMap<>();
        for (int i = 0; i + 1 < args.length; i += 2) o.put(args[i].replaceFirst("^--", ""), args[i + 1]);
        int rtmpA = Integer.parseInt(o.get("origin-a-rtmp"));
        int rtmpB = Integer.parseInt(o.get("origin-b-rtmp"));
        List<URI> edges = Arrays.stream(o.get("edges").split(",")).map(URI::create).toList();
        int cold = Integer.parseInt(o.getOrDefault("cold", "20"));
        int players = Integer.parseInt(o.getOrDefault("players", "100"));

        coldStarts(rtmpA, edges, cold);
        fanOut(rtmpA, URI.create(o.get("origin-a-http")), edges, players);
        failover("graceful", rtmpA, rtmpB, edges.get(0), players, LivePublisher::close);
        long pid = Long.parseLong(o.get("origin-a-pid"));
        failover("crash (kill -9 of origin A)", rtmpA, rtmpB, edges.get(1), players,
                publisher -> ProcessHandle.of(pid).orElseThrow().destroyForcibly());
    }

    private static URI playUrl(URI edge, String stream) {
        return URI.create(edge + "/live/" + stream + ".flv");
    }

    /**
     * Streams nobody plays yet, each played once on an edge: the time to the first keyframe of a cold pull. The
     * first pull of each edge's JVM (classes loaded, code not yet compiled) is shown apart.
     */
    private static void coldStarts(int rtmpA, List<URI> edges, int count) throws Exception {
        List<LivePublisher> publishers = new ArrayList<>();
        for (int i = 0; i < count + edges.size(); i++) publishers.add(new LivePublisher(rtmpA, "cold" + i));
        Thread.sleep(1500); // every stream has a keyframe on the origin
        long[] firstOfJvm = new long[edges.size()];
        for (int e = 0; e < edges.size(); e++) firstOfJvm[e] = firstKeyframeMs(playUrl(edges.get(e), "cold" + (count + e)));
        long[] ms = new long[count];
        for (int i = 0; i < count; i++) ms[i] = firstKeyframeMs(playUrl(edges.get(i % edges.size()), "cold" + i));
        for (LivePublisher p : publishers) p.close();
        Arrays.sort(ms);
        System.out.printf("cold edge first keyframe over %d plays: p50 %d ms, p95 %d ms, max %d ms"
                + " (the first pull of each fresh edge JVM: %s ms)%n",
                count, ms[count / 2], ms[(int) Math.ceil(count * 0.95) - 1], ms[count - 1], Arrays.toString(firstOfJvm));
    }

    private static long firstKeyframeMs(URI url) throws Exception {
        long start = System.nanoTime();
        Player p = new Player(url);
        await(() -> p.lastKeyframeNanos != 0 || p.lost, 10_000);
        p.close();
        return TimeUnit.NANOSECONDS.toMillis(p.lastKeyframeNanos - start);
    }

    /** One origin feeding every edge: players spread over them, the origin serving one pull per edge. */
    private static void fanOut(int rtmpA, URI originHttp, List<URI> edges, int players) throws Exception {
        try (LivePublisher publisher = new LivePublisher(rtmpA, "fan")) {
            Thread.sleep(1000);
            long start = System.nanoTime();
            List<Player> all = new ArrayList<>();
            for (int i = 0; i < players; i++) all.add(new Player(playUrl(edges.get(i % edges.size()), "fan")));
            await(() -> all.stream().allMatch(p -> p.lastKeyframeNanos != 0), 15_000);
            long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            String originClients = new String(originHttp.resolve("/api/v1/clients/").toURL().openStream().readAllBytes());
            long edgePulls = originClients.split("\"edge\"", -1).length - 1;
            System.out.printf("one origin feeding %d edges: %d players (opened one after the other) all had a keyframe"
                    + " %d ms after the first was opened; the origin serves %d edge pulls%n",
                    edges.size(), players, ms, edgePulls);
            all.forEach(Player::close);
        }
    }

    interface Failure {
        void happen(LivePublisher onA) throws Exception;
    }

    /** Players on one edge while the stream moves from origin A to B: time until all have B's keyframes, and who was lost. */
    private static void failover(String kind, int rtmpA, int rtmpB, URI edge, int players, Failure failure) throws Exception {
        String stream = kind.startsWith("graceful") ? "moving" : "crashing";
        LivePublisher onA = new LivePublisher(rtmpA, stream);
        List<Player> all = new ArrayList<>();
        for (int i = 0; i < players; i++) all.add(new Player(playUrl(edge, stream)));
        await(() -> all.stream().allMatch(p -> p.lastKeyframeNanos != 0), 15_000);
        long failedAt = System.nanoTime();
        failure.happen(onA);
        LivePublisher onB = null;
        while (onB == null && System.nanoTime() - failedAt < TimeUnit.SECONDS.toNanos(20)) {
            try {
                onB = new LivePublisher(rtmpB, stream); // the encoder reconnects to the other origin
            } catch (IOException refused) {
                Thread.sleep(100); // refused while origin A's directory entry lives
            }
        }
        long republishedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - failedAt);
        long deadline = failedAt + TimeUnit.SECONDS.toNanos(30);
        // a player is back once it has a keyframe that came after the failure (and some time after: a GOP is 1 s)
        Supplier<Long> back = () -> all.stream().filter(p -> p.lastKeyframeNanos > failedAt + republishedMs * 1_000_000L).count();
        while (back.get() + all.stream().filter(p -> p.lost).count() < players && System.nanoTime() < deadline) Thread.sleep(20);
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - failedAt);
        long lost = all.stream().filter(p -> p.lost || p.backwards).count();
        System.out.printf("%s failover: the publisher was back on origin B after %d ms, all players had its keyframes after %d ms;"
                + " %d of %d players lost or saw time go back%n", kind, republishedMs, ms, lost, players);
        all.forEach(Player::close);
        if (onB != null) onB.close();
        if (kind.startsWith("graceful")) return;
        onA.close();
    }

    private static void await(Supplier<Boolean> condition, long timeoutMs) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        while (!condition.get() && System.nanoTime() < deadline) Thread.sleep(5);
    }
}
