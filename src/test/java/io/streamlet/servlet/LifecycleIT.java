package io.streamlet.servlet;

import static io.streamlet.testing.SyntheticMedia.sendFrames;
import static io.streamlet.testing.SyntheticMedia.sendHeaders;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.streamlet.live.LiveSource;
import io.streamlet.live.StreamKey;
import io.streamlet.testing.HttpFlvClient;
import io.streamlet.testing.RtmpTestPublisher;
import io.streamlet.testing.WebContainer;
import io.streamlet.testing.WebContainer.Webapp;
import io.streamlet.testing.WebContainer.WebappStartException;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.ref.WeakReference;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The webapp's life in a container, on Jetty and on Tomcat: start-up failures, undeploy (drain, then
 * nothing left behind), redeploys, and two instances side by side. Each test deploys its own instances
 * at {@code /app}-like paths into a container that also runs one at the root.
 */
@ParameterizedClass(name = "on {0}")
@EnumSource(WebContainer.Kind.class)
class LifecycleIT {
    private static final String THREAD_PREFIX = "streamlet-";
    private static final int REDEPLOYS = 20;

    @Parameter
    private WebContainer.Kind kind;
    private WebContainer container;

    @BeforeEach
    void start() throws Exception {
        container = kind.start(Map.of());
    }

    @AfterEach
    void stop() throws Exception {
        container.close();
    }

    @Test
    void badValueStopsTheWebappWithAMessageNamingTheKnob() throws Exception {
        Set<Thread> before = streamletThreads();
        WebappStartException e = assertThrows(WebappStartException.class,
                () -> container.deploy("/bad", Map.of("streamlet.rtmp.port", "abc")));
        assertTrue(causes(e).contains("invalid value 'abc' for streamlet.rtmp.port: expected a whole number"), causes(e));
        assertNotServed("/bad");
        assertNoThreadLeftSince(before, "a webapp that failed to start left no thread");
    }

    @Test
    void takenRtmpPortStopsTheWebappOrIfConfiguredStartsItWithoutIngest() throws Exception {
        try (ServerSocket taken = new ServerSocket()) {
            taken.bind(new InetSocketAddress("127.0.0.1", 0));
            String port = String.valueOf(taken.getLocalPort());
            Set<Thread> before = streamletThreads();

            WebappStartException e = assertThrows(WebappStartException.class,
                    () -> container.deploy("/taken", Map.of("streamlet.rtmp.port", port)));
            assertTrue(causes(e).contains("cannot listen for RTMP on 127.0.0.1:" + port), causes(e));
            assertTrue(causes(e).contains("streamlet.rtmp.failOnBindError=false"), causes(e));
            assertNotServed("/taken");
            assertNoThreadLeftSince(before, "a webapp that failed to start left no thread");

            Webapp withoutIngest = container.deploy("/taken",
                    Map.of("streamlet.rtmp.port", port, "streamlet.rtmp.failOnBindError", "false"));
            assertNull(withoutIngest.rtmpPortOrNull(), "started without RTMP");
            try (HttpFlvClient player = new HttpFlvClient(container.httpPort(), "GET", "/taken/live/x.flv")) {
                assertEquals(404, player.status, "its HTTP side works: no stream here");
            }
            withoutIngest.undeploy();
        }
    }

    @Test
    void undeployEndsEveryPlayerAfterWhatWasBufferedAndLeavesNothingBehind() throws Exception {
        Set<Thread> before = streamletThreads();
        Webapp app = container.deploy("/app", Map.of("streamlet.http.shutdownDrain", "10s"));
        int rtmpPort = app.rtmpPort();
        try (RtmpTestPublisher pub = RtmpTestPublisher.publish("127.0.0.1", rtmpPort, "live", "drain");
                HttpFlvClient player = new HttpFlvClient(container.httpPort(), "GET", "/app/live/drain.flv")) {
            sendHeaders(pub);
            sendFrames(pub, 0, 0, 30, 500);
            player.readTags(3 + 2, 5000);
            sendFrames(pub, 0, 30, 300, 2000); // 600 tags, ~0.6 MB the player has not read yet
            long tagsSent = 3 + 300 * 2;
            awaitTagsIn(app, "drain", tagsSent);

            CompletableFuture<Void> undeploy = CompletableFuture.runAsync(() -> undeployUnchecked(app));
            assertTrue(pub.awaitClosedByServer(), "the publisher is disconnected");
            assertTrue(player.readToEnd(10_000), "the terminating chunk ends the response");
            undeploy.get();
            // The player joined at frame 0's keyframe: it got everything, the buffered part included.
            assertEquals(tagsSent, player.flv.tags.size(), "every tag before the end");
        }
        assertPortFree(rtmpPort);
        assertNoThreadLeftSince(before, "every thread the webapp started has ended");
    }

