package io.streamlet.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Streamlet's load benchmark: publishes a sample FLV over RTMP in real time and plays it with many
 * HTTP-FLV or RTMP players at once, measuring what each receives (see {@link BenchOptions#USAGE}). Every
 * stamped tag carries its sequence id, so latency is exact: the time a player parsed it minus the
 * time the publisher sent it. Used by bench/run.sh; talks to 127.0.0.1 only and stops by itself.
 */
public final class LoadClient {
    /** How long the stream has to become playable after the publish starts. */
    private static final Duration STREAM_READY_TIMEOUT = Duration.ofSeconds(15);
    /** Extra stamped-tag capacity past the planned run, for the ramp-up and shutdown. */
    private static final double SEND_LOG_SPARE_SECONDS = 120;
    private static final long RSS_SAMPLE_MILLIS = 500;

    private LoadClient() {}

    public static void main(String[] args) throws Exception {
        BenchOptions options;
        try {
            options = BenchOptions.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage() + "\n\n" + BenchOptions.USAGE);
            System.exit(2);
            return;
        }
        run(options);
        System.exit(0);
    }

    /**
     * Publishes, plays and measures as {@code options} say, prints the report, and returns it.
     * @throws IOException the stream did not become playable, or the publisher failed (after the report)
     */
    static BenchReport run(BenchOptions options) throws Exception {
        SampleFile sample = SampleFile.read(options.file());
        double runSeconds = options.rampSeconds() + options.warmupSeconds() + options.seconds() + SEND_LOG_SPARE_SECONDS;
        SendLog sendLog = new SendLog((int) Math.ceil(sample.mediaTagsPerSecond() * runSeconds) + 1);

        LoopingPublisher publisher = new LoopingPublisher(sample, options.rtmp(), options.stream(), sendLog);
        Thread publisherThread = new Thread(publisher, "rtmp-publisher");
        publisherThread.setDaemon(true);
        publisherThread.start();
        try {
            awaitPlayable(options, publisher);
            BenchReport report = measure(options, sendLog, sample.bitsPerSecond() / 1e6);
            if (publisher.failure() != null) throw new IOException("the publisher failed", publisher.failure());
            return report;
        } finally {
            publisher.stop();
            publisherThread.join(5_000);
        }
    }

    private static BenchReport measure(BenchOptions options, SendLog sendLog, double streamMbps)
            throws Exception {
        Schedule schedule = Schedule.startingNow(options.rampSeconds(), options.warmupSeconds(), options.seconds());
        byte[] request = ("GET " + options.playPath() + " HTTP/1.1\r\nHost: 127.0.0.1:" + options.http().getPort()
                + "\r\nUser-Agent: streamlet-bench\r\nAccept: */*\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
        List<PlayerLoop> loops = new ArrayList<>();
        for (int i = 0; i < options.threads(); i++) {
            loops.add(new PlayerLoop(options.players(), schedule, sendLog, options.slowKbps() * 1000L / 8));
        }
        // Slow players are spread evenly over the ramp rather than bunched at its start.
        int slowPlayers = options.slowPlayers();
        for (int i = 0; i < options.players(); i++) {
            boolean slow = slowPlayers > 0 && (long) i * slowPlayers / options.players()
                    != (long) (i + 1) * slowPlayers / options.players();
            PlayerLoop loop = loops.get(i % loops.size());
            loop.add(options.playsRtmp(i) ? new RtmpPlayer(i, slow, loop, options.rtmp(), options.rtmpPlayUrl())
                    : new FlvPlayer(i, slow, loop, options.http(), request));
        }
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < loops.size(); i++) {
            Thread thread = new Thread(loops.get(i), "players-" + i);
            thread.start();
            threads.add(thread);
        }

        ProcessSampler server = options.serverPid() > 0 ? new ProcessSampler(options.serverPid()) : null;
        ProcessSampler client = ProcessSampler.self();
        sampleUntil(server, schedule.measureStartNanos());
        Duration serverCpuStart = server == null ? Duration.ZERO : server.cpuTime();
        Duration clientCpuStart = client.cpuTime();
        Duration machineCpuStart = ProcessSampler.machineCpuTime();
        sampleUntil(server, schedule.endNanos());
        Duration serverCpu = server == null ? Duration.ZERO : server.cpuTime().minus(serverCpuStart);
        Duration clientCpu = client.cpuTime().minus(clientCpuStart);
        Duration otherCpu = ProcessSampler.machineCpuTime().minus(machineCpuStart).minus(serverCpu).minus(clientCpu);
        for (Thread thread : threads) thread.join();

        LoopStats total = new LoopStats();
        List<Player> players = new ArrayList<>();
        for (PlayerLoop loop : loops) {
            total.add(loop.stats);
            players.addAll(loop.players());
        }
        BenchReport.Usage usage = new BenchReport.Usage(
                server == null ? -1 : percentOfOneCore(serverCpu, schedule),
                server == null ? -1 : server.sampleRssKb() / 1024.0,
                server == null ? -1 : server.peakRssKb() / 1024.0,
                percentOfOneCore(clientCpu, schedule),
                Math.max(0, percentOfOneCore(otherCpu, schedule)));
        BenchReport report = new BenchReport(options, schedule, total, players, usage, streamMbps);
        System.out.print(report.text());
        if (options.json() != null) Files.writeString(options.json(), report.json());
        System.out.println(report.summaryLine());
        return report;
    }

    /** Waits until the stream answers 200 (the publish is accepted and the server mounted it). */
    private static void awaitPlayable(BenchOptions options, LoopingPublisher publisher) throws Exception {
        long deadline = System.nanoTime() + STREAM_READY_TIMEOUT.toNanos();
        int status = 0;
        while (System.nanoTime() < deadline) {
            if (publisher.failure() != null) throw new IOException("publishing failed", publisher.failure());
            if (publisher.publishing() && (status = probeStatus(options.http(), options.playPath())) == 200) return;
            Thread.sleep(200);
        }
        throw new IOException("stream not playable at " + options.playPath() + " (last HTTP status " + status + ")");
    }

    /** The status of a GET of the stream (0 if the server cannot be reached); the connection is closed at once. */
    private static int probeStatus(InetSocketAddress http, String path) {
        try (Socket socket = new Socket()) {
            socket.connect(http, 2_000);
            socket.setSoTimeout(2_000);
            OutputStream out = socket.getOutputStream();
            out.write(("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = socket.getInputStream();
            byte[] statusLine = in.readNBytes("HTTP/1.1 200".length());
            String[] parts = new String(statusLine, StandardCharsets.US_ASCII).split(" ");
            return parts.length == 2 ? Integer.parseInt(parts[1]) : 0;
        } catch (IOException | NumberFormatException e) {
            return 0;
        }
    }

    private static void sampleUntil(ProcessSampler server, long deadlineNanos) throws InterruptedException {
        for (long left = deadlineNanos - System.nanoTime(); left > 0; left = deadlineNanos - System.nanoTime()) {
            if (server != null) server.sampleRssKb();
            Thread.sleep(Math.max(1, Math.min(RSS_SAMPLE_MILLIS, left / 1_000_000)));
        }
    }

    private static double percentOfOneCore(Duration cpu, Schedule schedule) {
        return cpu.toNanos() / 1e9 / schedule.measuredSeconds() * 100;
    }
}
