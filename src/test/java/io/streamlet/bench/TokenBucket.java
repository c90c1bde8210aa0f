package io.streamlet.bench;

/** Caps a slow player's reading rate: bytes accrue at a fixed rate up to a small burst. */
final class TokenBucket {
    private final double bytesPerNano;
    private final double burst;
    private double tokens;
    private long refilledAt;

    TokenBucket(long bytesPerSecond, long burstBytes, long now) {
        this.bytesPerNano = bytesPerSecond / 1e9;
        this.burst = burstBytes;
        this.tokens = burstBytes;
        this.refilledAt = now;
    }

    /** Whole bytes that may be read now. */
    int available(long now) {
        tokens = Math.min(burst, tokens + (now - refilledAt) * bytesPerNano);
        refilledAt = now;
        return (int) tokens;
    }

    void take(int bytes) {
        tokens -= bytes;
    }

    /** How long until {@code bytes} may be read, at the earliest. */
    long nanosUntil(int bytes) {
        return tokens >= bytes ? 0 : (long) Math.ceil((bytes - tokens) / bytesPerNano);
    }
}
