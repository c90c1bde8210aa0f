package io.streamlet.bench;

import io.streamlet.flv.MediaInfo;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;

/**
 * One player on a non-blocking socket, whatever its protocol: connects, writes what its protocol sends,
 * reads (at a capped rate when slow) and hands the bytes to {@link #received}; then checks each tag the
 * protocol parses out ({@link FlvRules}) and measures its latency from the publisher's {@link SendLog}.
 * Subclasses speak HTTP-FLV ({@link FlvPlayer}) or RTMP ({@link RtmpPlayer}). Driven by its
 * {@link PlayerLoop}'s thread only; never blocks.
 */
abstract class Player {
    enum State {
        NOT_STARTED, CONNECTING,
        /** Connected; the protocol's opening (request and response head, or handshake and commands) runs. */
        OPENING,
        /** The server accepted the player (HTTP {@code 200}, or NetStream.Play.Start) and streams. */
        STREAMING,
        /** Never streamed: see {@link #failure()}. */
        FAILED,
        /** The server ended the stream or closed the connection. */
        CLOSED_BY_SERVER,
        /** This client gave up on a stream it could not parse (counted as a violation). */
        ABORTED
    }

    /** A slow player's socket receive buffer, so the server feels its slowness within a second or so. */
    private static final int SLOW_RECEIVE_BUFFER = 16 * 1024;
    /** A slow player waits until it may read at least this much, rather than reading dribbles. */
    private static final int SLOW_MIN_READ = 1460;

    final int index;
    final boolean slow;
    protected final PlayerLoop loop;
    protected final FlvRules rules;
    private final InetSocketAddress server;
    private TokenBucket bucket;

    private SocketChannel channel;
    private SelectionKey key;
    private State state = State.NOT_STARTED;
    private String failure;
    /** Bytes the socket would not take yet; written when it is writable again. */
    private ByteBuffer unsent;
    private boolean throttled;

    private long connectStartNanos;
    private long firstByteNanos;
    private long firstKeyframeNanos;
    private long lastReadNanos;
    /** When the bytes being parsed were read: the receive time of the tags in them. */
    private long readNanos;
    private long bytes;
    private long measuredBytes;
    private long lastId;
    private long skips;

    Player(int index, boolean slow, PlayerLoop loop, InetSocketAddress server) {
        this.index = index;
        this.slow = slow;
        this.loop = loop;
        this.server = server;
        this.rules = new FlvRules(loop.stats.violations);
    }

    State state() {
        return state;
    }

    String failure() {
        return failure;
    }

    long bytes() {
        return bytes;
    }

    /** Bytes read during the measured interval. */
    long measuredBytes() {
        return measuredBytes;
    }

    long lastReadNanos() {
        return lastReadNanos;
    }

    /** How many times the server skipped this player forward (stamped tags missing from its stream). */
    long skips() {
        return skips;
    }

    /** True if the server accepted the player. */
    boolean connected() {
        return state == State.STREAMING || state == State.CLOSED_BY_SERVER || state == State.ABORTED;
    }

    void open(long now) {
        connectStartNanos = now;
        state = State.CONNECTING;
        try {
            channel = SocketChannel.open();
            channel.configureBlocking(false);
            if (slow) {
                channel.setOption(StandardSocketOptions.SO_RCVBUF, SLOW_RECEIVE_BUFFER);
                bucket = new TokenBucket(loop.slowBytesPerSecond, Math.max(4 * SLOW_MIN_READ,
                        loop.slowBytesPerSecond / 10), now);
            }
            key = channel.register(loop.selector(), SelectionKey.OP_CONNECT, this);
            if (channel.connect(server)) connected(now);
        } catch (IOException e) {
            fail("connect: " + e.getClass().getSimpleName());
        }
    }

    /** Handles what the selector reported ready. */
    void onReady(int readyOps, ByteBuffer buffer, long now) {
        try {
            if ((readyOps & SelectionKey.OP_CONNECT) != 0) {
                if (channel.finishConnect()) connected(now);
                return;
            }
            if ((readyOps & SelectionKey.OP_WRITE) != 0) writeUnsent();
            if ((readyOps & SelectionKey.OP_READ) != 0 && key.isValid()) read(buffer, now);
        } catch (IOException e) {
            if (state == State.CONNECTING) fail("connect: " + e.getClass().getSimpleName());
            else closedByServer();
        }
    }

