package io.streamlet.relay;

import java.util.concurrent.ThreadLocalRandom;
import java.util.function.DoubleSupplier;

/**
 * The delays between a relay's reconnection attempts: 250 ms doubling to 8 s, each with jitter so that
 * relays cut off together (an upstream restart) do not all come back in the same instant. A connection
 * that lasted {@link #STABLE_AFTER_MS} resets the sequence: a link that breaks once a day retries at once,
 * one that breaks at every attempt backs off.
 *
 * <p>The jitter is "equal jitter": a delay is between half and all of its step, so it never collapses to
 * nothing yet still spreads. Pure: the random source is given, so tests fix it. Not thread-safe.
 */
public final class Backoff {
    public static final long FIRST_DELAY_MS = 250;
    public static final long MAX_DELAY_MS = 8_000;
    /** A connection that stayed up this long counts as a success: the next delay starts over. */
    public static final long STABLE_AFTER_MS = 10_000;

    private final DoubleSupplier random;
    private long step = FIRST_DELAY_MS;

    /** @param random numbers in [0, 1) */
    public Backoff(DoubleSupplier random) {
        this.random = random;
    }

    /** With the thread's own random source. */
    public static Backoff withJitter() {
        return new Backoff(() -> ThreadLocalRandom.current().nextDouble());
    }

    /** The delay before the next attempt, in [step/2, step]; the step doubles each call up to {@link #MAX_DELAY_MS}. */
    public long nextDelayMs() {
        long current = step;
        step = Math.min(MAX_DELAY_MS, step * 2);
        long half = current / 2;
        return half + Math.round(random.getAsDouble() * (current - half));
    }

    /** A connection ended after lasting {@code lastedMs}: one that was stable starts the delays over. */
    public void connectionEnded(long lastedMs) {
        if (lastedMs >= STABLE_AFTER_MS) reset();
    }

    /** Starts the delays over from {@link #FIRST_DELAY_MS}. */
    public void reset() {
        step = FIRST_DELAY_MS;
    }
}
