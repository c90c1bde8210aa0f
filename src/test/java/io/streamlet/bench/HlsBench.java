package io.streamlet.bench;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The HLS benchmark's client (bench/hls.sh runs it against a server it started):
 *
 * <pre>
 *   HlsBench memory --streams 100 --seconds 600 --sample-seconds 30 ...
 *       publishes the sample looped on {@code streams} streams and samples the server's memory (RSS, and the
 *       JVM heap in use with HLS's kept bytes from /metrics) every 5 s; prints, per sample interval, the heap
 *       in use at its lowest (what survives collections: a leak makes it climb) and highest, RSS and kept bytes
 *   HlsBench cpu --clients 1000 --seconds 60 ...
 *       publishes one stream; then, one after the other, {@code clients} HLS clients (each polls the playlist
 *       once a target duration, as hls.js does, and fetches the newest segment when it is new) and
 *       {@code clients} HTTP-FLV players (each reads the stream), each kind ramped up, settled, and measured
 *       for {@code seconds}: the server's CPU time over that interval, and what the clients received
 * </pre>
 *
 * Common options: {@code --http HOST:PORT --rtmp HOST:PORT --file SAMPLE.flv --server-pid PID}.
 */
public final class HlsBench {
    private static final Pattern LAST_URI = Pattern.compile("(?m)^([^#\\s][^\\s]*)\\s*\\z");
    private static final Pattern TARGET = Pattern.compile("#EXT-X-TARGETDURATION:(\\d+)");

