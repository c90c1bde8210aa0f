package io.streamlet.api;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.streamlet.Json;
import io.streamlet.config.ContextAttributes;
import io.streamlet.live.StreamKey;
import io.streamlet.record.Recorders;
import io.streamlet.record.Recording;
import io.streamlet.server.Streamlet;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Recording through the HTTP API, under {@code /api/v1/dvr/}: {@code GET} lists the recordings in progress,
 * {@code POST /api/v1/dvr/{app}/{stream}} starts recording a live stream (whatever {@code streamlet.dvr.*}
 * selects), {@code DELETE} on the same path stops it, closing its file. Answers as the rest of the API:
 * a JSON object with {@code code} 0, or the HTTP status as {@code code} with a {@code message}.
 */
public final class DvrApiServlet extends HttpServlet {
    private static final Logger log = LoggerFactory.getLogger(DvrApiServlet.class);

    private transient Recorders recorders;
    private transient ApiEnvelope envelope;

    @Override
    public void init() {
        envelope = ApiEnvelope.of(getServletContext());
        recorders = ContextAttributes.require(getServletContext()::getAttribute, Streamlet.class).recorders();
    }

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        if (!path(req).isEmpty()) {
            error(resp, HttpServletResponse.SC_NOT_FOUND, "GET lists every recording: /api/v1/dvr/");
            return;
        }
        ObjectNode body = envelope.create();
        ArrayNode list = body.putArray("recordings");
        recorders.recordings().forEach(r -> list.add(shape(r)));
        ApiEnvelope.send(resp, body);
    }

    @Override
    protected void doPost(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        StreamKey key = streamKey(req, resp);
        if (key == null) return;
        Recording recording = recorders.start(key);
        if (recording == null) {
            error(resp, HttpServletResponse.SC_NOT_FOUND, "nobody publishes " + key);
            return;
        }
        log.info("[{}] recording of {} asked for through the HTTP API by {}", recording.id(), key, req.getRemoteAddr());
        ApiEnvelope.send(resp, envelope.create().set("recording", shape(recording)));
    }

    @Override
    protected void doDelete(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        StreamKey key = streamKey(req, resp);
        if (key == null) return;
        if (!recorders.stop(key)) {
            error(resp, HttpServletResponse.SC_NOT_FOUND, key + " is not being recorded");
            return;
        }
        log.info("recording of {} stopped through the HTTP API by {}", key, req.getRemoteAddr());
        ApiEnvelope.send(resp, envelope.create());
    }

    @Override
    protected void doPut(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        resp.setHeader("Allow", "GET, HEAD, POST, DELETE, OPTIONS");
        error(resp, HttpServletResponse.SC_METHOD_NOT_ALLOWED, "recordings take GET, POST and DELETE");
    }

    private ObjectNode shape(Recording r) {
        ObjectNode o = Json.MAPPER.createObjectNode();
        o.put("id", r.id());
        o.put("app", r.key().app());
        o.put("stream", r.key().stream());
        o.put("plan", r.plan().knobValue());
        o.put("file", r.file() == null ? null : r.file().toString());
        o.put("files_closed", r.filesClosed());
        o.put("bytes", r.bytes());
        o.put("started_ms", r.startedAtMillis());
        return o;
    }

    /** The {@code {app}/{stream}} of the path, or null after answering why it is not one. */
    private StreamKey streamKey(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        List<String> path = path(req);
        if (path.size() == 2 && StreamKey.isValidName(path.get(0)) && StreamKey.isValidName(path.get(1))) {
            return new StreamKey(path.get(0), path.get(1));
        }
        error(resp, HttpServletResponse.SC_NOT_FOUND, "expected /api/v1/dvr/{app}/{stream}");
        return null;
    }

    /** The path under {@code /api/v1/dvr/} as segments; a trailing slash is ignored. */
    private static List<String> path(HttpServletRequest req) {
        String rest = req.getPathInfo() == null ? "" : req.getPathInfo();
        while (rest.startsWith("/")) rest = rest.substring(1);
        while (rest.endsWith("/")) rest = rest.substring(0, rest.length() - 1);
        return rest.isEmpty() ? List.of() : List.of(rest.split("/", -1));
    }

    private void error(HttpServletResponse resp, int status, String message) throws IOException {
        envelope.sendError(resp, status, status, message);
    }
}
