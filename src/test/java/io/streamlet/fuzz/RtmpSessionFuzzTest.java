package io.streamlet.fuzz;

import io.streamlet.EventLog;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.streamlet.auth.AccessPolicy;
import io.streamlet.auth.Decision;
import io.streamlet.ingest.RtmpSession;
import io.streamlet.live.LiveCursor;
import io.streamlet.live.LiveSource;
import io.streamlet.metrics.Metrics;
import io.streamlet.output.FlvEncoder;
import io.streamlet.server.StreamletConfig;
import io.streamlet.live.SourceRegistry;
import io.streamlet.rtmp.Command;
import io.streamlet.rtmp.RtmpMessage;
import io.streamlet.rtmp.RtmpProtocolException;
import java.nio.ByteBuffer;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * A whole publishing connection after the handshake: a valid {@code connect}, {@code createStream} and
 * {@code publish}, then fuzzed messages (seeds: what ffmpeg publishes), into a real {@link RtmpSession}
 * and {@link SourceRegistry}, with two players attached, one from the start and one joining halfway.
 * Whatever comes in, the session either goes on or ends the connection (a protocol error, or a disconnect
 * it asks for), and every player's byte stream stays valid FLV ({@link FlvPlayerStream}).
 *
 * <p>Input: records of a message type (1 byte), an RTMP timestamp (4 bytes), a payload length (2 bytes)
 * and the payload, all big-endian, one after the other; a record cut short ends the input.
 */
class RtmpSessionFuzzTest {
    private static final String APP = "live";
    private static final String STREAM = "fuzz";
    private static final int MESSAGE_STREAM = 1;

    /** Small windows and queues, so that the fuzzer reaches skips and trims within a short input. */
    private static final StreamletConfig CONFIG = StreamletConfig.load(Map.of(
            "streamlet.live.queueLength", "500ms",
            "streamlet.live.maxQueueBytes", "64KiB",
            "streamlet.live.logCapacity", "64",
            "streamlet.live.logMaxBytes", "64KiB",
            "streamlet.live.gopCacheMaxFrames", "32",
            "streamlet.live.trackGuess", "200ms")::get);

    /** A session's peer that only remembers whether the session ended the connection. */
    private static final class Connection implements RtmpSession.Peer {
        boolean ended;

        @Override
        public void send(RtmpMessage message) {}

        @Override
        public void disconnect(String reason) {
            ended = true;
        }

        @Override
        public void abort(String reason) {
            ended = true;
        }

        @Override
        public void await(CompletableFuture<Decision> decision, Consumer<Decision> then) {
            then.accept(decision.join()); // no hooks: decided at once
        }

        @Override
        public void play(LiveSource source, int streamId) {
            throw new AssertionError("a publisher does not play");
        }
    }

    /** One player: a consumer of the source and the checker of the bytes it produces. */
    private static final class Player {
        private static final byte[] buffer = new byte[4096];
        final FlvEncoder consumer;
        final FlvPlayerStream stream = new FlvPlayerStream();
        /** Bytes asked of each read: some players read whole batches, some a tag header at a time. */
        final int readSize;
        boolean ended;

        Player(LiveSource source, String id, int readSize) {
            this.consumer = new FlvEncoder(source.subscribe(id, LiveCursor.Mode.LOSSY, () -> {}));
            this.readSize = readSize;
        }

        void drain() {
            while (!ended) {
                int n = consumer.read(buffer, 0, readSize);
                if (n < 0) ended = true;
                if (n <= 0) return;
                stream.feed(buffer, 0, n);
            }
        }
    }

    @FuzzTest
    void publish(byte[] input) throws RtmpProtocolException {
        try (SourceRegistry registry = new SourceRegistry(CONFIG.live())) {
            Connection connection = new Connection();
            RtmpSession session = new RtmpSession("fuzz-client", "127.0.0.1", CONFIG.rtmp(), registry,
                    new AccessPolicy(CONFIG.auth(), new Metrics(), Clock.systemUTC(), EventLog.inline()), connection);
            session.onMessage(Command.of("connect", 1, Map.of("app", APP, "tcUrl", "rtmp://127.0.0.1/" + APP))
                    .toMessage(Command.CONNECTION_CSID, 0));
            session.onMessage(Command.of("createStream", 2, null).toMessage(Command.CONNECTION_CSID, 0));
            session.onMessage(Command.of("publish", 3, null, STREAM, APP).toMessage(Command.STREAM_CSID, MESSAGE_STREAM));
            if (!session.isPublishing()) throw new AssertionError("the valid prefix did not start publishing");

            List<Player> players = new ArrayList<>();
            LiveSource source = registry.find(session.streamKey());
            players.add(new Player(source, "player-1", 4096));
            ByteBuffer records = ByteBuffer.wrap(input);
            boolean joined = false;
            while (records.remaining() >= 7 && !connection.ended) {
                int type = records.get() & 0xFF;
                long timestamp = records.getInt() & RtmpMessage.UINT32_MASK;
                int length = Math.min(records.getShort() & 0xFFFF, records.remaining());
                byte[] payload = new byte[length];
                records.get(payload);
                try {
                    session.onMessage(new RtmpMessage(Command.STREAM_CSID, type, timestamp, MESSAGE_STREAM, payload));
                } catch (RtmpProtocolException refused) {
                    break; // the connection would close: declared
                }
                LiveSource now = registry.find(session.streamKey());
                if (now != null && now != source) { // republished after an unpublish: a new source, new players
                    source = now;
                    players.add(new Player(source, "player-" + (players.size() + 1), 4096));
                }
                if (!joined && records.position() > input.length / 2 && !source.isEnded()) {
                    joined = true;
                    players.add(new Player(source, "late-player", 11));
                }
                for (Player p : players) p.drain();
            }
            session.close();
            for (Player p : players) p.drain();
        }
    }
}
