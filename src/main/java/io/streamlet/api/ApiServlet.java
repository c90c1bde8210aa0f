package io.streamlet.api;

import io.streamlet.Json;
import io.streamlet.config.ContextAttributes;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.streamlet.live.Client;
import io.streamlet.live.LiveSource;
import io.streamlet.relay.Forward;
import io.streamlet.relay.Pull;
import io.streamlet.server.Streamlet;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.URI;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP API under {@code /api/v1/}, in SRS's shapes so that SRS dashboards and scripts work: versions,
 * summaries, streams and clients (listed, paged with {@code start}/{@code count}, or one by id), and
 * {@code DELETE /api/v1/clients/{id}} to kick a publisher or a player; {@code /api/v1/forwards} and {@code /api/v1/pulls}, Streamlet's own.
 *
 * <p>Every answer is a JSON object with {@code code} 0 on success. An error has the matching HTTP status
 * and a non-zero {@code code}: SRS's 2048 for an unknown stream id and 2049 for an unknown client id,
 * otherwise the HTTP status itself; {@code message} says what went wrong.
 */
public final class ApiServlet extends HttpServlet {
    private static final Logger log = LoggerFactory.getLogger(ApiServlet.class);
    static final int STREAM_NOT_FOUND = 2048;
    static final int CLIENT_NOT_FOUND = 2049;
    /** SRS's default page size. */
    private static final int DEFAULT_COUNT = 10;
    private static final int MAX_COUNT = 10_000;
    /** What {@code GET /api/v1/} lists, as SRS does. */
    private static final Map<String, String> ENDPOINTS = endpoints();

    private transient Streamlet state;
    private transient TrafficSampler sampler;
    private transient SrsShapes shapes;
    private transient ApiEnvelope envelope;

    private static Map<String, String> endpoints() {
        Map<String, String> urls = new LinkedHashMap<>();
        urls.put("versions", "the version of Streamlet");
        urls.put("summaries", "this process and the machine: memory, CPU, traffic, connections");
        urls.put("streams", "the live streams, paged with start and count; /streams/{id} for one");
        urls.put("clients", "publishers and players, paged with start and count; /clients/{id} for one, DELETE to kick it");
        urls.put("forwards", "the streams pushed to other RTMP servers, paged with start and count");
        urls.put("pulls", "the streams pulled here from elsewhere (their upstream, bytes, state), paged with start and count");
        return Collections.unmodifiableMap(urls);
    }

    @Override
    public void init() {
        state = ContextAttributes.require(getServletContext()::getAttribute, Streamlet.class);
        sampler = new TrafficSampler(state);
        envelope = ApiEnvelope.of(getServletContext());
        shapes = new SrsShapes(state, sampler);
    }

