package io.streamlet.servlet;

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
import static org.mockito.ArgumentMatchers.anyInt;
import static org.mockito.Mockito.atLeastOnce;
import static org.mockito.Mockito.doAnswer;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.verify;
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
import jakarta.servlet.AsyncContext;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.WriteListener;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.mockito.ArgumentCaptor;

/**
 * A player's close path ({@link Player}'s state machine) through the servlet transport, with the
 * container played by mocks: every way out completes the response exactly once, never while a write is in
 * flight, and leaves nothing attached to the source.
 */
class ServletPlayerTest {
    private static final StreamKey KEY = new StreamKey("live", "mock");

    private final Metrics metrics = new Metrics();
    private final SourceRegistry registry = new SourceRegistry(LiveConfig.defaults());
    private Players players = players(20_000);
    private final Publication publication;

    private final AsyncContext async = mock(AsyncContext.class);
    private final ServletOutputStream out = mock(ServletOutputStream.class);
    private final ByteArrayOutputStream written = new ByteArrayOutputStream();
    private final AtomicInteger completes = new AtomicInteger();
    /** Set while a mocked write runs: complete() must never see it set. */
    private final AtomicBoolean inWrite = new AtomicBoolean();
    private final AtomicBoolean completeOverlappedWrite = new AtomicBoolean();

    ServletPlayerTest() throws Exception {
        publication = registry.publish(KEY, "pub", () -> {});
        publication.onMessage(FlvTag.SCRIPT, 0, metadata(true, true));
        publication.onMessage(FlvTag.VIDEO, 0, avcSequenceHeader(1));
        publication.onMessage(FlvTag.AUDIO, 0, aacSequenceHeader());
        publication.onMessage(FlvTag.VIDEO, 0, avcFrame(true, 500));
        publication.onMessage(FlvTag.AUDIO, 10, aacFrame(50));

        ServletResponse response = mock(ServletResponse.class);
        when(async.getResponse()).thenReturn(response);
        when(response.getOutputStream()).thenReturn(out);
        when(out.isReady()).thenReturn(true);
        doAnswer(inv -> {
            if (inWrite.get()) completeOverlappedWrite.set(true);
            completes.incrementAndGet();
            return null;
        }).when(async).complete();
        doAnswer(inv -> {
            written.write(inv.<byte[]>getArgument(0), inv.<Integer>getArgument(1), inv.<Integer>getArgument(2));
            return null;
        }).when(out).write(any(byte[].class), anyInt(), anyInt());
    }

    private Players players(long stallTimeoutMs) {
        return new Players(new DeliveryConfig(16 * 1024, stallTimeoutMs, 1, 1000, 0, 0), metrics, EventLog.inline());
    }

    @AfterEach
    void stop() {
        players.close();
        registry.close();
    }

    /** Starts a player, as the servlet does: what the output takes at once is written on this (the request) thread. */
    private Player attach() throws IOException {
        return players.start("p1", "127.0.0.1", "127.0.0.1:5000", "http://x/live/mock.flv",
                FlvStreamServlet.KIND, registry.find(KEY), FlvEncoder::new, new ServletTransport(async, players.writeBatchBytes()));
    }

    /**
     * Starts a player and plays the container's first onWritePossible(), as a container does after
     * setWriteListener, though the player wrote on the request thread already.
     */
    private Player start() throws IOException {
        Player player = attach();
        listener().onWritePossible();
        return player;
    }

    /** Runs the container's first onWritePossible() on a thread of its own, as a container thread would. */
    private Thread onContainerThread(WriteListener listener) {
        Thread container = new Thread(() -> {
            try {
                listener.onWritePossible();
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        });
        container.start();
        return container;
    }

    private WriteListener listener() {
        ArgumentCaptor<WriteListener> captor = ArgumentCaptor.forClass(WriteListener.class);
        verify(out).setWriteListener(captor.capture());
        return captor.getValue();
    }

    private void awaitClosed(Player player) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (completes.get() == 0 && System.nanoTime() < deadline) Thread.sleep(5);
        Thread.sleep(50); // a second complete(), if the close path had one, would come now
        assertEquals(Player.State.CLOSED, player.state());
        assertEquals(1, completes.get(), "the response is completed exactly once");
        assertEquals(0, publication.source().consumerCount(), "the cursor left the source");
        assertEquals(0, players.count(), "the player left the registry");
        assertFalse(completeOverlappedWrite.get(), "complete() never overlaps a write");
    }

