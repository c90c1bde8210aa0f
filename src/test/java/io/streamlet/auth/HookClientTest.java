package io.streamlet.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.streamlet.metrics.Metrics;
import io.streamlet.live.StreamKey;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URL;
import java.net.URLClassLoader;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class HookClientTest {
    /**
     * Tomcat's leak check at undeploy: every thread still alive whose context class loader is the webapp's.
     * The JDK's HTTP client has a selector thread that Java 17 cannot stop, so it must not carry that loader.
     */
    @Test
    void afterCloseNoThreadIsLeftWithTheWebappsClassLoader() throws Exception {
        ClassLoader webapp = new URLClassLoader(new URL[0], getClass().getClassLoader());
        Thread current = Thread.currentThread();
        ClassLoader before = current.getContextClassLoader();
        current.setContextClassLoader(webapp); // as in a container, which runs the webapp's start and stop so
        try {
            HookClient hooks = new HookClient(Duration.ofSeconds(2), "vid-test", new Metrics());
            URI refusing = URI.create("http://127.0.0.1:" + unusedPort() + "/on_publish");
            AccessRequest request = new AccessRequest("c1", "127.0.0.1", new StreamKey("live", "s"), Map.of(),
                    "rtmp://127.0.0.1/live", null, "c1");
            assertEquals("no answer: connection refused", hooks.ask("on_publish", List.of(refusing), request).join());
            hooks.close();
        } finally {
            current.setContextClassLoader(before);
        }
        long deadline = System.currentTimeMillis() + 5_000;
        List<String> left;
        while (!(left = threadsOf(webapp)).isEmpty() && System.currentTimeMillis() < deadline) Thread.sleep(20);
        assertTrue(left.isEmpty(), "threads with the webapp's class loader after close: " + left);
    }

    private static List<String> threadsOf(ClassLoader loader) {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.isAlive() && t != Thread.currentThread() && t.getContextClassLoader() == loader)
                .map(Thread::getName).toList();
    }

    private static int unusedPort() throws Exception {
        try (ServerSocket socket = new ServerSocket()) {
            socket.bind(new InetSocketAddress("127.0.0.1", 0));
            return socket.getLocalPort();
        }
    }
}
