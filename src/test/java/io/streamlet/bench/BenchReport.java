package io.streamlet.bench;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/** The figures of one run, as readable text, as one summary line, and as JSON. */
final class BenchReport {
    /**
     * CPU (in % of one core, over the measured interval) and memory; the server's figures are negative
     * when no server pid was given. {@code otherCpuPercent} is what the rest of the machine used meanwhile:
     * when it is high, the run competed with something else and its figures are not clean.
     */
    record Usage(double serverCpuPercent, double serverRssMb, double serverPeakRssMb, double clientCpuPercent,
            double otherCpuPercent) {}

    /** A full-speed player receiving less than this share of the stream's rate is not at live rate. */
    private static final double LIVE_RATE_SHARE = 0.97;
    /** A player still connected but given nothing for this long is reported as stalled. */
    private static final long STALL_NANOS = 5_000_000_000L;

    private final BenchOptions options;
    private final LoopStats stats;
    private final Usage usage;
    private final double mbps;
    /** The stream's rate as a player should receive it, from the sample file. */
    private final double streamMbps;
    /** What each full-speed player received during the measured interval: the lowest and the median. */
    private final double playerMinMbps;
    private final double playerMedianMbps;
    /** Full-speed players that received less than {@link #LIVE_RATE_SHARE} of the stream's rate. */
    private int belowLiveRate;
    private int connected;
    private int failed;
    private int dropped;
    private int stalled;
    /** Full-speed players the server skipped forward at least once. */
    private int skipped;
    private final Map<String, Integer> failures = new TreeMap<>();
    private final SlowFate slow = new SlowFate();

    /** What happened to the slow players. */
    private static final class SlowFate {
        int players;
        int stillConnected;
        int closedByServer;
        int failed;
        int skipped;
        long skips;
        long totalBytes;
        long minBytes = Long.MAX_VALUE;
        long maxBytes;
    }

    BenchReport(BenchOptions options, Schedule schedule, LoopStats stats, List<Player> players, Usage usage,
            double streamMbps) {
        this.options = options;
        this.stats = stats;
        this.usage = usage;
        this.mbps = stats.measuredBytes * 8 / 1e6 / schedule.measuredSeconds();
        this.streamMbps = streamMbps;
        double[] rates = players.stream().filter(p -> !p.slow)
                .mapToDouble(p -> p.measuredBytes() * 8 / 1e6 / schedule.measuredSeconds()).sorted().toArray();
        this.playerMinMbps = rates.length == 0 ? 0 : rates[0];
        this.playerMedianMbps = rates.length == 0 ? 0 : rates[rates.length / 2];
        for (double rate : rates) {
            if (rate < streamMbps * LIVE_RATE_SHARE) belowLiveRate++;
        }
        for (Player player : players) {
            Player.State state = player.state();
            if (player.connected()) connected++;
            if (state == Player.State.FAILED) {
                failed++;
                failures.merge(player.failure(), 1, Integer::sum);
            } else if (state != Player.State.STREAMING && player.connected()) {
                dropped++;
            } else if (state == Player.State.STREAMING && player.lastReadNanos() < schedule.endNanos() - STALL_NANOS) {
                stalled++;
            }
            if (player.slow) countSlow(player, state);
            else if (player.skips() > 0) skipped++;
        }
    }

    private void countSlow(Player player, Player.State state) {
        slow.players++;
        switch (state) {
            case STREAMING -> slow.stillConnected++;
            case FAILED -> slow.failed++;
            default -> slow.closedByServer++;
        }
        if (player.skips() > 0) slow.skipped++;
        slow.skips += player.skips();
        slow.totalBytes += player.bytes();
        slow.minBytes = Math.min(slow.minBytes, player.bytes());
        slow.maxBytes = Math.max(slow.maxBytes, player.bytes());
    }

    Usage usage() {
        return usage;
    }

    /** Players connected, and those that failed. */
    int connected() {
        return connected;
    }

    int failed() {
        return failed;
    }

    /** What all players received over the measured interval, in Mbit/s. */
    double mbps() {
        return mbps;
    }

    /** The server's CPU (% of one core) per Gbit/s delivered; negative when unknown. */
    double cpuPerGbps() {
        return usage.serverCpuPercent() < 0 || mbps <= 0 ? -1 : usage.serverCpuPercent() / (mbps / 1000);
    }

