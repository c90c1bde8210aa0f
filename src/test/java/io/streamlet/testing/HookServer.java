package io.streamlet.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * An SRS-style hook backend for tests, on the JDK's HTTP server at 127.0.0.1: it records every JSON body
 * it is sent and answers according to its path and the {@code stream} named in the body, by default {@code 0}.
 */
public final class HookServer implements AutoCloseable {
    /** What the backend answers. */
    public enum Answer {
        /** 200 with the plain body {@code 0}, as SRS's samples do. */
        ALLOW_ZERO(200, "0"),
        /** 201 with {@code {"code":0}}. */
        ALLOW_JSON(201, "{\"code\": 0, \"msg\": \"ok\"}"),
        /** 200 with a non-zero code: no. */
        DENY(200, "{\"code\": 403}"),
        /** 200 with a body that is not JSON. */
        GARBAGE(200, "<html>oops</html>"),
        /** 200 with nothing in it. */
        EMPTY(200, ""),
        /** An error status even though the body says 0. */
        SERVER_ERROR(500, "0"),
        /** Never answers (until the server closes). */
        HANG(0, null);

        final int status;
        final String body;

        Answer(int status, String body) {
            this.status = status;
            this.body = body;
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpServer server;
    private final ExecutorService executor = Executors.newCachedThreadPool();
    private final CountDownLatch closing = new CountDownLatch(1);
    private final Map<String, Answer> answers = new ConcurrentHashMap<>();
    /** Every body received, by the path it was posted to, in order. */
    private final Map<String, BlockingQueue<JsonNode>> received = new ConcurrentHashMap<>();

    public HookServer() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", this::handle);
        server.setExecutor(executor);
        server.start();
    }

    /** The URL of a hook at {@code path} (e.g. {@code /on_publish}). */
    public URI url(String path) {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + path);
    }

    /** From now on, the hook at {@code path} answers {@code answer} about {@code stream}. */
    public HookServer answer(String path, String stream, Answer answer) {
        answers.put(path + " " + stream, answer);
        return this;
    }

    /** The next body posted to {@code path}, waiting up to {@code timeoutMs}; null if none came. */
    public JsonNode next(String path, long timeoutMs) throws InterruptedException {
        return queue(path).poll(timeoutMs, TimeUnit.MILLISECONDS);
    }

    private BlockingQueue<JsonNode> queue(String path) {
        return received.computeIfAbsent(path, p -> new LinkedBlockingQueue<>());
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            JsonNode body = JSON.readTree(exchange.getRequestBody().readAllBytes());
            String path = exchange.getRequestURI().getPath();
            queue(path).add(body);
            Answer answer = answers.getOrDefault(path + " " + body.path("stream").asText(), Answer.ALLOW_ZERO);
            if (answer == Answer.HANG) {
                closing.await();
                return;
            }
            byte[] bytes = answer.body.getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(answer.status, bytes.length == 0 ? -1 : bytes.length);
            exchange.getResponseBody().write(bytes);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        closing.countDown();
        server.stop(0);
        executor.shutdownNow();
    }
}
