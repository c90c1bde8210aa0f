package io.streamlet.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;

/**
 * One selector thread driving a share of the simulated clients until the {@link Schedule} ends: each round it
 * runs what is due (clients to open, to wake, to poll), then waits for the selector until the next of those
 * and hands each ready key to its client, reading into one buffer that all of them share. Its clients close
 * when it ends.
 */
abstract class ClientLoop implements Runnable {
    private static final int READ_BUFFER = 64 * 1024;

    final Schedule schedule;
    private Selector selector;

    ClientLoop(Schedule schedule) {
        this.schedule = schedule;
    }

    /** The loop's selector, for its clients to register with; set once the loop runs. */
    final Selector selector() {
        return selector;
    }

    @Override
    public final void run() {
        ByteBuffer buffer = ByteBuffer.allocate(READ_BUFFER);
        try (Selector open = Selector.open()) {
            selector = open;
            for (long now = System.nanoTime(); now < schedule.endNanos(); now = System.nanoTime()) {
                long next = Math.min(schedule.endNanos(), runDue(now));
                // select(Consumer) spares the selected-key set: no HashSet iteration and removal per event.
                selector.select(key -> ready(key, buffer), Math.max(1, (next - now + 999_999) / 1_000_000));
            }
            ended();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            closeClients();
        }
    }

    /** Runs what is due at {@code now}; returns when the next thing is due ({@link System#nanoTime}), or later. */
    abstract long runDue(long now);

    /** A key of one of the loop's clients is ready; {@code buffer} is the loop's shared read buffer. */
    abstract void ready(SelectionKey key, ByteBuffer buffer);

    /** The schedule's end came: note what is to be noted at it. */
    void ended() {}

    abstract void closeClients();
}