    @Test
    void undeployClosesPlayersThatDoNotFinishWithinTheDrainTime() throws Exception {
        Set<Thread> before = streamletThreads();
        Webapp app = container.deploy("/app", Map.of("streamlet.http.shutdownDrain", "1s"));
        try (RtmpTestPublisher pub = RtmpTestPublisher.publish("127.0.0.1", app.rtmpPort(), "live", "stuck");
                HttpFlvClient stuck = new HttpFlvClient(container.httpPort(), "GET", "/app/live/stuck.flv")) {
            sendHeaders(pub);
            sendFrames(pub, 0, 0, 90, 100_000); // 9 MB: far more than the socket buffers take; never read
            LiveSource source = app.streamlet().registry().find(new StreamKey("live", "stuck"));
            long deadline = System.currentTimeMillis() + 10_000;
            while (source.tagsIn() < 3 + 90 * 2 && System.currentTimeMillis() < deadline) Thread.sleep(10); // all of it in
            long start = System.nanoTime();
            app.undeploy();
            long tookMs = (System.nanoTime() - start) / 1_000_000;
            assertTrue(tookMs >= 900 && tookMs < 6_000, "undeploy waited for the 1 s drain, then closed: " + tookMs + " ms");
        }
        assertNoThreadLeftSince(before, "every thread the webapp started has ended");
    }

    @Test
    void twoInstancesInOneContainerServeTheirOwnStreams() throws Exception {
        Webapp a = container.deploy("/a", Map.of());
        Webapp b = container.deploy("/b", Map.of());
        assertTrue(a.rtmpPort() != b.rtmpPort());
        try (RtmpTestPublisher pubA = RtmpTestPublisher.publish("127.0.0.1", a.rtmpPort(), "live", "s");
                RtmpTestPublisher pubB = RtmpTestPublisher.publish("127.0.0.1", b.rtmpPort(), "live", "s")) {
            sendHeaders(pubA);
            sendHeaders(pubB);
            sendFrames(pubA, 0, 0, 30, 1111);
            sendFrames(pubB, 0, 0, 30, 2222);
            for (var expected : Map.of("/a", 1111, "/b", 2222).entrySet()) {
                try (HttpFlvClient player = new HttpFlvClient(container.httpPort(), "GET", expected.getKey() + "/live/s.flv")) {
                    player.readTags(3 + 1, 5000);
                    assertEquals(expected.getValue(), player.flv.tags.get(3).body().length, expected.getKey() + "'s own stream");
                }
            }
        }
        a.undeploy();
        try (RtmpTestPublisher pubB = RtmpTestPublisher.publish("127.0.0.1", b.rtmpPort(), "live", "t")) {
            assertEquals("NetStream.Publish.Start", pubB.lastStatusCode(), "undeploying /a leaves /b running");
        }
        b.undeploy();
    }

