package io.streamlet.bench;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.PriorityQueue;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Simulated HLS players on one selector thread, each doing what hls.js does live: on a keep-alive HTTP/1.1
 * connection of its own it loads the playlist every half target duration and fetches each segment that is new
 * since its last load, once and in order (at its start, the newest alone). Players are opened evenly over the
 * {@link Schedule}'s ramp and stop at its end; what they did during its measured interval is counted.
 *
 * <p>Nothing is parsed but the playlists and the response heads: segments are counted, not read, so a thread
 * keeps up with thousands of players and the figures are the server's.
 */
final class HlsPollers extends ClientLoop {
    private static final int MAX_RESPONSE_HEAD = 8192;
    private static final Pattern TARGET_DURATION = Pattern.compile("#EXT-X-TARGETDURATION:(\\d+)");
    private static final Pattern MEDIA_SEQUENCE = Pattern.compile("#EXT-X-MEDIA-SEQUENCE:(\\d+)");

    /** What the players did during the measured interval; read once the loop has ended. */
    static final class Stats {
        long playlistRequests;
        long segmentRequests;
        long bytes;
        long errors;
        long reconnects;
        /** From a request's write to its response's last byte. */
        final LatencyHistogram responseTime = new LatencyHistogram();
        /** The newest segment any player saw listed, at the measured interval's start and end. */
        long newestAtStart = -1;
        long newestAtEnd = -1;
        /** The playlist's poll interval, half its target duration, as last seen. */
        long pollMillis;
    }

    final Stats stats = new Stats();
    private final InetSocketAddress server;
    private final String playlistPath;
    private final String directory;
    private final int count;
    private final List<Poller> pollers = new ArrayList<>();
    private final PriorityQueue<Poller> due = new PriorityQueue<>(Comparator.comparingLong(p -> p.nextPollAt));
    private long newestSequence = -1;

    HlsPollers(InetSocketAddress server, String playlistPath, int count, Schedule schedule) {
        super(schedule);
        this.server = server;
        this.playlistPath = playlistPath;
        this.directory = playlistPath.substring(0, playlistPath.lastIndexOf('/') + 1);
        this.count = count;
    }

    /** Opens the players whose time on the ramp came, notes the newest segment as measuring starts, polls the due. */
    @Override
    long runDue(long now) {
        while (pollers.size() < count && schedule.openAt(pollers.size(), count) <= now) {
            Poller p = new Poller();
            pollers.add(p);
            p.connect();
        }
        if (stats.newestAtStart < 0 && now >= schedule.measureStartNanos()) stats.newestAtStart = newestSequence;
        while (!due.isEmpty() && due.peek().nextPollAt <= now) due.poll().pollDue();
        long next = Long.MAX_VALUE;
        if (pollers.size() < count) next = schedule.openAt(pollers.size(), count);
        if (!due.isEmpty()) next = Math.min(next, due.peek().nextPollAt);
        if (stats.newestAtStart < 0) next = Math.min(next, schedule.measureStartNanos());
        return next;
    }

    @Override
    void ready(SelectionKey key, ByteBuffer buffer) {
        ((Poller) key.attachment()).onReady(key, buffer);
    }

    @Override
    void ended() {
        stats.newestAtEnd = newestSequence;
    }

    @Override
    void closeClients() {
        pollers.forEach(Poller::close);
    }