    /** A throttled slow player may read again. */
    void resume() {
        throttled = false;
        updateInterest();
    }

    /** Closes the connection at the end of the run, leaving the state as it was. */
    void close() {
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException ignored) {
                // Closing at the end of the run: nothing to do about it.
            }
        }
    }

    /** Connected: the protocol sends its opening with {@link #write}. */
    protected abstract void onConnected(long now) throws IOException;

    /** Bytes read from the server, in order; {@code data} is reused after the call. */
    protected abstract void received(byte[] data, int length, long now);

    /** Sends {@code bytes}, keeping what the socket does not take for when it is writable. */
    protected final void write(ByteBuffer bytes) throws IOException {
        if (unsent == null) {
            channel.write(bytes);
            if (!bytes.hasRemaining()) return;
            unsent = ByteBuffer.allocate(bytes.remaining()).put(bytes).flip();
        } else {
            ByteBuffer more = ByteBuffer.allocate(unsent.remaining() + bytes.remaining()).put(unsent).put(bytes).flip();
            unsent = more;
        }
        updateInterest();
    }

    /** The server accepted the player: it now streams. */
    protected final void streaming() {
        state = State.STREAMING;
    }

    /** Checks an audio, video or script tag and, for a stamped one, records its latency. */
    protected final void checkTag(int type, long timestamp, byte[] body, int offset, int length) {
        MediaInfo info = rules.onTag(type, timestamp, body, offset, length);
        if (info == null || info.sequenceHeader()) return;
        if (info.keyframe() && firstKeyframeNanos == 0) {
            firstKeyframeNanos = readNanos;
            loop.stats.firstKeyframe.record((readNanos - connectStartNanos) / 1000);
        }
        long id = SendLog.readId(body, offset, length);
        long sentAt = loop.sendLog.sentAt(id);
        if (sentAt == 0) return;
        if (id <= lastId) rules.violate(Violation.TAG_OUT_OF_ORDER);
        // Every media tag big enough carries the next id, so a gap means the server dropped tags.
        if (lastId != 0 && id > lastId + 1) skips++;
        lastId = Math.max(lastId, id);
        // Tags sent before this player connected came from the GOP cache: their delay is not latency.
        if (sentAt >= connectStartNanos && loop.schedule.measuring(readNanos)) {
            (slow ? loop.stats.slowLatency : loop.stats.latency).record((readNanos - sentAt) / 1000);
        }
    }

    protected final void fail(String reason) {
        failure = reason;
        state = State.FAILED;
        close();
    }

    /** The server ended the stream: fine while streaming, a failure before. */
    protected final void closedByServer() {
        if (state == State.STREAMING) {
            state = State.CLOSED_BY_SERVER;
            close();
        } else {
            fail("closed before streaming");
        }
    }

    protected final void abort(Violation violation) {
        rules.violate(violation);
        state = State.ABORTED;
        close();
    }

    private void connected(long now) throws IOException {
        state = State.OPENING;
        updateInterest();
        onConnected(now);
    }

    private void writeUnsent() throws IOException {
        channel.write(unsent);
        if (!unsent.hasRemaining()) unsent = null;
        updateInterest();
    }

    private void updateInterest() {
        if (key.isValid()) key.interestOps((throttled ? 0 : SelectionKey.OP_READ) | (unsent != null ? SelectionKey.OP_WRITE : 0));
    }

    private void read(ByteBuffer buffer, long now) throws IOException {
        int limit = buffer.capacity();
        if (bucket != null) {
            int allowed = bucket.available(now);
            if (allowed < SLOW_MIN_READ) {
                throttled = true;
                updateInterest();
                loop.resumeLater(this, now + bucket.nanosUntil(SLOW_MIN_READ));
                return;
            }
            limit = Math.min(limit, allowed);
        }
        buffer.clear().limit(limit);
        int n = channel.read(buffer);
        if (n < 0) {
            closedByServer();
            return;
        }
        if (n == 0) return;
        if (bucket != null) bucket.take(n);
        if (firstByteNanos == 0) {
            firstByteNanos = now;
            loop.stats.firstByte.record((now - connectStartNanos) / 1000);
        }
        bytes += n;
        lastReadNanos = now;
        readNanos = now;
        if (loop.schedule.measuring(now)) {
            loop.stats.measuredBytes += n;
            measuredBytes += n;
        }
        received(buffer.array(), n, now);
    }
}
