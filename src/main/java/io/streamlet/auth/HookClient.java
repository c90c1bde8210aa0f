package io.streamlet.auth;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.streamlet.HttpClients;
import io.streamlet.Json;
import io.streamlet.metrics.Metrics;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Calls HTTP hooks with SRS's contract, so SRS hook backends work unchanged: a POST of a JSON object
 * ({@code action}, {@code client_id}, {@code ip}, {@code vhost}, {@code app}, {@code stream}, {@code param},
 * {@code tcUrl}, {@code stream_url}, {@code stream_id}, {@code server_id}, and {@code pageUrl} for players) to
 * each URL in turn; a URL agrees when it answers 200 or 201 with the body {@code 0} or a JSON object whose
 * {@code code} is 0.
 *
 * <p>Fully asynchronous: a call holds no thread while it waits, and the client's own threads are a small
 * fixed pool, so a backend that hangs costs each waiting client a connection until the timeout, never a thread.
 * (The JDK's client hands each finished call to the common pool, which on a machine of one or two cores runs
 * it on a short-lived thread of its own: one per answer, gone right after, never one per waiting call.)
 */
public final class HookClient implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(HookClient.class);
    /** SRS's name for the only vhost Streamlet has; backends written for SRS check it. */
    static final String DEFAULT_VHOST = "__defaultVhost__";
    private static final int THREADS = 2;

    /** Runs the client's work and the hooks' timeouts. */
    private final ScheduledThreadPoolExecutor executor;
    private final HttpClient http;
    private final Duration timeout;
    private final String serverId;
    private final Metrics metrics;

    /** @param serverId what every call sends as {@code server_id} */
    public HookClient(Duration timeout, String serverId, Metrics metrics) {
        AtomicInteger n = new AtomicInteger();
        this.executor = new ScheduledThreadPoolExecutor(THREADS, r -> {
            Thread t = new Thread(r, "streamlet-hooks-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        executor.setRemoveOnCancelPolicy(true); // a hook that answers in time leaves no timer behind
        this.http = HttpClients.build(HttpClient.newBuilder()
                .executor(executor)
                .connectTimeout(timeout)
                .version(HttpClient.Version.HTTP_1_1) // no h2c upgrade dance with simple hook backends
                .followRedirects(HttpClient.Redirect.NEVER));
        this.timeout = timeout;
        this.serverId = serverId;
        this.metrics = metrics;
    }

    /**
     * Asks each of {@code urls} in order, stopping at the first that does not agree. Completes (never
     * exceptionally) with null when all agreed, else with why not.
     */
    CompletableFuture<String> ask(String action, List<URI> urls, AccessRequest request) {
        byte[] body = body(action, request, Map.of());
        CompletableFuture<String> refusal = CompletableFuture.completedFuture(null);
        for (URI url : urls) {
            refusal = refusal.thenCompose(earlier -> earlier != null
                    ? CompletableFuture.completedFuture(earlier)
                    : post(action, url, body, request.clientId()));
        }
        return refusal;
    }

    /**
     * Tells each of {@code urls}, without waiting and whatever they answer (on_unpublish, on_stop, on_dvr, on_hls);
     * {@code fields} are added to the request's (on_dvr's {@code cwd} and {@code file}, on_hls's segment).
     */
    void tell(String action, List<URI> urls, AccessRequest request, Map<String, ?> fields) {
        byte[] body = body(action, request, fields);
        for (URI url : urls) post(action, url, body, request.clientId());
    }

    /**
     * Asks {@code url} for something (SRS's {@code on_forward}): completes with the answer's JSON object when it
     * agreed ({@code code} 0), or exceptionally with an {@link java.io.IOException} saying why not. Logs one line.
     */
    public CompletableFuture<JsonNode> query(String action, URI url, AccessRequest request) {
        return exchange(url, body(action, request, Map.of())).handle((response, failure) -> {
            String refusal = refusal(response, failure);
            log(action, url, request.clientId(), refusal);
            if (refusal != null) throw new CompletionException(new IOException("hook " + action + " " + refusal));
            try {
                return Json.MAPPER.readTree(response.body());
            } catch (JsonProcessingException e) {
                throw new CompletionException(e); // HookAnswer read it already: not reached
            }
        });
    }

    /** Posts once; completes with null if the hook agreed, else why not. Logs one line either way. */
    private CompletableFuture<String> post(String action, URI url, byte[] body, String clientId) {
        return exchange(url, body).handle((response, failure) -> {
            String refusal = refusal(response, failure);
            log(action, url, clientId, refusal);
            return refusal;
        });
    }

    private String refusal(HttpResponse<String> response, Throwable failure) {
        return failure == null ? HookAnswer.refusal(response.statusCode(), response.body()) : "no answer: " + describe(failure);
    }

    private void log(String action, URI url, String clientId, String refusal) {
        metrics.hookCalled(action, refusal == null);
        if (refusal == null) {
            log.info("[{}] hook {} {}: agreed", clientId, action, withoutQuery(url));
        } else {
            log.warn("[{}] hook {} {}: {}", clientId, action, withoutQuery(url), refusal);
        }
    }

    /** The POST of {@code body} to {@code url}, bounded by the timeout from request to the end of the answer. */
    private CompletableFuture<HttpResponse<String>> exchange(URI url, byte[] body) {
        HttpRequest httpRequest = HttpRequest.newBuilder(url)
                .timeout(timeout)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                .build();
        CompletableFuture<HttpResponse<String>> exchange = http.sendAsync(httpRequest, HttpResponse.BodyHandlers.ofString());
        // The request timeout ends with the response headers; this also bounds a body that never ends, and
        // cancelling the exchange closes its connection rather than leaving it to the backend. (Not orTimeout:
        // the JDK runs that on a thread of its own that lives as long as the JVM, which a webapp must not start.)
        CompletableFuture<HttpResponse<String>> bounded = exchange.copy();
        ScheduledFuture<?> timer = executor.schedule(() -> bounded.completeExceptionally(new TimeoutException()),
                timeout.toMillis(), TimeUnit.MILLISECONDS);
        return bounded.whenComplete((response, failure) -> {
            timer.cancel(false);
            if (failure != null) exchange.cancel(true);
        });
    }

    /** The JSON body of a hook call: SRS's fields of {@code request}, then {@code fields}. */
    byte[] body(String action, AccessRequest request, Map<String, ?> fields) {
        ObjectNode json = Json.MAPPER.createObjectNode();
        json.put("action", action);
        json.put("client_id", request.clientId());
        json.put("ip", request.ip());
        json.put("vhost", DEFAULT_VHOST);
        json.put("app", request.key().app());
        json.put("stream", request.key().stream());
        json.put("param", request.param());
        json.put("tcUrl", request.tcUrl());
        json.put("stream_url", request.streamPath());
        json.put("stream_id", request.streamId());
        json.put("server_id", serverId);
        if (request.pageUrl() != null) json.put("pageUrl", request.pageUrl());
        fields.forEach((name, value) -> json.set(name, Json.MAPPER.valueToTree(value)));
        try {
            return Json.MAPPER.writeValueAsBytes(json);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a tree of strings always serializes", e);
        }
    }

    private String describe(Throwable failure) {
        Throwable cause = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
        if (cause instanceof TimeoutException || cause instanceof HttpTimeoutException) return "timed out after " + timeout.toMillis() + " ms";
        if (cause instanceof ConnectException) return "connection refused";
        return cause.toString();
    }

    /** Hook URLs may carry a token in their query; the logs get the rest. */
    private static String withoutQuery(URI url) {
        return url.getScheme() + "://" + url.getHost() + (url.getPort() < 0 ? "" : ":" + url.getPort()) + url.getRawPath();
    }

    /** Stops the client's threads; hooks still in flight are dropped. */
    @Override
    public void close() {
        executor.shutdownNow();
        // Java 21+ stops the client's selector thread here; before that it ends once the client is collected.
        if (http instanceof AutoCloseable closeable) {
            try {
                closeable.close();
            } catch (Exception e) {
                log.debug("closing the hook HTTP client failed", e);
            }
        }
    }
}
