package io.streamlet.servlet;

import io.streamlet.StreamletConfig;
import io.streamlet.auth.AccessRequest;
import io.streamlet.live.ClientIds;
import io.streamlet.live.LiveSource;
import io.streamlet.live.SourceRegistry;
import io.streamlet.live.StreamKey;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves {@code GET /{app}/{stream}.flv} (SRS's default mount) as one endless HTTP-FLV response,
 * asynchronously: no thread is held per player; an {@link FlvPlayer} moves bytes when there are some
 * and the client can take them.
 */
public final class FlvStreamServlet extends HttpServlet {
    private static final Logger log = LoggerFactory.getLogger(FlvStreamServlet.class);
    static final String CONTENT_TYPE = "video/x-flv";

    private transient SourceRegistry registry;
    private transient Players players;
    private transient StreamletConfig config;

    @Override
    public void init() throws ServletException {
        StreamletListener.Runtime runtime = StreamletListener.runtime(getServletContext());
        registry = runtime.registry();
        players = runtime.players();
        config = runtime.config();
    }

    @Override
    protected void doHead(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        if (findSource(req, resp) != null) writeHeaders(resp);
    }

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        LiveSource source = findSource(req, resp);
        if (source == null) return;
        writeHeaders(resp);
        resp.flushBuffer(); // the player learns at once that the stream exists, even before its first keyframe
        AsyncContext async = req.startAsync();
        async.setTimeout(0); // live streams have no end; stalled players are closed by the watchdog
        String id = playerId(req);
        String remote = req.getRemoteAddr() + ":" + req.getRemotePort();
        FlvPlayer player = new FlvPlayer(id, remote, async, source, players, registry.metrics());
        players.add(player);
        log.info("[{}] player of {} from {} started", id, source.key(), remote);
        player.start();
    }

    private LiveSource findSource(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        StreamKey key = keyOf(req, config.flvMount());
        LiveSource source = key == null ? null : registry.find(key);
        if (source == null) {
            resp.sendError(HttpServletResponse.SC_NOT_FOUND, "no live stream at this URL");
        }
        return source;
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
