package io.streamlet.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.Selector;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.PriorityQueue;

/**
 * One selector thread driving a share of the players: opens each at its time on the ramp, reads
 * whatever is ready into one shared buffer, wakes throttled slow players when their bucket refills,
 * and stops by itself at the end of the schedule.
 */
final class PlayerLoop implements Runnable {
    private static final int READ_BUFFER = 64 * 1024;

    final LoopStats stats = new LoopStats();
    final SendLog sendLog;
    final Schedule schedule;
    final long slowBytesPerSecond;
    private final int totalPlayers;
    private final List<Player> players = new ArrayList<>();
    private final PriorityQueue<Throttled> throttled = new PriorityQueue<>(Comparator.comparingLong(Throttled::until));
    private Selector selector;
    private int opened;

    private record Throttled(Player player, long until) {}

    PlayerLoop(int totalPlayers, Schedule schedule, SendLog sendLog, long slowBytesPerSecond) {
        this.totalPlayers = totalPlayers;
        this.schedule = schedule;
        this.sendLog = sendLog;
        this.slowBytesPerSecond = slowBytesPerSecond;
    }

    /** Adds a player made for this loop, before {@link #run}; players must be added in increasing index order. */
    void add(Player player) {
        players.add(player);
    }

    /** The players, for the report once the loop has ended. */
    List<Player> players() {
        return players;
    }

    Selector selector() {
        return selector;
    }

    /** Parks a slow player until {@code until}, when it may read again. */
    void resumeLater(Player player, long until) {
        throttled.add(new Throttled(player, until));
    }

    @Override
    public void run() {
        ByteBuffer buffer = ByteBuffer.allocate(READ_BUFFER);
        try (Selector open = Selector.open()) {
            selector = open;
            for (long now = System.nanoTime(); now < schedule.endNanos(); now = System.nanoTime()) {
                openDuePlayers(now);
                resumeDuePlayers(now);
                // select(Consumer) spares the selected-key set: no HashSet iteration and removal per event.
                selector.select(key -> ((Player) key.attachment()).onReady(key.readyOps(), buffer, System.nanoTime()),
                        millisUntilNextEvent(now));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            players.forEach(Player::close);
        }
    }

    private void openDuePlayers(long now) {
        while (opened < players.size() && schedule.openAt(players.get(opened).index, totalPlayers) <= now) {
            players.get(opened++).open(now);
        }
    }

    private void resumeDuePlayers(long now) {
        while (!throttled.isEmpty() && throttled.peek().until() <= now) throttled.poll().player().resume();
    }

    /** How long select may block: until the next player to open or resume, or the end; at least 1 ms. */
    private long millisUntilNextEvent(long now) {
        long next = schedule.endNanos();
        if (opened < players.size()) next = Math.min(next, schedule.openAt(players.get(opened).index, totalPlayers));
        if (!throttled.isEmpty()) next = Math.min(next, throttled.peek().until());
        return Math.max(1, (next - now + 999_999) / 1_000_000);
    }
}
