package io.streamlet.api;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.streamlet.Json;
import io.streamlet.config.ContextAttributes;
import io.streamlet.server.Streamlet;
import jakarta.servlet.ServletContext;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.concurrent.ThreadLocalRandom;

/**
 * What every answer of the API starts with, errors and 401s included, as in SRS: {@code code}, then
 * {@code server} (the {@code server_id} the hooks send too), {@code service} (new at each start) and
 * {@code pid}. One per webapp, shared by the API's servlets and the filter in front of them.
 */
final class ApiEnvelope {
    private static final String ATTRIBUTE = ApiEnvelope.class.getName();

    private final String server;
    private final String service = Long.toString(ThreadLocalRandom.current().nextLong(1L << 40, 1L << 41), 36);
    private final String pid = Long.toString(ProcessHandle.current().pid());

    private ApiEnvelope(String server) {
        this.server = server;
    }

    static ApiEnvelope of(ServletContext context) {
        synchronized (context) {
            ApiEnvelope envelope = (ApiEnvelope) context.getAttribute(ATTRIBUTE);
            if (envelope == null) {
                envelope = new ApiEnvelope(ContextAttributes.require(context::getAttribute, Streamlet.class).serverId());
                context.setAttribute(ATTRIBUTE, envelope);
            }
            return envelope;
        }
    }

    /** A new answer with {@code code} 0. */
    ObjectNode create() {
        ObjectNode o = Json.MAPPER.createObjectNode();
        o.put("code", 0);
        o.put("server", server);
        o.put("service", service);
        o.put("pid", pid);
        return o;
    }

    /**
     * Answers {@code status} with an error answer: the non-zero {@code code} (SRS's, or the status) and what
     * went wrong.
     */
    void sendError(HttpServletResponse resp, int status, int code, String message) throws IOException {
        resp.setStatus(status);
        send(resp, create().put("code", code).put("message", message));
    }

    /** Writes an answer as the body of {@code resp}, whose status is set. */
    static void send(HttpServletResponse resp, ObjectNode body) throws IOException {
        resp.setContentType("application/json");
        resp.setCharacterEncoding("UTF-8");
        resp.setHeader("Cache-Control", "no-store");
        Json.MAPPER.writeValue(resp.getOutputStream(), body);
    }
}
