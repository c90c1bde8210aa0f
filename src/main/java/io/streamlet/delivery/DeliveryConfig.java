package io.streamlet.delivery;

import io.streamlet.config.ConfigReader;

/**
 * How players are fed, whatever their transport ({@code streamlet.http.*}, named for HTTP-FLV where they
 * began): the write batch, the fan-out threads, the stall watchdog, the drain at shutdown, and the ceiling
 * of the delay a woken player may wait under load to merge tags into one write (0: never waits), and its
 * floor at any load (0: none).
 */
public record DeliveryConfig(int writeBatchBytes, long playerStallTimeoutMs, int fanoutThreads, long shutdownDrainMs,
        long minMergeDelayMs, long maxMergeDelayMs) {

    public static DeliveryConfig read(ConfigReader r) {
        return new DeliveryConfig(
                (int) r.size("streamlet.http.writeBatch", 16 * 1024, 512, 16 * 1024 * 1024),
                r.duration("streamlet.http.playerStallTimeout", 20_000, 100, 3_600_000),
                r.integer("streamlet.http.fanoutThreads", Runtime.getRuntime().availableProcessors(), 1, 1024),
                r.duration("streamlet.http.shutdownDrain", 5_000, 0, 600_000),
                r.duration("streamlet.http.minMergeDelay", 0, 0, 1_000),
                r.duration("streamlet.http.maxMergeDelay", 100, 0, 1_000));
    }
}