    String summaryLine() {
        String line = String.format(Locale.ROOT,
                "players=%d protocol=%s connected=%d failed=%d dropped=%d mbps=%.1f player_mbps=%.3f/%.3f/%.3f"
                        + " below_live=%d p50=%sms p99=%sms max=%sms first_keyframe_p50=%sms first_keyframe_p99=%sms"
                        + " violations=%d server_cpu=%s%% cpu_per_gbps=%s%% server_rss=%sMB client_cpu=%.0f%% other_cpu=%.0f%%",
                options.players(), options.protocolName(), connected, failed, dropped, mbps, playerMinMbps,
                playerMedianMbps, streamMbps, belowLiveRate,
                ms(stats.latency.percentileMicros(50)), ms(stats.latency.percentileMicros(99)), ms(stats.latency.maxMicros()),
                ms(stats.firstKeyframe.percentileMicros(50)), ms(stats.firstKeyframe.percentileMicros(99)),
                stats.totalViolations(), orNa(usage.serverCpuPercent()), orNa(cpuPerGbps()),
                orNa(usage.serverRssMb()), usage.clientCpuPercent(), usage.otherCpuPercent());
        if (slow.players > 0) {
            line += String.format(Locale.ROOT, " slow=%d slow_connected=%d slow_closed=%d slow_skipped=%d",
                    slow.players, slow.stillConnected, slow.closedByServer, slow.skipped);
        }
        return line;
    }

    String text() {
        StringBuilder out = new StringBuilder();
        out.append(String.format(Locale.ROOT,
                "players: %d %s (%d slow at %d kbit/s), %.0f s measured after %.0f s ramp + %.0f s warm-up%n",
                options.players(), options.protocolName(), slow.players, options.slowKbps(), options.seconds(),
                options.rampSeconds(), options.warmupSeconds()));
        out.append(String.format(Locale.ROOT, "  connected %d, failed %d%s, dropped %d, stalled %d, skipped forward %d%n",
                connected, failed, failures.isEmpty() ? "" : " " + failures, dropped, stalled, skipped));
        out.append(String.format(Locale.ROOT,
                "received: %.1f Mbit/s in total; per full-speed player min %.3f, median %.3f of the stream's %.3f Mbit/s;"
                        + " %d below %.0f %% of it%n",
                mbps, playerMinMbps, playerMedianMbps, streamMbps, belowLiveRate, LIVE_RATE_SHARE * 100));
        out.append("latency:        ").append(distribution(stats.latency)).append('\n');
        out.append("first byte:     ").append(distribution(stats.firstByte)).append('\n');
        out.append("first keyframe: ").append(distribution(stats.firstKeyframe)).append('\n');
        out.append("violations: ").append(stats.totalViolations()).append(' ').append(violationsByKind()).append('\n');
        if (slow.players > 0) {
            out.append(String.format(Locale.ROOT,
                    "slow players: %d still connected, %d closed by server, %d failed; %d skipped forward (%d skips);"
                            + " bytes min %d / avg %d / max %d%n",
                    slow.stillConnected, slow.closedByServer, slow.failed, slow.skipped, slow.skips, slow.minBytes,
                    slow.totalBytes / slow.players, slow.maxBytes));
            out.append("slow latency:   ").append(distribution(stats.slowLatency)).append('\n');
        }
        out.append(String.format(Locale.ROOT,
                "cpu (%% of one core): server %s (%s per Gbit/s), load client %.0f, everything else %.0f;"
                        + " server rss %s MB (peak %s MB)%n",
                orNa(usage.serverCpuPercent()), orNa(cpuPerGbps()), usage.clientCpuPercent(), usage.otherCpuPercent(),
                orNa(usage.serverRssMb()), orNa(usage.serverPeakRssMb())));
        return out.toString();
    }

