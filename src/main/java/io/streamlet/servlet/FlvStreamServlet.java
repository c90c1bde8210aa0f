package io.streamlet.servlet;

import io.streamlet.auth.AccessPolicy;
import io.streamlet.auth.AccessRequest;
import io.streamlet.config.ContextAttributes;
import io.streamlet.delivery.Player;
import io.streamlet.delivery.Players;
import io.streamlet.live.ClientIds;
import io.streamlet.live.LiveSource;
import io.streamlet.live.SourceRegistry;
import io.streamlet.live.StreamKey;
import io.streamlet.metrics.Metrics;
import io.streamlet.output.FlvEncoder;
import io.streamlet.relay.Pulls;
import io.streamlet.server.Streamlet;
import io.streamlet.websocket.FlvWebSocket;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves {@code GET /{app}/{stream}.flv} (SRS's default mount) as one endless HTTP-FLV response, or as
 * WebSocket-FLV when the request asks to upgrade ({@link FlvWebSocket}),
 * asynchronously: no thread is held per player; a {@link Player} moves the bytes of an {@link FlvEncoder}
 * through a {@link ServletTransport} when there are some and the client can take them.
 */
public final class FlvStreamServlet extends HttpServlet {
    private static final Logger log = LoggerFactory.getLogger(FlvStreamServlet.class);
    static final String CONTENT_TYPE = "video/x-flv";
    /** The context attribute under which a container offers Jakarta WebSocket (the spec's name). */
    private static final String WEBSOCKET_CONTAINER = "jakarta.websocket.server.ServerContainer";
    /**
     * Request attribute: the request waits for its stream to be pulled here and will come back in an ASYNC
     * dispatch (the auth filter then leaves the play's end to that dispatch).
     */
    static final String AWAITING_SOURCE = FlvStreamServlet.class.getName() + ".awaitingSource";
    static final Player.Kind KIND = new Player.Kind("http-flv", "flv-play", Metrics.Protocol.HTTP_FLV, true);
    /** A relay's pull (a cluster edge's, most often): the API lists it as type {@code edge}. */
    static final Player.Kind RELAY_KIND = new Player.Kind("http-flv", "edge", Metrics.Protocol.HTTP_FLV, true);

    private transient SourceRegistry registry;
    private transient Players players;
    private transient FlvMount mount;
    private transient AccessPolicy access;

    @Override
    public void init() throws ServletException {
        Streamlet streamlet = ContextAttributes.require(getServletContext()::getAttribute, Streamlet.class);
        registry = streamlet.registry();
        players = streamlet.delivery();
        access = streamlet.access();
        mount = ContextAttributes.require(getServletContext()::getAttribute, HttpConfig.class).flvMount();
    }

    @Override
    protected void doHead(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        if (findSource(req, resp) == null) return;
        writeHeaders(resp);
        // Committed now, the headers are those of the GET; left to the end, a container adds Content-Length: 0.
        resp.flushBuffer();
    }

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        LiveSource source = findSource(req, resp);
        if (source == null) return;
        if ("websocket".equalsIgnoreCase(req.getHeader("Upgrade"))) {
            if (req.getServletContext().getAttribute(WEBSOCKET_CONTAINER) == null) {
                // No Jakarta WebSocket in this container (a Jetty without its ee10-websocket-jakarta module): the
                // websocket package must not even be loaded then, its API classes are missing.
                log.warn("WebSocket-FLV request for {} refused: this container has no WebSocket support"
                        + " (Jetty: enable the ee10-websocket-jakarta module)", source.key());
                resp.sendError(HttpServletResponse.SC_NOT_IMPLEMENTED, "WebSocket is not available in this container");
                return;
            }
            AccessRequest authorized = req.getAttribute(AuthFilter.AUTHORIZED_PLAY) instanceof AccessRequest a ? a : null;
            Runnable onEnd = authorized == null ? () -> {} : () -> access.playEnded(authorized);
            if (FlvWebSocket.upgrade(req, resp, playerId(req), source, players, onEnd)) {
                req.setAttribute(AuthFilter.ENDS_WITH_WEBSOCKET, Boolean.TRUE);
            }
            return;
        }
        writeHeaders(resp);
        // Not flushed here: the headers go out with the join burst's first write (or alone, flushed by the
        // player once caught up, when the stream has nothing to send yet).
        AsyncContext async = req.startAsync();
        async.setTimeout(0); // live streams have no end; stalled players are closed by the watchdog
        String remote = req.getRemoteAddr() + ":" + req.getRemotePort();
        // The URL without its query, which may carry a secret.
        players.start(playerId(req), req.getRemoteAddr(), remote, req.getRequestURL().toString(),
                hopsOf(req) > 0 ? RELAY_KIND : KIND, source,
                FlvEncoder::new, new ServletTransport(async, players.writeBatchBytes()));
    }

    /**
     * The stream to serve, or null when the request was answered (404) or waits, asynchronously, for a pull
     * to bring the stream: it then comes back through the chain in an ASYNC dispatch, and finds it or not.
     */
    private LiveSource findSource(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        StreamKey key = keyOf(req, mount);
        LiveSource source = key == null ? null : registry.find(key);
        boolean waited = req.getAttribute(AWAITING_SOURCE) != null;
        req.removeAttribute(AWAITING_SOURCE);
        if (source == null && key != null && !waited) {
            CompletableFuture<LiveSource> pending = registry.awaitSource(key, hopsOf(req));
            if (!pending.isDone()) {
                req.setAttribute(AWAITING_SOURCE, Boolean.TRUE);
                AsyncContext async = req.startAsync();
                async.setTimeout(0); // the pull's own maxStreamWait bounds the wait
                pending.whenComplete((found, failure) -> redispatch(async));
                return null;
            }
            source = pending.join();
        }
        if (source == null) {
            resp.sendError(HttpServletResponse.SC_NOT_FOUND, "no live stream at this URL");
        }
        return source;
    }

    private static void redispatch(AsyncContext async) {
        try {
            async.dispatch();
        } catch (IllegalStateException gone) {
            log.debug("player left while its stream was being pulled: {}", gone.toString());
        }
    }

    /** The relays a request crossed ({@link Pulls#HOPS_HEADER}); 0 for a player, and for a value that is not a count. */
    private static int hopsOf(HttpServletRequest req) {
        String hops = req.getHeader(Pulls.HOPS_HEADER);
        try {
            return hops == null ? 0 : Math.max(0, Integer.parseInt(hops.trim()));
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    /** The client id the auth filter gave this play (so its log lines and hooks match the player's), or a new one. */
    private static String playerId(HttpServletRequest req) {
        return req.getAttribute(AuthFilter.AUTHORIZED_PLAY) instanceof AccessRequest authorized
                ? authorized.clientId() : ClientIds.next();
    }

    /**
     * The stream a request names through the configured mount, or null if it names none. The auth filter
     * judges requests by this very function, so a request is served as the stream it was authorized for.
     */
    static StreamKey keyOf(HttpServletRequest req, FlvMount mount) {
        return mount.keyOf(req.getServletPath() + (req.getPathInfo() == null ? "" : req.getPathInfo()));
    }

    private static void writeHeaders(HttpServletResponse resp) {
        resp.setStatus(HttpServletResponse.SC_OK);
        resp.setContentType(CONTENT_TYPE);
        resp.setHeader("Cache-Control", "no-cache, no-store");
        resp.setHeader("Pragma", "no-cache");
        resp.setHeader("Expires", "0");
    }
}