    @Test
    void redeployingManyTimesLeavesNoThreadPortOrMemoryBehind() throws Exception {
        publishPlayAndUndeploy(container.deploy("/app", Map.of())); // warm-up: the containers' lazy parts
        int threadsBefore = ManagementFactory.getThreadMXBean().getThreadCount();
        long heapBefore = heapAfterGc();
        List<LogRecord> containerWarnings = new ArrayList<>();
        Handler warnings = new Handler() {
            @Override
            public void publish(LogRecord record) {
                if (record.getLevel().intValue() >= Level.WARNING.intValue()) containerWarnings.add(record);
            }

            @Override
            public void flush() {}

            @Override
            public void close() {}
        };
        // Tomcat's leak detector (WebappClassLoaderBase) reports threads a webapp left running through JUL.
        Logger.getLogger("").addHandler(warnings);
        List<WeakReference<Object>> undeployed = new ArrayList<>();
        long start = System.nanoTime();
        try {
            for (int i = 0; i < REDEPLOYS; i++) {
                Webapp app = container.deploy("/app", Map.of());
                undeployed.add(new WeakReference<>(app.servletContext().getClassLoader()));
                undeployed.add(new WeakReference<>(app.streamlet()));
                publishPlayAndUndeploy(app);
            }
        } finally {
            Logger.getLogger("").removeHandler(warnings);
        }
        long redeployMs = (System.nanoTime() - start) / 1_000_000;
        long heapAfter = heapAfterGc();
        int threadsAfter = ManagementFactory.getThreadMXBean().getThreadCount();
        System.out.printf("%s: %d redeploys in %d ms; threads %d -> %d; heap after GC %d KiB -> %d KiB%n", container,
                REDEPLOYS, redeployMs, threadsBefore, threadsAfter, heapBefore / 1024, heapAfter / 1024);

        assertTrue(containerWarnings.isEmpty(), () -> "container warnings: " + containerWarnings.stream()
                .map(r -> r.getLoggerName() + ": " + r.getMessage()).collect(Collectors.joining("\n")));
        assertTrue(undeployed.stream().allMatch(ref -> ref.get() == null),
                "every undeployed webapp's class loader and runtime were garbage-collected");
        assertTrue(threadsAfter <= threadsBefore, "no extra threads: " + threadsBefore + " -> " + threadsAfter);
        assertTrue(heapAfter - heapBefore < 8 * 1024 * 1024, "no heap growth: " + heapBefore + " -> " + heapAfter);
    }

    /** One publisher, one player; undeploy; the player got a clean end and the RTMP port is free again. */
    private void publishPlayAndUndeploy(Webapp app) throws Exception {
        int rtmpPort = app.rtmpPort();
        try (RtmpTestPublisher pub = RtmpTestPublisher.publish("127.0.0.1", rtmpPort, "live", "cycle");
                HttpFlvClient player = new HttpFlvClient(container.httpPort(), "GET", app.contextPath() + "/live/cycle.flv")) {
            sendHeaders(pub);
            sendFrames(pub, 0, 0, 30, 500);
            player.readTags(3 + 2, 5000);
            app.undeploy();
            assertTrue(player.readToEnd(5000), "the terminating chunk ends the response");
            assertTrue(pub.awaitClosedByServer(), "the publisher is disconnected");
        }
        assertPortFree(rtmpPort);
    }

    private void assertNotServed(String contextPath) throws IOException {
        try (HttpFlvClient player = new HttpFlvClient(container.httpPort(), "GET", contextPath + "/live/x.flv")) {
            assertTrue(player.status == 404 || player.status == 503, contextPath + " answered " + player.status);
        }
    }

    private static void awaitTagsIn(Webapp app, String stream, long tags) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 5000;
        var key = new io.streamlet.live.StreamKey("live", stream);
        while (app.streamlet().registry().find(key).tagsIn() < tags) {
            assertTrue(System.currentTimeMillis() < deadline, "the source did not receive " + tags + " tags");
            Thread.sleep(10);
        }
    }

    private static void undeployUnchecked(Webapp app) {
        try {
            app.undeploy();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static void assertPortFree(int port) throws IOException {
        try (ServerSocket again = new ServerSocket()) {
            again.bind(new InetSocketAddress("127.0.0.1", port)); // throws if anything still listens there
        }
    }

    /** Threads of other webapps may still be exiting: only those that appeared since {@code before} count. */
    private static void assertNoThreadLeftSince(Set<Thread> before, String message) {
        Set<Thread> left = streamletThreads();
        left.removeAll(before);
        assertEquals(Set.of(), left, message);
    }

    private static Set<Thread> streamletThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().startsWith(THREAD_PREFIX) && t.isAlive())
                .collect(Collectors.toSet());
    }

    private static long heapAfterGc() throws InterruptedException {
        var memory = ManagementFactory.getMemoryMXBean();
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(50);
        }
        return memory.getHeapMemoryUsage().getUsed();
    }

    /** The messages of {@code e} and all its causes, one per line. */
    private static String causes(Throwable e) {
        StringBuilder all = new StringBuilder();
        for (Throwable t = e; t != null; t = t.getCause()) all.append(t.getMessage()).append('\n');
        return all.toString();
    }
}