    @Test
    void writesTheJoinBurstAsValidFlvOnTheRequestThread() throws Exception {
        Player player = attach();
        FlvCollector got = new FlvCollector();
        got.feed(written.toByteArray(), 0, written.size());
        assertEquals(5, got.tags.size(), "metadata, two sequence headers, keyframe, audio: " + got.tags);
        assertEquals(Player.State.OPEN, player.state());
        verify(out, atLeastOnce()).flush();
        int burst = written.size();
        listener().onWritePossible(); // the container's own first call: nothing left for it
        assertEquals(burst, written.size());
    }

    @Test
    void writesTheJoinBurstOnTheContainersCallbackWhenTheOutputIsNotReadyAtFirst() throws Exception {
        when(out.isReady()).thenReturn(false, true);
        Player player = attach();
        assertEquals(0, written.size());
        listener().onWritePossible();
        FlvCollector got = new FlvCollector();
        got.feed(written.toByteArray(), 0, written.size());
        assertEquals(5, got.tags.size(), "metadata, two sequence headers, keyframe, audio: " + got.tags);
        assertEquals(Player.State.OPEN, player.state());
    }

    @Test
    void containerErrorDuringAWriteEndsThePlayerOnce() throws Exception {
        doAnswer(inv -> {
            throw new IOException("Broken pipe");
        }).when(out).write(any(byte[].class), anyInt(), anyInt());
        Player player = start();
        awaitClosed(player);
        listener().onError(new IOException("Broken pipe")); // the container reports it too: nothing more happens
        assertEquals(1, completes.get());
    }

    @Test
    void kickDuringAWriteCompletesOnlyAfterTheWriteReturned() throws Exception {
        CountDownLatch writing = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        doAnswer(inv -> {
            inWrite.set(true);
            writing.countDown();
            release.await(5, TimeUnit.SECONDS);
            inWrite.set(false);
            return null;
        }).when(out).write(any(byte[].class), anyInt(), anyInt());
        when(out.isReady()).thenReturn(false, true); // the first write is the container thread's
        Player player = attach();
        Thread container = onContainerThread(listener());
        assertTrue(writing.await(5, TimeUnit.SECONDS));
        player.close("kicked");
        Thread.sleep(100);
        assertEquals(0, completes.get(), "no complete() while the write is in flight");
        assertEquals(Player.State.CLOSING, player.state());
        release.countDown();
        container.join(5000);
        awaitClosed(player);
    }

    @Test
    void containerGoneDuringAWriteWaitsForTheWriterThenEnds() throws Exception {
        CountDownLatch writing = new CountDownLatch(1);
        doAnswer(inv -> {
            inWrite.set(true);
            writing.countDown();
            Thread.sleep(50); // a non-blocking write that takes a while
            inWrite.set(false);
            return null;
        }).when(out).write(any(byte[].class), anyInt(), anyInt());
        when(out.isReady()).thenReturn(false, true); // the first write is the container thread's
        Player player = attach();
        WriteListener listener = listener();
        Thread container = onContainerThread(listener);
        assertTrue(writing.await(5, TimeUnit.SECONDS));
        listener.onError(new IOException("Connection reset")); // Tomcat may recycle the response once this returns
        assertFalse(inWrite.get(), "onError returned only after the write left the output");
        container.join(5000);
        awaitClosed(player);
    }

    @Test
    void aStalledOutputIsClosedByTheWatchdogAndCounted() throws Exception {
        players.close();
        players = players(200);
        when(out.isReady()).thenReturn(false); // the client reads nothing: onWritePossible never comes
        Player player = start();
        awaitClosed(player);
        assertEquals(1, metrics.connectionErrors(Metrics.Protocol.HTTP_FLV, Metrics.ConnectionError.STALLED));
    }

    @Test
    void shutdownCompletesEveryPlayer() throws Exception {
        Player player = start();
        players.close();
        awaitClosed(player);
    }

    @Test
    void endOfStreamDeliversTheRestThenCompletes() throws Exception {
        Player player = start();
        publication.onMessage(FlvTag.VIDEO, 40, avcFrame(false, 300));
        publication.unpublish();
        awaitClosed(player);
        FlvCollector got = new FlvCollector();
        got.feed(written.toByteArray(), 0, written.size());
        assertEquals(6, got.tags.size(), "everything published, then the end: " + got.tags);
    }
}
