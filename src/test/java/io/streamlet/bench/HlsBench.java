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
import java.util.Locale;
import java.util.Map;

/**
 * The HLS benchmark's client (bench/hls.sh runs it against a server it started):
 *
 * <pre>
 *   HlsBench memory --streams 100 --seconds 600 --sample-seconds 30 ...
 *       publishes the sample looped on {@code streams} streams and samples the server's memory (RSS, and the
 *       JVM heap in use with HLS's kept bytes from /metrics) every 5 s; prints, per sample interval, the heap
 *       in use at its lowest (what survives collections: a leak makes it climb) and highest, RSS and kept bytes
 *   HlsBench cpu --clients 1000 --seconds 60 --ramp-seconds 10 --warmup-seconds 5 ...
 *       the server's CPU (from /proc/PID/stat) with one stream published: alone for 10 s, then with {@code clients}
 *       HLS players polling it as hls.js does ({@link HlsPollers}: requests/s achieved against expected), then
 *       with as many HTTP-FLV players (bench/run.sh's {@link LoadClient}); and the ratio of the two
 * </pre>
 *
 * Common options: {@code --http HOST:PORT --rtmp HOST:PORT --file SAMPLE.flv --server-pid PID}.
 */
public final class HlsBench {
    private final Map<String, String> options;
    private final InetSocketAddress rtmp;
    private final String http;
    private final ProcessSampler server;
    private final SampleFile sample;
    /** For /metrics and the first playlist (the players have clients of their own); HTTP/1.1, not an h2c upgrade. */
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

    /**
     * The server's CPU with one stream published and segmented: alone, with {@code clients} HLS players
     * ({@link HlsPollers}), then, after that stream ended, with as many HTTP-FLV players (bench/run.sh's
     * {@link LoadClient}, on a stream of its own), each ramped up, settled and measured for {@code seconds}.
     */
    private void cpu() throws Exception {
        int clients = intOption("clients", 1000);
        int seconds = intOption("seconds", 60);
        int ramp = intOption("ramp-seconds", 10);
        int warmup = intOption("warmup-seconds", 5);
        publish(List.of("hls"));
        awaitPlaylist(http + "/live/hls.m3u8");

        Schedule alone = Schedule.startingNow(0, 0, Math.min(seconds, 10));
        Cpu idle = Cpu.during(server, alone);
        System.out.printf(Locale.ROOT, "cpu alone: 1 stream published and segmented, no clients, %.0f s: server CPU %.1f%% of a core%n",
                alone.measuredSeconds(), idle.serverPercent);

        Schedule schedule = Schedule.startingNow(ramp, warmup, seconds);
        String[] hostPort = http.substring("http://".length()).split(":");
        HlsPollers pollers = new HlsPollers(new InetSocketAddress(hostPort[0], Integer.parseInt(hostPort[1])), "/live/hls.m3u8",
                clients, schedule);
        Thread loop = new Thread(pollers, "hls-pollers");
        loop.start();
        Cpu hls = Cpu.during(server, schedule);
        loop.join();
        HlsPollers.Stats st = pollers.stats;
        double measured = schedule.measuredSeconds();
        double playlistsPerSecond = st.playlistRequests / measured;
        double segmentsPerSecond = st.segmentRequests / measured;
        double expectedPlaylists = st.pollMillis > 0 ? clients * 1000.0 / st.pollMillis : 0;
        double expectedSegments = clients * Math.max(0, st.newestAtEnd - st.newestAtStart) / measured;
        double achieved = playlistsPerSecond + segmentsPerSecond;
        double expected = expectedPlaylists + expectedSegments;
        System.out.printf(Locale.ROOT, "cpu HLS: %d clients (playlist every %d ms, each new segment once), %.0f s: server CPU %.1f%% of a core"
                        + " (client %.1f%%, rest of the machine %.1f%%); %.0f requests/s of %.0f expected (%.0f%%): playlists %.0f/s of %.0f,"
                        + " segments %.0f/s of %.0f; %.1f Mbit/s; response p50 %.1f ms, p99 %.1f ms; %d errors, %d reconnects%n",
                clients, st.pollMillis, measured, hls.serverPercent, hls.clientPercent, hls.otherPercent, achieved, expected,
                expected > 0 ? achieved / expected * 100 : 0, playlistsPerSecond, expectedPlaylists, segmentsPerSecond,
                expectedSegments, st.bytes * 8 / measured / 1e6, st.responseTime.percentileMicros(50) / 1000.0,
                st.responseTime.percentileMicros(99) / 1000.0, st.errors, st.reconnects);

        publishers.forEach(LoopingPublisher::stop); // the FLV run publishes its own stream: one at a time, as here
        publishers.clear();
        Thread.sleep(3_000);
        System.out.println("cpu HTTP-FLV: bench/run.sh's load client, its report follows");
        BenchReport flv = LoadClient.run(BenchOptions.parse(new String[] {
            "--http=" + http.substring("http://".length()), "--rtmp=" + rtmp.getHostString() + ":" + rtmp.getPort(),
            "--stream=live/flv", "--players=" + clients, "--ramp-seconds=" + ramp, "--warmup-seconds=" + warmup,
            "--seconds=" + seconds, "--file=" + option("file", "target/bench/sample.flv"), "--server-pid=" + server.pid()}));
        BenchReport.Usage f = flv.usage();
        System.out.printf(Locale.ROOT, "cpu HTTP-FLV: %d players, %.0f s: server CPU %.1f%% of a core (client %.1f%%, rest of the"
                        + " machine %.1f%%); %d connected, %d failed; %.1f Mbit/s%n", clients, (double) seconds,
                f.serverCpuPercent(), f.clientCpuPercent(), f.otherCpuPercent(), flv.connected(), flv.failed(), flv.mbps());
        double hlsMbps = st.bytes * 8 / measured / 1e6;
        System.out.printf(Locale.ROOT, "cpu HLS / HTTP-FLV: %.2f (%.1f%% / %.1f%% of a core); above the stream alone: %.2f;"
                        + " per Gbit/s delivered: %.0f%% / %.0f%% of a core%n",
                hls.serverPercent / f.serverCpuPercent(), hls.serverPercent, f.serverCpuPercent(),
                (hls.serverPercent - idle.serverPercent) / (f.serverCpuPercent() - idle.serverPercent),
                hls.serverPercent / (hlsMbps / 1000), f.serverCpuPercent() / (flv.mbps() / 1000));
    }