    @Override
    public void destroy() {
        sampler.close();
    }

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        List<String> path = v1Path(req);
        if (path == null && apiPath(req).isEmpty()) {
            ApiEnvelope.send(resp, envelope.create().set("urls",
                    Json.MAPPER.createObjectNode().put("v1", "the API, version 1 (SRS's)")));
        } else if (path == null) {
            notFound(req, resp);
        } else if (path.isEmpty()) {
            ApiEnvelope.send(resp, envelope.create().set("urls", Json.MAPPER.valueToTree(ENDPOINTS)));
        } else if (path.size() == 1) {
            switch (path.get(0)) {
                case "versions" -> ApiEnvelope.send(resp, envelope.create().set("data", shapes.version()));
                case "summaries" -> ApiEnvelope.send(resp, envelope.create().set("data", shapes.summary()));
                case "streams" -> listStreams(req, resp);
                case "clients" -> listClients(req, resp);
                case "forwards" -> sendPage(req, resp, state.forwards() == null ? List.of() : state.forwards().forwards(),
                        "forwards", this::forward);
                case "pulls" -> sendPage(req, resp, state.pulls().pulls(), "pulls", this::pull);
                default -> notFound(req, resp);
            }
        } else if (path.size() == 2 && path.get(0).equals("streams")) {
            LiveSource stream = findStream(path.get(1));
            if (stream == null) {
                envelope.sendError(resp, HttpServletResponse.SC_NOT_FOUND, STREAM_NOT_FOUND,
                        "no stream with id '" + path.get(1) + "'");
            } else {
                ApiEnvelope.send(resp, envelope.create().set("stream", shapes.stream(stream)));
            }
        } else if (path.size() == 2 && path.get(0).equals("clients")) {
            Client client = state.findClient(path.get(1));
            if (client == null) {
                envelope.sendError(resp, HttpServletResponse.SC_NOT_FOUND, CLIENT_NOT_FOUND,
                        "no client with id '" + path.get(1) + "'");
            } else {
                ApiEnvelope.send(resp, envelope.create().set("client", shapes.client(client)));
            }
        } else {
            notFound(req, resp);
        }
    }

    /** Kicks a client: a publisher's stream ends, a player's response ends. */
    @Override
    protected void doDelete(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        List<String> path = v1Path(req);
        if (path == null || path.size() != 2 || !path.get(0).equals("clients")) {
            if (isResource(path)) {
                methodNotAllowed(resp);
            } else {
                notFound(req, resp);
            }
            return;
        }
        Client client = state.findClient(path.get(1));
        if (client == null) {
            envelope.sendError(resp, HttpServletResponse.SC_NOT_FOUND, CLIENT_NOT_FOUND,
                    "no client with id '" + path.get(1) + "'");
            return;
        }
        log.info("[{}] {} of {} kicked through the HTTP API by {}", client.id(), client.role().name().toLowerCase(Locale.ROOT),
                client.streamKey(), req.getRemoteAddr());
        client.close("kicked through the HTTP API");
        ApiEnvelope.send(resp, envelope.create());
    }

    @Override
    protected void doPost(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        methodNotAllowed(resp);
    }

    @Override
    protected void doPut(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        methodNotAllowed(resp);
    }

    /** True for a path the API serves (with some method): another method there is 405, not 404. */
    private static boolean isResource(List<String> path) {
        if (path == null) return false;
        if (path.isEmpty()) return true;
        String first = path.get(0);
        return path.size() == 1 && ENDPOINTS.containsKey(first)
                || path.size() == 2 && (first.equals("streams") || first.equals("clients"));
    }

    private void listStreams(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        sendPage(req, resp, state.streams(), "streams", shapes::stream);
    }

    private void listClients(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        sendPage(req, resp, state.clients(), "clients", shapes::client);
    }

    /** A forward, in the API's own shape (SRS has no forward API): what it pushes where, and how it fares. */
    private ObjectNode forward(Forward f) {
        ObjectNode node = Json.MAPPER.createObjectNode();
        node.put("id", f.id());
        node.put("stream", f.source().key().toString());
        node.put("stream_id", f.source().id());
        node.put("destination", f.destination());
        node.put("state", f.state().name().toLowerCase(Locale.ROOT));
        node.put("bytes", f.bytesSent());
        node.put("reconnects", f.reconnects());
        node.put("skipped", f.skips());
        node.put("dropped_tags", f.droppedTags());
        node.put("created_ms", f.createdAtMillis());
        return node;
    }

    /** A pull, in the API's own shape: which stream comes from which upstream, and how it fares. */
    private ObjectNode pull(Pull p) {
        ObjectNode node = Json.MAPPER.createObjectNode();
        node.put("id", p.id());
        node.put("stream", p.key().toString());
        URI upstream = p.upstreamUrl();
        node.put("upstream", upstream == null ? null : upstream.toString());
        node.put("state", p.state().name().toLowerCase(Locale.ROOT));
        node.put("bytes", p.bytesIn());
        node.put("reconnects", p.reconnects());
        node.put("hops", p.hops());
        node.put("always", p.isAlwaysOn());
        node.put("created_ms", p.startedAtMillis());
        return node;
    }

    /** SRS's envelope with the requested page of {@code all}, each shaped, as the array {@code field}. */
    private <T> void sendPage(HttpServletRequest req, HttpServletResponse resp, List<T> all, String field,
            Function<T, ? extends JsonNode> shape) throws IOException {
        List<T> page = page(req, resp, all);
        if (page == null) return;
        ObjectNode body = envelope.create();
        ArrayNode items = body.putArray(field);
        page.forEach(item -> items.add(shape.apply(item)));
        ApiEnvelope.send(resp, body);
    }

    /** The {@code start}/{@code count} slice of {@code all}, or null after answering 400 for a bad parameter. */
    private <T> List<T> page(HttpServletRequest req, HttpServletResponse resp, List<T> all) throws IOException {
        int start;
        int count;
        try {
            start = intParam(req, "start", 0, Integer.MAX_VALUE, 0);
            count = intParam(req, "count", 1, MAX_COUNT, DEFAULT_COUNT);
        } catch (IllegalArgumentException e) {
            envelope.sendError(resp, HttpServletResponse.SC_BAD_REQUEST, HttpServletResponse.SC_BAD_REQUEST, e.getMessage());
            return null;
        }
        if (start >= all.size()) return List.of();
        return all.subList(start, (int) Math.min(all.size(), (long) start + count));
    }

    private static int intParam(HttpServletRequest req, String name, int min, int max, int dflt) {
        String raw = req.getParameter(name);
        if (raw == null || raw.isBlank()) return dflt;
        try {
            int v = Integer.parseInt(raw.trim());
            if (v >= min && v <= max) return v;
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException(name + " must be a whole number from " + min + " to " + max + ", not '" + raw + "'");
    }

    private LiveSource findStream(String id) {
        return state.registry().sources().stream().filter(s -> s.id().equals(id)).findFirst().orElse(null);
    }

    /** The path below {@code /api/} as segments; trailing slashes are ignored (SRS clients send one). */
    private static List<String> apiPath(HttpServletRequest req) {
        String info = req.getPathInfo() == null ? "" : req.getPathInfo();
        List<String> segments = new ArrayList<>(List.of(info.split("/", -1)));
        segments.remove(0); // before the leading slash
        while (!segments.isEmpty() && segments.get(segments.size() - 1).isEmpty()) segments.remove(segments.size() - 1);
        return segments;
    }

    /** The path below {@code /api/v1/} as segments (empty for {@code /api/v1/} itself), or null outside v1. */
    private static List<String> v1Path(HttpServletRequest req) {
        List<String> segments = apiPath(req);
        return segments.isEmpty() || !segments.get(0).equals("v1") ? null : segments.subList(1, segments.size());
    }

    private void notFound(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        envelope.sendError(resp, HttpServletResponse.SC_NOT_FOUND, HttpServletResponse.SC_NOT_FOUND,
                "no API at " + req.getMethod() + " " + req.getRequestURI());
    }

    private void methodNotAllowed(HttpServletResponse resp) throws IOException {
        resp.setHeader("Allow", "GET, HEAD, DELETE, OPTIONS");
        envelope.sendError(resp, HttpServletResponse.SC_METHOD_NOT_ALLOWED, HttpServletResponse.SC_METHOD_NOT_ALLOWED,
                "the API takes GET, and DELETE on /api/v1/clients/{id}");
    }
}