    String json() {
        StringBuilder json = new StringBuilder("{\n");
        field(json, "players", options.players());
        json.append("  \"protocol\": \"").append(options.protocolName()).append("\",\n");
        field(json, "slowPlayers", slow.players);
        field(json, "slowKbps", options.slowKbps());
        field(json, "rampSeconds", options.rampSeconds());
        field(json, "warmupSeconds", options.warmupSeconds());
        field(json, "measuredSeconds", options.seconds());
        field(json, "connected", connected);
        field(json, "failed", failed);
        json.append("  \"failures\": ").append(jsonObject(failures)).append(",\n");
        field(json, "dropped", dropped);
        field(json, "stalled", stalled);
        field(json, "skippedForward", skipped);
        field(json, "mbps", round(mbps));
        json.append(String.format(Locale.ROOT,
                "  \"perPlayerMbps\": {\"min\": %.3f, \"median\": %.3f, \"stream\": %.3f, \"belowLiveRate\": %d},%n",
                playerMinMbps, playerMedianMbps, streamMbps, belowLiveRate));
        json.append("  \"latencyMs\": ").append(jsonDistribution(stats.latency)).append(",\n");
        json.append("  \"firstByteMs\": ").append(jsonDistribution(stats.firstByte)).append(",\n");
        json.append("  \"firstKeyframeMs\": ").append(jsonDistribution(stats.firstKeyframe)).append(",\n");
        field(json, "violations", stats.totalViolations());
        json.append("  \"violationsByKind\": ").append(jsonObject(violationsByKind())).append(",\n");
        json.append(String.format(Locale.ROOT,
                "  \"slow\": {\"players\": %d, \"stillConnected\": %d, \"closedByServer\": %d, \"failed\": %d, "
                        + "\"skippedForward\": %d, \"skips\": %d, \"bytesMin\": %d, \"bytesAvg\": %d, \"bytesMax\": %d, "
                        + "\"latencyMs\": %s},%n",
                slow.players, slow.stillConnected, slow.closedByServer, slow.failed, slow.skipped, slow.skips,
                slow.players == 0 ? 0 : slow.minBytes, slow.players == 0 ? 0 : slow.totalBytes / slow.players,
                slow.maxBytes, jsonDistribution(stats.slowLatency)));
        json.append(String.format(Locale.ROOT,
                "  \"server\": {\"cpuPercent\": %s, \"cpuPercentPerGbps\": %s, \"rssMb\": %s, \"peakRssMb\": %s},%n",
                orNull(usage.serverCpuPercent()), orNull(cpuPerGbps()), orNull(usage.serverRssMb()),
                orNull(usage.serverPeakRssMb())));
        json.append(String.format(Locale.ROOT, "  \"client\": {\"cpuPercent\": %s},%n", round(usage.clientCpuPercent())));
        json.append(String.format(Locale.ROOT, "  \"otherCpuPercent\": %s%n", round(usage.otherCpuPercent())));
        return json.append("}\n").toString();
    }

    private Map<String, Long> violationsByKind() {
        Map<String, Long> byKind = new TreeMap<>();
        for (Violation violation : Violation.values()) {
            long count = stats.violations[violation.ordinal()];
            if (count > 0) byKind.put(violation.key, count);
        }
        return byKind;
    }

    private static String distribution(LatencyHistogram h) {
        return String.format(Locale.ROOT, "p50 %s ms, p90 %s ms, p99 %s ms, max %s ms (%d samples)",
                ms(h.percentileMicros(50)), ms(h.percentileMicros(90)), ms(h.percentileMicros(99)), ms(h.maxMicros()),
                h.count());
    }

    private static String jsonDistribution(LatencyHistogram h) {
        return String.format(Locale.ROOT, "{\"samples\": %d, \"p50\": %s, \"p90\": %s, \"p99\": %s, \"max\": %s}",
                h.count(), ms(h.percentileMicros(50)), ms(h.percentileMicros(90)), ms(h.percentileMicros(99)),
                ms(h.maxMicros()));
    }

    private static String jsonObject(Map<String, ? extends Number> map) {
        StringBuilder out = new StringBuilder("{");
        map.forEach((key, value) -> out.append(out.length() > 1 ? ", " : "").append('"')
                .append(key.replace("\\", "\\\\").replace("\"", "\\\"")).append("\": ").append(value));
        return out.append('}').toString();
    }

    private static void field(StringBuilder json, String name, Object value) {
        json.append("  \"").append(name).append("\": ").append(value).append(",\n");
    }

    private static String ms(long micros) {
        return String.format(Locale.ROOT, "%.1f", micros / 1000.0);
    }

    private static String round(double value) {
        return String.format(Locale.ROOT, "%.1f", value);
    }

    private static String orNa(double value) {
        return value < 0 ? "n/a" : round(value);
    }

    private static String orNull(double value) {
        return value < 0 ? "null" : round(value);
    }
}