    /** CPU over a schedule's measured interval, in % of one core: the server's (from /proc), this client's, the rest. */
    private record Cpu(double serverPercent, double clientPercent, double otherPercent) {
        /** Waits for {@code schedule}'s measured interval to pass and samples around it. */
        static Cpu during(ProcessSampler server, Schedule schedule) throws InterruptedException {
            ProcessSampler self = ProcessSampler.self();
            sleepUntil(schedule.measureStartNanos());
            Duration server0 = server.cpuTime();
            Duration self0 = self.cpuTime();
            Duration machine0 = ProcessSampler.machineCpuTime();
            sleepUntil(schedule.endNanos());
            double serverSeconds = server.cpuTime().minus(server0).toNanos() / 1e9;
            double selfSeconds = self.cpuTime().minus(self0).toNanos() / 1e9;
            double machineSeconds = ProcessSampler.machineCpuTime().minus(machine0).toNanos() / 1e9;
            double wall = schedule.measuredSeconds();
            return new Cpu(serverSeconds / wall * 100, selfSeconds / wall * 100,
                    Math.max(0, machineSeconds - serverSeconds - selfSeconds) / wall * 100);
        }

        private static void sleepUntil(long nanos) throws InterruptedException {
            for (long left = nanos - System.nanoTime(); left > 0; left = nanos - System.nanoTime()) {
                Thread.sleep(Math.max(1, left / 1_000_000));
            }
        }
    }

    private void awaitPlaylist(String url) throws Exception {
        long deadline = System.currentTimeMillis() + 30_000;
        while (client.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.discarding()).statusCode() != 200) {
            if (System.currentTimeMillis() > deadline) throw new IllegalStateException("no playlist at " + url);
            Thread.sleep(200);
        }
    }
}
