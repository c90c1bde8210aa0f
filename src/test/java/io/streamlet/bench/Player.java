package io.streamlet.bench;

import io.streamlet.bench.ChunkedDecoder.ChunkedFormatException;
import io.streamlet.flv.FlvReader;
import io.streamlet.flv.FlvReader.FlvFormatException;
import io.streamlet.flv.MediaInfo;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * One HTTP-FLV player on a non-blocking socket: sends {@code GET}, reads the response head, decodes the
 * chunked body and parses the FLV stream, checking it ({@link FlvRules}) and measuring each stamped
 * tag's latency. Driven by its {@link PlayerLoop}'s thread only; never blocks.
 */
final class Player implements FlvReader.Handler {
    enum State {
        NOT_STARTED, CONNECTING, SENDING_REQUEST, READING_HEAD, STREAMING,
        /** Never got a {@code 200}: see {@link #failure()}. */
        FAILED,
        /** The server ended the response (terminating chunk) or closed the connection. */
        CLOSED_BY_SERVER,
        /** This client gave up on a stream it could not parse (counted as a violation). */
        ABORTED
    }

    /** A slow player's socket receive buffer, so the server feels its slowness within a second or so. */
    private static final int SLOW_RECEIVE_BUFFER = 16 * 1024;
    /** A slow player waits until it may read at least this much, rather than reading dribbles. */
    private static final int SLOW_MIN_READ = 1460;
    private static final int MAX_RESPONSE_HEAD = 8192;

    final int index;
    final boolean slow;
    private final PlayerLoop loop;
    private final FlvRules rules;
    private final FlvReader flv = new FlvReader(this);
    private final ChunkedDecoder chunked = new ChunkedDecoder();
    private TokenBucket bucket;

    private SocketChannel channel;
    private SelectionKey key;
    private State state = State.NOT_STARTED;
    private String failure;
    private ByteBuffer request;
    private byte[] head;
    private int headLength;
    private boolean bodyChunked;

    private long connectStartNanos;
    private long firstByteNanos;
    private long firstKeyframeNanos;
    private long lastReadNanos;
    /** When the bytes being parsed were read: the receive time of the tags in them. */
    private long readNanos;
    private long bytes;
    private long lastId;
    private long skips;

    Player(int index, boolean slow, PlayerLoop loop) {
        this.index = index;
        this.slow = slow;
        this.loop = loop;
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

    long lastReadNanos() {
        return lastReadNanos;
    }

    /** How many times the server skipped this player forward (stamped tags missing from its stream). */
    long skips() {
        return skips;
    }

    /** True if the server answered 200. */
    boolean connected() {
        return state == State.STREAMING || state == State.CLOSED_BY_SERVER || state == State.ABORTED;
    }

    void open(InetSocketAddress server, byte[] requestBytes, long now) {
        connectStartNanos = now;
        request = ByteBuffer.wrap(requestBytes);
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
            if (channel.connect(server)) onConnected();
        } catch (IOException e) {
            fail("connect: " + e.getClass().getSimpleName());
        }
    }

    /** Handles what the selector reported ready. */
    void onReady(int readyOps, ByteBuffer buffer, long now) {
        try {
            if ((readyOps & SelectionKey.OP_CONNECT) != 0) {
                if (channel.finishConnect()) onConnected();
            } else if ((readyOps & SelectionKey.OP_WRITE) != 0) {
                sendRequest();
            } else if ((readyOps & SelectionKey.OP_READ) != 0) {
                read(buffer, now);
            }
        } catch (IOException e) {
            if (state == State.CONNECTING) fail("connect: " + e.getClass().getSimpleName());
            else closedByServer();
        }
    }

    /** A throttled slow player may read again. */
    void resume() {
        if (key.isValid()) key.interestOps(SelectionKey.OP_READ);
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

    private void onConnected() throws IOException {
        state = State.SENDING_REQUEST;
        sendRequest();
    }

    private void sendRequest() throws IOException {
        channel.write(request);
        if (request.hasRemaining()) {
            key.interestOps(SelectionKey.OP_WRITE);
            return;
        }
        request = null;
        head = new byte[MAX_RESPONSE_HEAD];
        state = State.READING_HEAD;
        key.interestOps(SelectionKey.OP_READ);
    }

    private void read(ByteBuffer buffer, long now) throws IOException {
        int limit = buffer.capacity();
        if (bucket != null) {
            int allowed = bucket.available(now);
            if (allowed < SLOW_MIN_READ) {
                key.interestOps(0);
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
        if (loop.schedule.measuring(now)) loop.stats.measuredBytes += n;
        received(buffer.array(), n);
    }

    private void received(byte[] data, int length) {
        int offset = 0;
        if (state == State.READING_HEAD) {
            offset = readHead(data, length);
            if (state != State.STREAMING) return;
        }
        try {
            int payload = bodyChunked ? chunked.decode(data, offset, length - offset) : length - offset;
            if (payload > 0) flv.feed(data, offset, payload);
            if (chunked.done()) closedByServer();
        } catch (ChunkedFormatException e) {
            abort(Violation.CHUNKED_FRAMING);
        } catch (FlvFormatException e) {
            abort(Violation.FLV_FRAMING);
        }
    }

    /** Consumes response-head bytes; returns where the body starts in {@code data}. */
    private int readHead(byte[] data, int length) {
        for (int i = 0; i < length; i++) {
            if (headLength == head.length) {
                fail("response head too long");
                return length;
            }
            head[headLength++] = data[i];
            if (headLength >= 4 && head[headLength - 4] == '\r' && head[headLength - 3] == '\n'
                    && head[headLength - 2] == '\r' && head[headLength - 1] == '\n') {
                parseHead(new String(head, 0, headLength, StandardCharsets.ISO_8859_1));
                head = null;
                return i + 1;
            }
        }
        return length;
    }

    private void parseHead(String text) {
        String[] lines = text.split("\r\n");
        String[] status = lines[0].split(" ", 3);
        if (status.length < 2 || !status[0].startsWith("HTTP/")) {
            fail("bad status line");
            return;
        }
        if (!status[1].equals("200")) {
            fail("status " + status[1]);
            return;
        }
        String contentType = "";
        boolean hasContentLength = false;
        for (int i = 1; i < lines.length; i++) {
            int colon = lines[i].indexOf(':');
            if (colon < 0) continue;
            String name = lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT);
            String value = lines[i].substring(colon + 1).trim();
            switch (name) {
                case "content-type" -> contentType = value;
                case "transfer-encoding" -> bodyChunked = value.toLowerCase(Locale.ROOT).contains("chunked");
                case "content-length" -> hasContentLength = true;
                default -> { }
            }
        }
        if (!contentType.equals("video/x-flv") || !bodyChunked || hasContentLength) {
            rules.violate(Violation.RESPONSE_HEADERS);
        }
        state = State.STREAMING;
    }

    @Override
    public void onHeader(int flags) {
        rules.onHeader(flags);
    }

    @Override
    public void onTag(int type, long timestamp, byte[] body, int offset, int length) {
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

    private void fail(String reason) {
        failure = reason;
        state = State.FAILED;
        close();
    }

    private void closedByServer() {
        if (state == State.STREAMING) {
            state = State.CLOSED_BY_SERVER;
            close();
        } else {
            fail("closed before the response");
        }
    }

    private void abort(Violation violation) {
        rules.violate(violation);
        state = State.ABORTED;
        close();
    }
}
