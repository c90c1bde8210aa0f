package io.streamlet.bench;

import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.PriorityQueue;

/**
 * One selector thread driving a share of the players: opens each at its time on the ramp, reads
 * whatever is ready, and wakes throttled slow players when their bucket refills.
 */
final class PlayerLoop extends ClientLoop {
    final LoopStats stats = new LoopStats();
    final SendLog sendLog;
    final long slowBytesPerSecond;
    private final int totalPlayers;
    private final List<Player> players = new ArrayList<>();
    private final PriorityQueue<Throttled> throttled = new PriorityQueue<>(Comparator.comparingLong(Throttled::until));
    private int opened;

    private record Throttled(Player player, long until) {}

    PlayerLoop(int totalPlayers, Schedule schedule, SendLog sendLog, long slowBytesPerSecond) {
        super(schedule);
        this.totalPlayers = totalPlayers;
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

    /** Parks a slow player until {@code until}, when it may read again. */
    void resumeLater(Player player, long until) {
        throttled.add(new Throttled(player, until));
    }

    /** Opens the players whose time on the ramp came and resumes the throttled ones whose bucket refilled. */
    @Override
    long runDue(long now) {
        while (opened < players.size() && schedule.openAt(players.get(opened).index, totalPlayers) <= now) {
            players.get(opened++).open(now);
        }
        while (!throttled.isEmpty() && throttled.peek().until() <= now) throttled.poll().player().resume();
        long next = Long.MAX_VALUE;
        if (opened < players.size()) next = schedule.openAt(players.get(opened).index, totalPlayers);
        if (!throttled.isEmpty()) next = Math.min(next, throttled.peek().until());
        return next;
    }

    @Override
    void ready(SelectionKey key, ByteBuffer buffer) {
        ((Player) key.attachment()).onReady(key.readyOps(), buffer, System.nanoTime());
    }

    @Override
    void closeClients() {
        players.forEach(Player::close);
    }
}
