package io.streamlet.ingest;

import io.streamlet.delivery.Player;
import io.streamlet.delivery.Transport;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;

/**
 * An RTMP connection's non-blocking socket as a {@link Transport}. A write the socket cannot take whole
 * leaves its remainder here (a copy, so the caller's buffer is free at once) and arms {@code OP_WRITE};
 * {@link #isReady} is true again once the remainder is out. The connection's I/O thread reports the socket
 * writable ({@link #onWritable}) and gone.
 *
 * <p>Used by one thread at a time: the connection's I/O thread before the connection plays, the
 * {@link Player}'s drain after. The relay's outgoing connections ({@code relay.RtmpClientConnection}) use it
 * the same way once they publish.
 */
public final class RtmpSocketTransport implements Transport {
    private final SocketChannel channel;
    private final SelectionKey key;
    private final Runnable onComplete;
    /** What the socket has not taken yet, or null. */
    private ByteBuffer pending;
    private volatile Player player;
    /** The player ended its stream: its drain is done with the socket, whose remainder may be pushed out. */
    private volatile boolean completed;
    private volatile long bytesWritten;

    /** @param onComplete ends the connection when its player is done (any thread) */
    public RtmpSocketTransport(SocketChannel channel, SelectionKey key, Runnable onComplete) {
        this.channel = channel;
        this.key = key;
        this.onComplete = onComplete;
    }

    public long bytesWritten() {
        return bytesWritten;
    }

    public Player player() {
        return player;
    }

    @Override
    public void start(Player player) {
        this.player = player;
        player.onWritePossible(); // the socket is writable (or holds a remainder isReady() will push first)
    }

    @Override
    public boolean isReady() {
        if (pending == null) return true;
        try {
            channel.write(pending);
        } catch (IOException e) {
            pending = null;
            return true; // the next write fails and says why
        }
        if (!pending.hasRemaining()) {
            pending = null;
            return true;
        }
        key.interestOpsOr(SelectionKey.OP_WRITE);
        key.selector().wakeup();
        return false;
    }

    @Override
    public void write(byte[] buf, int off, int len) throws IOException {
        if (pending != null) throw new IllegalStateException("write while the last one is pending");
        ByteBuffer out = ByteBuffer.wrap(buf, off, len);
        channel.write(out);
        if (out.hasRemaining()) pending = ByteBuffer.allocate(out.remaining()).put(out).flip();
        bytesWritten += len;
    }

    @Override
    public void flush() {
        // Writes go to the socket at once.
    }

    @Override
    public void complete() {
        completed = true;
        onComplete.run();
    }

    /** On the I/O thread: the socket can take bytes again. True if a player is attached to take the turn. */
    public boolean onWritable() {
        key.interestOpsAnd(~SelectionKey.OP_WRITE);
        Player p = player;
        if (p == null) return false;
        p.onWritePossible();
        return true;
    }

    /**
     * One last try to push a remainder out before the socket closes: before a player was attached, or after it
     * completed (a player's drain may still be in the socket otherwise, and a broken socket takes nothing).
     */
    public void flushRemainder() {
        if ((player == null || completed) && pending != null) isReady();
    }
}
