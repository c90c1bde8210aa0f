package io.streamlet.websocket;

import io.streamlet.EventLog;
import static io.streamlet.testing.SyntheticMedia.aacFrame;
import static io.streamlet.testing.SyntheticMedia.aacSequenceHeader;
import static io.streamlet.testing.SyntheticMedia.avcFrame;
import static io.streamlet.testing.SyntheticMedia.avcSequenceHeader;
import static io.streamlet.testing.SyntheticMedia.metadata;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.Mockito.doAnswer;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.when;

import io.streamlet.delivery.DeliveryConfig;
import io.streamlet.delivery.Player;
import io.streamlet.delivery.Players;
import io.streamlet.flv.FlvTag;
import io.streamlet.live.LiveConfig;
import io.streamlet.live.Publication;
import io.streamlet.live.SourceRegistry;
import io.streamlet.live.StreamKey;
import io.streamlet.metrics.Metrics;
import io.streamlet.output.FlvEncoder;
import io.streamlet.testing.FlvCollector;
import jakarta.websocket.CloseReason;
import jakarta.websocket.RemoteEndpoint;
import jakarta.websocket.SendHandler;
import jakarta.websocket.SendResult;
import jakarta.websocket.Session;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A player's close path through the WebSocket transport, the session played by mocks: one binary message in
 * flight at a time is the back-pressure, its completion resumes the player, and every way out ends with one
 * close frame, never while a send is in flight.
 */
class WebSocketPlayerTest {
    private static final StreamKey KEY = new StreamKey("live", "ws");

    private final Metrics metrics = new Metrics();
    private final SourceRegistry registry = new SourceRegistry(LiveConfig.defaults());
    private final Players players = new Players(new DeliveryConfig(1024, 20_000, 1, 1000, 0, 0), metrics, EventLog.inline());
    private final Publication publication;

    private final Session session = mock(Session.class);
    private final RemoteEndpoint.Async remote = mock(RemoteEndpoint.Async.class);
    private final ByteArrayOutputStream sent = new ByteArrayOutputStream();
    /** Sends the mocked session has not completed yet: the test completes them, as the container would. */
    private final List<SendHandler> inFlight = new ArrayList<>();
    private final AtomicInteger closes = new AtomicInteger();
    private volatile boolean closedDuringSend;

    WebSocketPlayerTest() throws Exception {
        publication = registry.publish(KEY, "pub", () -> {});
        publication.onMessage(FlvTag.SCRIPT, 0, metadata(true, true));
        publication.onMessage(FlvTag.VIDEO, 0, avcSequenceHeader(1));
        publication.onMessage(FlvTag.AUDIO, 0, aacSequenceHeader());
        publication.onMessage(FlvTag.VIDEO, 0, avcFrame(true, 3000)); // more than one 1 KiB message
        publication.onMessage(FlvTag.AUDIO, 10, aacFrame(50));

        when(session.getAsyncRemote()).thenReturn(remote);
        when(session.isOpen()).thenReturn(true);
        doAnswer(inv -> {
            ByteBuffer data = inv.getArgument(0);
            byte[] b = new byte[data.remaining()];
            data.get(b);
            synchronized (this) {
                sent.writeBytes(b);
                inFlight.add(inv.getArgument(1));
            }
            return null;
        }).when(remote).sendBinary(any(ByteBuffer.class), any(SendHandler.class));
        doAnswer(inv -> {
            synchronized (this) {
                if (!inFlight.isEmpty()) closedDuringSend = true;
            }
            closes.incrementAndGet();
            return null;
        }).when(session).close(any(CloseReason.class));
    }

    @AfterEach
    void stop() {
        players.close();
        registry.close();
    }

    private Player start() {
        return players.start("w1", "127.0.0.1", "127.0.0.1:6000", "ws://x/live/ws.flv", FlvWebSocketEndpoint.KIND,
                registry.find(KEY), FlvEncoder::new, new WebSocketTransport(session));
    }

    /** Completes the oldest send, as the container does when the frame is out. */
    private void completeOneSend(boolean ok) {
        SendHandler handler;
        synchronized (this) {
            handler = inFlight.remove(0);
        }
        handler.onResult(ok ? new SendResult(session) : new SendResult(session, new IOException("Broken pipe")));
    }

    private synchronized int inFlight() {
        return inFlight.size();
    }

    private void await(java.util.function.BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (!condition.getAsBoolean() && System.nanoTime() < deadline) Thread.sleep(5);
        assertTrue(condition.getAsBoolean(), what);
    }

    @Test
    void oneMessageInFlightAtATimeAndEachCompletionSendsTheNext() throws Exception {
        Player player = start();
        assertEquals(1, inFlight(), "the first message waits for its completion");
        int messages = 1;
        while (inFlight() > 0) {
            completeOneSend(true);
            assertTrue(inFlight() <= 1, "never two sends at once");
            if (inFlight() == 1) messages++;
        }
        assertTrue(messages >= 4, "the join burst took several 1 KiB messages: " + messages);
        FlvCollector flv = new FlvCollector();
        byte[] bytes;
        synchronized (this) {
            bytes = sent.toByteArray();
        }
        flv.feed(bytes, 0, bytes.length);
        assertEquals(5, flv.tags.size(), "the whole join burst as FLV: " + flv.tags);
        assertEquals(Player.State.OPEN, player.state());
    }

    @Test
    void aKickDuringASendClosesOnlyAfterItCompleted() throws Exception {
        Player player = start();
        assertEquals(1, inFlight());
        player.close("kicked");
        Thread.sleep(100);
        assertEquals(0, closes.get(), "no close frame while a send is in flight");
        completeOneSend(true);
        await(() -> closes.get() == 1, "the close frame follows the send");
        assertFalse(closedDuringSend);
        assertEquals(Player.State.CLOSED, player.state());
        assertEquals(0, publication.source().consumerCount());
    }

    @Test
    void aFailedSendEndsThePlayerOnce() throws Exception {
        Player player = start();
        completeOneSend(false);
        await(() -> player.state() == Player.State.CLOSED, "a failed send ends the player");
        assertEquals(0, players.count());
        assertEquals(0, publication.source().consumerCount());
        assertTrue(closes.get() <= 1);
    }

    @Test
    void endOfStreamSendsTheRestThenACloseFrame() throws Exception {
        Player player = start();
        publication.unpublish();
        while (inFlight() > 0) completeOneSend(true);
        await(() -> closes.get() == 1, "a close frame at the end of the stream");
        assertEquals(Player.State.CLOSED, player.state());
        assertFalse(closedDuringSend);
    }
}
