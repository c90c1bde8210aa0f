package io.streamlet.nio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The selector loop on a real selector and loopback sockets: tasks, timers, ticks, ready keys and the end. */
class SelectorLoopTest {
    private final List<String> events = new CopyOnWriteArrayList<>();
    private final AtomicInteger ticks = new AtomicInteger();
    private final CountDownLatch closing = new CountDownLatch(1);
    private volatile SelectorLoop loop;

    private final SelectorLoop.Handler handler = new SelectorLoop.Handler() {
        @Override
        public void tick(long nowNanos) {
            ticks.incrementAndGet();
        }

        @Override
        public void closing() {
            events.add("closing on loop: " + loop.inLoop());
            closing.countDown();
        }
    };

    @AfterEach
    void tearDown() throws InterruptedException {
        if (loop != null) loop.close(5_000);
    }

    private SelectorLoop start(long tickMs) throws IOException {
        loop = new SelectorLoop("test", Selector.open(), tickMs, task -> new Thread(task, "selector-loop-test"), handler);
        loop.start();
        return loop;
    }

    @Test
    void runsTasksInOrderOnItsThreadAndTimersWhenDueUnlessCancelled() throws Exception {
        start(10_000);
        CountDownLatch done = new CountDownLatch(1);
        loop.execute(() -> events.add("first on loop: " + loop.inLoop()));
        loop.execute(() -> events.add("second"));
        SelectorLoop.Timer cancelled = loop.schedule(() -> events.add("cancelled timer"), 50);
        loop.schedule(() -> events.add("timer at 120 ms"), 120);
        loop.schedule(() -> {
            events.add("timer at 60 ms");
            done.countDown();
        }, 60);
        cancelled.cancel();
        assertFalse(loop.inLoop());
        assertTrue(done.await(5, TimeUnit.SECONDS));
        Thread.sleep(200);
        assertEquals(List.of("first on loop: true", "second", "timer at 60 ms", "timer at 120 ms"), events);
    }

    @Test
    void ticksAndHandlesReadyKeys() throws Exception {
        start(20);
        try (ServerSocketChannel server = ServerSocketChannel.open().bind(new InetSocketAddress("127.0.0.1", 0));
             SocketChannel client = SocketChannel.open(server.getLocalAddress());
             SocketChannel accepted = server.accept()) {
            accepted.configureBlocking(false);
            CountDownLatch registered = new CountDownLatch(1);
            loop.execute(() -> {
                try {
                    accepted.register(loop.selector(), SelectionKey.OP_READ, (SelectorLoop.Channel) key -> {
                        events.add("ready on loop: " + loop.inLoop() + ", readable: " + key.isReadable());
                        try {
                            ((SocketChannel) key.channel()).read(ByteBuffer.allocate(16));
                        } catch (IOException e) {
                            events.add("read failed");
                        }
                        key.cancel();
                    });
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
                registered.countDown();
            });
            assertTrue(registered.await(5, TimeUnit.SECONDS));
            client.write(ByteBuffer.wrap(new byte[] {1, 2, 3}));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (events.isEmpty() && System.nanoTime() < deadline) Thread.sleep(10);
            assertEquals(List.of("ready on loop: true, readable: true"), events);
        }
        Thread.sleep(200);
        assertTrue(ticks.get() >= 3, "a tick every 20 ms: " + ticks.get());
    }

    @Test
    void closeEndsTheLoopOnItsThreadAndRefusesLaterTasks() throws Exception {
        start(10_000);
        loop.close(5_000);
        assertTrue(closing.await(1, TimeUnit.SECONDS));
        assertEquals(List.of("closing on loop: true"), events);
        assertFalse(loop.selector().isOpen());
        assertThrows(RejectedExecutionException.class, () -> loop.execute(() -> events.add("too late")));
        loop.close(5_000); // idempotent
    }
}