    private final Map<String, String> options;
    private final InetSocketAddress rtmp;
    private final String http;
    private final ProcessSampler server;
    private final SampleFile sample;
    /** HTTP/1.1, as players use: its default would upgrade to h2c and carry every client on one connection. */
    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10)).build();
    private final List<LoopingPublisher> publishers = new ArrayList<>();

    private HlsBench(Map<String, String> options) throws IOException {
        this.options = options;
        String[] r = option("rtmp", "127.0.0.1:1935").split(":");
        this.rtmp = new InetSocketAddress(r[0], Integer.parseInt(r[1]));
        this.http = "http://" + option("http", "127.0.0.1:8080");
        this.server = new ProcessSampler(Long.parseLong(option("server-pid", null)));
        this.sample = SampleFile.read(Path.of(option("file", "target/bench/sample.flv")));
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> options = new HashMap<>();
        for (int i = 1; i < args.length; i++) {
            String a = args[i];
            if (!a.startsWith("--")) throw new IllegalArgumentException("not an option: " + a);
            int eq = a.indexOf('=');
            if (eq > 0) options.put(a.substring(2, eq), a.substring(eq + 1));
            else options.put(a.substring(2), args[++i]);
        }
        HlsBench bench = new HlsBench(options);
        try {
            switch (args.length == 0 ? "" : args[0]) {
                case "memory" -> bench.memory();
                case "cpu" -> bench.cpu();
                default -> throw new IllegalArgumentException("mode: memory or cpu");
            }
        } finally {
            bench.publishers.forEach(LoopingPublisher::stop);
        }
        System.exit(0);
    }

    private String option(String name, String fallback) {
        String value = options.getOrDefault(name, fallback);
        if (value == null) throw new IllegalArgumentException("--" + name + " is needed");
        return value;
    }

    private int intOption(String name, int fallback) {
        return Integer.parseInt(option(name, Integer.toString(fallback)));
    }

    /** Publishes the sample looped to live/{name}, each on a thread of its own; waits until all are accepted. */
    private void publish(List<String> names) throws InterruptedException {
        for (String name : names) {
            LoopingPublisher p = new LoopingPublisher(sample, rtmp, "live/" + name, new SendLog(1)); // 1: no stamps
            Thread t = new Thread(p, "publisher-" + name);
            t.setDaemon(true);
            t.start();
            publishers.add(p);
        }
        long deadline = System.currentTimeMillis() + 60_000;
        while (!publishers.stream().allMatch(LoopingPublisher::publishing)) {
            for (LoopingPublisher p : publishers) {
                if (p.failure() != null) throw new IllegalStateException("a publisher failed", p.failure());
            }
            if (System.currentTimeMillis() > deadline) throw new IllegalStateException("the publishers were not all accepted");
            Thread.sleep(100);
        }
    }

    private void memory() throws Exception {
        int streams = intOption("streams", 100);
        int seconds = intOption("seconds", 600);
        int interval = intOption("sample-seconds", 30);
        List<String> names = new ArrayList<>();
        for (int i = 0; i < streams; i++) names.add("mem" + i);
        publish(names);
        System.out.printf("memory: %d streams publishing the sample looped; per %d s: heap in use min/max MiB, RSS MiB,"
                + " HLS kept MiB, HLS segments made%n", streams, interval);
        long start = System.currentTimeMillis();
        List<Long> floors = new ArrayList<>();
        for (int n = 1; n * interval <= seconds; n++) {
            long heapMin = Long.MAX_VALUE;
            long heapMax = 0;
            Map<String, Double> m = Map.of();
            while (System.currentTimeMillis() < start + n * interval * 1000L) {
                m = metrics();
                long heap = m.getOrDefault("streamlet_jvm_memory_used_bytes{area=\"heap\"}", 0.0).longValue();
                heapMin = Math.min(heapMin, heap);
                heapMax = Math.max(heapMax, heap);
                for (LoopingPublisher p : publishers) {
                    if (p.failure() != null) throw new IllegalStateException("a publisher failed", p.failure());
                }
                Thread.sleep(5_000);
            }
            floors.add(heapMin);
            System.out.printf("  %4d s: heap %4d / %4d MiB, RSS %4d MiB, HLS kept %5.1f MiB, segments %6.0f%n",
                    n * interval, heapMin >> 20, heapMax >> 20, server.sampleRssKb() >> 10,
                    m.getOrDefault("streamlet_hls_kept_bytes", 0.0) / (1 << 20), m.getOrDefault("streamlet_hls_segments_total", 0.0));
        }
        System.out.printf("memory summary: heap floor first %d MiB, last %d MiB, highest %d MiB; peak RSS %d MiB%n",
                floors.get(0) >> 20, floors.get(floors.size() - 1) >> 20,
                floors.stream().mapToLong(Long::longValue).max().orElse(0) >> 20, server.peakRssKb() >> 10);
    }

    /** /metrics as name{labels} -> value. */
    private Map<String, Double> metrics() throws Exception {
        String text = client.send(HttpRequest.newBuilder(URI.create(http + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        Map<String, Double> values = new HashMap<>();
        for (String line : text.split("\n")) {
            if (line.startsWith("#") || line.isBlank()) continue;
            int space = line.lastIndexOf(' ');
            values.put(line.substring(0, space), Double.parseDouble(line.substring(space + 1)));
        }
        return values;
    }

    private void cpu() throws Exception {
        int clients = intOption("clients", 1000);
        int seconds = intOption("seconds", 60);
        int ramp = intOption("ramp-seconds", 10);
        publish(List.of("hls"));
        awaitPlaylist(http + "/live/hls.m3u8");
        Load hls = new HlsClients(http + "/live/hls.m3u8");
        Load flv = new FlvPlayers(http + "/live/hls.flv");
        for (Load load : List.of(hls, flv)) {
            load.start(clients, ramp);
            Thread.sleep(ramp * 1000L); // settled
            load.counters.reset();
            Duration cpu0 = server.cpuTime();
            Duration machine0 = ProcessSampler.machineCpuTime();
            long t0 = System.nanoTime();
            Thread.sleep(seconds * 1000L);
            double wall = (System.nanoTime() - t0) / 1e9;
            double serverCpu = (server.cpuTime().minus(cpu0).toMillis() / 1000.0) / wall;
            double machineCpu = (ProcessSampler.machineCpuTime().minus(machine0).toMillis() / 1000.0) / wall;
            long rss = server.sampleRssKb() >> 10;
            System.out.printf("cpu %s: %d clients, %d s: server CPU %.1f%% of a core, machine %.1f%%; %.0f requests/s,"
                    + " %.1f Mbit/s received, %d errors; server RSS %d MiB%n", load.name, clients, seconds, serverCpu * 100,
                    machineCpu * 100, load.counters.requests.sum() / wall, load.counters.bytes.sum() * 8 / wall / 1e6,
                    load.counters.errors.sum(), rss);
            load.stop();
            Thread.sleep(3_000);
        }
    }

    private void awaitPlaylist(String url) throws Exception {
        long deadline = System.currentTimeMillis() + 30_000;
        while (client.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.discarding()).statusCode() != 200) {
            if (System.currentTimeMillis() > deadline) throw new IllegalStateException("no playlist at " + url);
            Thread.sleep(200);
        }
    }

    private static final class Counters {
        final LongAdder requests = new LongAdder();
        final LongAdder bytes = new LongAdder();
        final LongAdder errors = new LongAdder();

        void reset() {
            requests.reset();
            bytes.reset();
            errors.reset();
        }
    }

    /** Many clients of one kind, on one HTTP client (one selector thread, pooled HTTP/1.1 connections). */
    private abstract class Load {
        final String name;
        final Counters counters = new Counters();
        final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
        volatile boolean stopped;

        Load(String name) {
            this.name = name;
        }

        void start(int count, int rampSeconds) {
            for (int i = 0; i < count; i++) {
                timer.schedule(this::startOne, (long) i * rampSeconds * 1000 / count, TimeUnit.MILLISECONDS);
            }
        }

        abstract void startOne();

        void stop() {
            stopped = true;
            timer.shutdownNow();
        }

        /** Counts a response's body bytes as they arrive, dropping them. */
        HttpResponse.BodyHandler<Void> counting() {
            return info -> HttpResponse.BodySubscribers.fromSubscriber(new java.util.concurrent.Flow.Subscriber<List<java.nio.ByteBuffer>>() {
                java.util.concurrent.Flow.Subscription subscription;

                @Override
                public void onSubscribe(java.util.concurrent.Flow.Subscription s) {
                    subscription = s;
                    s.request(1);
                }

                @Override
                public void onNext(List<java.nio.ByteBuffer> buffers) {
                    for (java.nio.ByteBuffer b : buffers) counters.bytes.add(b.remaining());
                    if (stopped) subscription.cancel();
                    else subscription.request(1);
                }

                @Override
                public void onError(Throwable t) {
                    if (!stopped) counters.errors.increment();
                }

                @Override
                public void onComplete() {}
            }, s -> null);
        }
    }

    /** HLS clients: the playlist once a target duration, the newest segment when it is new. */
    private final class HlsClients extends Load {
        private final String playlist;

        HlsClients(String playlist) {
            super("HLS");
            this.playlist = playlist;
        }

        @Override
        void startOne() {
            poll(new String[1]);
        }

        private void poll(String[] lastSegment) {
            if (stopped) return;
            long startedAt = System.nanoTime();
            client.sendAsync(HttpRequest.newBuilder(URI.create(playlist)).build(), HttpResponse.BodyHandlers.ofString())
                    .thenCompose(r -> {
                        counters.requests.increment();
                        counters.bytes.add(r.body().length());
                        Matcher uri = LAST_URI.matcher(r.body());
                        Matcher target = TARGET.matcher(r.body());
                        long period = target.find() ? Long.parseLong(target.group(1)) * 1000 : 2000;
                        CompletableFuture<Long> next = CompletableFuture.completedFuture(period);
                        if (r.statusCode() != 200 || !uri.find()) {
                            counters.errors.increment();
                            return next;
                        }
                        if (uri.group(1).equals(lastSegment[0])) return next;
                        lastSegment[0] = uri.group(1);
                        return client.sendAsync(HttpRequest.newBuilder(URI.create(playlist).resolve(uri.group(1))).build(), counting())
                                .thenApply(s -> {
                                    counters.requests.increment();
                                    if (s.statusCode() != 200) counters.errors.increment();
                                    return period;
                                });
                    })
                    .whenComplete((period, e) -> {
                        if (e != null && !stopped) counters.errors.increment();
                        long waited = (System.nanoTime() - startedAt) / 1_000_000;
                        long delay = Math.max(0, (period == null ? 2000 : period) - waited);
                        if (!stopped) timer.schedule(() -> poll(lastSegment), delay, TimeUnit.MILLISECONDS);
                    });
        }
    }

    /** HTTP-FLV players: each reads the stream for as long as it lasts. */
    private final class FlvPlayers extends Load {
        private final String url;

        FlvPlayers(String url) {
            super("HTTP-FLV");
            this.url = url;
        }

        @Override
        void startOne() {
            counters.requests.increment();
            client.sendAsync(HttpRequest.newBuilder(URI.create(url)).build(), counting())
                    .whenComplete((r, e) -> {
                        if (!stopped && (e != null || r.statusCode() != 200)) counters.errors.increment();
                    });
        }
    }
}