    private byte[] request(String path) {
        return ("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1:" + server.getPort() + "\r\nUser-Agent: streamlet-hls-bench\r\n"
                + "Accept: */*\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
    }

    /** One player: its connection, the request on it, and the segments it still has to fetch. */
    private final class Poller {
        private SocketChannel channel;
        private SelectionKey key;
        private ByteBuffer out;
        /** The request in flight: a segment's path, or null for the playlist; {@code busy} says whether there is one. */
        private String inFlight;
        private boolean busy;
        private long sentAt;
        private final ArrayDeque<String> toFetch = new ArrayDeque<>();
        private long lastFetched = -1;
        private long nextPollAt;
        /** Whether it waits in {@link #due} for {@link #nextPollAt}. */
        private boolean queued;
        private boolean pollPending;

        // The response being read.
        private final byte[] head = new byte[MAX_RESPONSE_HEAD];
        private int headLength;
        private boolean inBody;
        private int status;
        private long bodyLeft;
        private boolean chunked;
        private ChunkedDecoder chunks;
        private boolean closeAfter;
        private final ByteArrayOutputStream playlist = new ByteArrayOutputStream();

        void connect() {
            try {
                channel = SocketChannel.open();
                channel.configureBlocking(false);
                channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
                key = channel.register(selector(), SelectionKey.OP_CONNECT, this);
                if (channel.connect(server)) connected();
            } catch (IOException e) {
                failed();
            }
        }

        void close() {
            try {
                if (channel != null) channel.close();
            } catch (IOException ignored) {
                // Closing at the end of the run or after a failure: nothing more to do with it.
            }
        }

        /** Its poll time came (it left the queue): load the playlist now, or once the request in flight is done. */
        void pollDue() {
            queued = false;
            pollPending = true;
            if (!busy && channel.isConnected()) sendNext();
        }

        void onReady(SelectionKey k, ByteBuffer buffer) {
            try {
                if (k.isConnectable()) {
                    if (!channel.finishConnect()) return;
                    connected();
                    return;
                }
                if (k.isWritable()) flush();
                if (k.isReadable()) read(buffer);
            } catch (IOException e) {
                failed();
            }
        }

        private void connected() throws IOException {
            key.interestOps(SelectionKey.OP_READ);
            if (!queued) pollPending = true; // its first poll (a failed one was rescheduled)
            sendNext();
        }

        /** The next request: the playlist when its time came, else the next new segment. */
        private void sendNext() {
            if (pollPending) {
                pollPending = false;
                send(null);
            } else if (!toFetch.isEmpty()) {
                send(toFetch.poll());
            }
        }

        private void send(String segmentPath) {
            inFlight = segmentPath;
            busy = true;
            sentAt = System.nanoTime();
            out = ByteBuffer.wrap(request(segmentPath == null ? playlistPath : segmentPath));
            try {
                flush();
            } catch (IOException e) {
                failed();
            }
        }

        private void flush() throws IOException {
            channel.write(out);
            key.interestOps(out.hasRemaining() ? SelectionKey.OP_READ | SelectionKey.OP_WRITE : SelectionKey.OP_READ);
        }

        private void read(ByteBuffer buffer) throws IOException {
            buffer.clear();
            int n = channel.read(buffer);
            if (n < 0) {
                if (busy) {
                    failed();
                } else { // the server closed an idle keep-alive connection: open another
                    if (measuring()) stats.reconnects++;
                    reopen();
                }
                return;
            }
            byte[] data = buffer.array();
            int at = 0;
            while (at < n) {
                if (!busy) { // bytes nobody asked for
                    failed();
                    return;
                }
                at = inBody ? body(data, at, n) : head(data, at, n);
            }
        }

        private int head(byte[] data, int at, int end) {
            while (at < end) {
                if (headLength == head.length) {
                    failed();
                    return end;
                }
                head[headLength++] = data[at++];
                if (headLength >= 4 && head[headLength - 4] == '\r' && head[headLength - 3] == '\n'
                        && head[headLength - 2] == '\r' && head[headLength - 1] == '\n') {
                    try {
                        parseHead(new String(head, 0, headLength, StandardCharsets.ISO_8859_1));
                    } catch (NumberFormatException e) { // a status or length that is not a number
                        failed();
                        return end;
                    }
                    headLength = 0;
                    inBody = true;
                    if (!chunked && bodyLeft == 0) responseDone();
                    return at;
                }
            }
            return at;
        }

        private void parseHead(String text) {
            String[] lines = text.split("\r\n");
            String[] statusLine = lines[0].split(" ", 3);
            status = Integer.parseInt(statusLine.length >= 2 ? statusLine[1] : "");
            bodyLeft = 0;
            chunked = false;
            closeAfter = false;
            for (int i = 1; i < lines.length; i++) {
                int colon = lines[i].indexOf(':');
                if (colon < 0) continue;
                String name = lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT);
                String value = lines[i].substring(colon + 1).trim().toLowerCase(Locale.ROOT);
                switch (name) {
                    case "content-length" -> bodyLeft = Long.parseLong(value);
                    case "transfer-encoding" -> chunked = value.contains("chunked");
                    case "connection" -> closeAfter = value.contains("close");
                    default -> { }
                }
            }
            if (chunked) chunks = new ChunkedDecoder();
            playlist.reset();
        }

        private int body(byte[] data, int at, int end) {
            int payload;
            int next;
            if (chunked) {
                try {
                    payload = chunks.decode(data, at, end - at); // the payload moves to data[at...]
                } catch (ChunkedDecoder.ChunkedFormatException e) {
                    failed();
                    return end;
                }
                next = end; // a keep-alive client sends one request at a time: nothing follows the body
            } else {
                payload = (int) Math.min(bodyLeft, end - at);
                bodyLeft -= payload;
                next = at + payload;
            }
            if (measuring()) stats.bytes += payload;
            if (inFlight == null) playlist.write(data, at, payload);
            if (chunked ? chunks.done() : bodyLeft == 0) responseDone();
            return next;
        }

        private void responseDone() {
            inBody = false;
            busy = false;
            long took = (System.nanoTime() - sentAt) / 1_000;
            boolean wasPlaylist = inFlight == null;
            if (measuring()) {
                if (wasPlaylist) stats.playlistRequests++;
                else stats.segmentRequests++;
                if (status != 200) stats.errors++;
                stats.responseTime.record(took);
            }
            if (wasPlaylist && status == 200) playlistLoaded(playlist.toString(StandardCharsets.UTF_8));
            if (wasPlaylist) schedulePollAfter(sentAt);
            if (closeAfter) {
                reopen();
                return;
            }
            sendNext();
        }

        /** Queues the segments listed since the last load (at the start, the newest alone). */
        private void playlistLoaded(String text) {
            Matcher target = TARGET_DURATION.matcher(text);
            if (target.find()) stats.pollMillis = Long.parseLong(target.group(1)) * 500;
            Matcher sequence = MEDIA_SEQUENCE.matcher(text);
            long first = sequence.find() ? Long.parseLong(sequence.group(1)) : 0;
            List<String> uris = text.lines().filter(l -> !l.isBlank() && !l.startsWith("#")).toList();
            long newest = first + uris.size() - 1;
            newestSequence = Math.max(newestSequence, newest);
            if (uris.isEmpty()) return;
            long from = lastFetched < 0 ? newest : Math.max(first, lastFetched + 1);
            for (long seq = from; seq <= newest; seq++) toFetch.add(resolve(uris.get((int) (seq - first))));
            lastFetched = Math.max(lastFetched, newest);
        }

        private String resolve(String uri) {
            if (uri.startsWith("/")) return uri;
            int scheme = uri.indexOf("://");
            return scheme >= 0 ? uri.substring(uri.indexOf('/', scheme + 3)) : directory + uri;
        }

        private void schedulePollAfter(long loadStartedAt) {
            if (queued) due.remove(this); // its place depends on nextPollAt; only after a failure is it still queued
            nextPollAt = loadStartedAt + (stats.pollMillis > 0 ? stats.pollMillis : 1_000) * 1_000_000;
            due.add(this);
            queued = true;
        }

        /** The request failed (or the connection broke): counted, and the player starts over on a new connection. */
        private void failed() {
            if (measuring()) stats.errors++;
            toFetch.clear();
            reopen();
            schedulePollAfter(System.nanoTime());
        }

        private void reopen() {
            close();
            busy = false;
            inBody = false;
            headLength = 0;
            connect();
        }

        private boolean measuring() {
            return schedule.measuring(System.nanoTime());
        }
    }
}
