package io.streamlet.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/** CPU time and resident memory of a process, read from Linux's /proc. */
final class ProcessSampler {
    /** The unit of /proc/stat's times: fixed at 100 per second for user space on Linux. */
    private static final long USER_HZ = 100;

    private final long pid;
    private long peakRssKb;

    ProcessSampler(long pid) {
        this.pid = pid;
    }

    long pid() {
        return pid;
    }

    static ProcessSampler self() {
        return new ProcessSampler(ProcessHandle.current().pid());
    }

    /** User + system CPU time so far (utime + stime of /proc/PID/stat), zero once the process is gone. */
    Duration cpuTime() {
        return ProcessHandle.of(pid).flatMap(p -> p.info().totalCpuDuration()).orElse(Duration.ZERO);
    }

    /**
     * CPU time all processes of the machine used so far (the busy columns of /proc/stat's first line),
     * to tell how much else ran during a measurement; zero if unreadable.
     */
    static Duration machineCpuTime() {
        try {
            String[] fields = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
            long ticks = 0;
            // cpu user nice system idle iowait irq softirq steal: all but idle and iowait are busy.
            for (int i : new int[] {1, 2, 3, 6, 7, 8}) ticks += Long.parseLong(fields[i]);
            return Duration.ofMillis(ticks * 1000 / USER_HZ);
        } catch (IOException | RuntimeException e) {
            return Duration.ZERO;
        }
    }

    /** Reads VmRSS now and keeps the highest value seen; returns it in KiB (0 if unreadable). */
    long sampleRssKb() {
        long rss = statusField("VmRSS:");
        peakRssKb = Math.max(peakRssKb, rss);
        return rss;
    }

    /** The highest VmRSS {@link #sampleRssKb} saw. */
    long peakRssKb() {
        return peakRssKb;
    }

    private long statusField(String name) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
                if (line.startsWith(name)) return Long.parseLong(line.substring(name.length()).replace("kB", "").trim());
            }
        } catch (IOException | NumberFormatException e) {
            // The process ended or this is not Linux: report nothing rather than fail the run.
        }
        return 0;
    }
}
