package io.streamlet.servlet;

import io.streamlet.auth.AccessPolicy;
import io.streamlet.auth.AccessRequest;
import io.streamlet.auth.Decision;
import io.streamlet.config.ContextAttributes;
import io.streamlet.live.ClientIds;
import io.streamlet.live.LiveSource;
import io.streamlet.live.SourceRegistry;
import io.streamlet.live.StreamKey;
import io.streamlet.packager.HlsPackager;
import io.streamlet.packager.HlsPath;
import io.streamlet.packager.HlsSessions;
import io.streamlet.server.Streamlet;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpFilter;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Auth, second in the chain after CORS (SRS's order): a request for a stream ({@code /app/stream.flv}, or its
 * HLS: {@code /app/stream.m3u8} and segments, see {@link #filterHls}; each parsed by the very function its
 * servlet uses, so no spelling of a path can be judged as one stream and served as another) must pass the play
 * rules of the {@link AccessPolicy}; any other request (static files, the API) must pass the play IP rules. A
 * denied request gets 403 and goes no further.
 *
 * <p>While {@code on_play} hooks are asked, no container thread waits: the request goes async and, once
 * allowed, is dispatched again through the chain (this filter is mapped for ASYNC too), where the
 * {@link #AUTHORIZED_PLAY} attribute lets it straight through. The stream servlet starts its own async
 * response in that dispatch as in any other.
 *
 * <p>An allowed play ends when its response does, and the {@code on_stop} hooks are told then: at once for
 * an answer without body (HEAD, 404), when the async response completes for a player.
 */
public final class AuthFilter extends HttpFilter {
    private static final Logger log = LoggerFactory.getLogger(AuthFilter.class);
    /** Request attribute: the {@link AccessRequest} a play was allowed for; also gives the player its client id. */
    static final String AUTHORIZED_PLAY = AuthFilter.class.getName() + ".authorizedPlay";
    /** Request attribute set by the stream servlet when the play became a WebSocket: its session tells on_stop. */
    static final String ENDS_WITH_WEBSOCKET = AuthFilter.class.getName() + ".endsWithWebSocket";
    /** Request attribute: an HLS request allowed after its hooks answered, in its ASYNC dispatch. */
    private static final String AUTHORIZED_HLS = AuthFilter.class.getName() + ".authorizedHls";

    private transient AccessPolicy access;
    private transient FlvMount mount;
    private transient SourceRegistry registry;
    /** Null when HLS is off: its URLs are then nothing but files that do not exist. */
    private transient HlsPackager hls;

    @Override
    public void init() {
        Streamlet streamlet = ContextAttributes.require(getServletContext()::getAttribute, Streamlet.class);
        access = streamlet.access();
        mount = ContextAttributes.require(getServletContext()::getAttribute, HttpConfig.class).flvMount();
        registry = streamlet.registry();
        hls = streamlet.hls();
    }

    @Override
    protected void doFilter(HttpServletRequest req, HttpServletResponse resp, FilterChain chain)
            throws IOException, ServletException {
        AccessRequest authorized = (AccessRequest) req.getAttribute(AUTHORIZED_PLAY);
        if (authorized != null) { // the ASYNC dispatch after the hooks allowed the play
            play(authorized, req, resp, chain);
            return;
        }
        if (req.getAttribute(AUTHORIZED_HLS) != null) {
            chain.doFilter(req, resp);
            return;
        }
        StreamKey key = FlvStreamServlet.keyOf(req, mount);
        HlsPath hlsPath = key == null && hls != null ? HlsServlet.pathOf(req) : null;
        if (hlsPath != null) {
            filterHls(hlsPath, req, resp, chain);
            return;
        }
        if (key == null) {
            Decision decision = access.checkPlayAddress(req.getRemoteAddr());
            if (decision.allowed()) chain.doFilter(req, resp); else forbid(resp);
            return;
        }
        AccessRequest request = playRequest(req, key);
        CompletableFuture<Decision> decision = access.authorizePlay(request);
        if (decision.isDone()) { // no hook to ask: decided here and now, on this thread
            if (decision.join().allowed()) {
                req.setAttribute(AUTHORIZED_PLAY, request);
                play(request, req, resp, chain);
            } else {
                forbid(resp);
            }
            return;
        }
        AsyncContext async = req.startAsync();
        decision.thenAccept(d -> resumeAfterHooks(d, request, async));
    }

    /**
     * An HLS request (playlist, segment, initialization section) is judged as a play of its stream. While plays
     * are open to all, it simply goes through. Otherwise a play is a session ({@link HlsSessions}): a request
     * carrying a live session's token goes through (the IP rules still apply); any other is checked as a new
     * play (IP rules, signature, {@code on_play} hooks) and, if allowed, opens a session; a playlist request then
     * answers with a redirect to its URL with the token added, which the player keeps polling and which the
     * playlist carries on to its segments. Only the session's end (no request for a while) tells {@code on_stop}.
     */
    private void filterHls(HlsPath path, HttpServletRequest req, HttpServletResponse resp, FilterChain chain)
            throws IOException, ServletException {
        if (access.isPlayOpen()) {
            chain.doFilter(req, resp);
            return;
        }
        if (hls.sessions().touch(req.getParameter(HlsSessions.PARAM), path.key())) {
            if (access.checkPlayAddress(req.getRemoteAddr()).allowed()) chain.doFilter(req, resp); else forbid(resp);
            return;
        }
        AccessRequest request = playRequest(req, path.key());
        CompletableFuture<Decision> decision = access.authorizePlay(request);
        if (decision.isDone()) {
            if (!decision.join().allowed()) {
                forbid(resp);
            } else if (startHlsSession(request, path, req, resp)) {
                chain.doFilter(req, resp);
            }
            return;
        }
        AsyncContext async = req.startAsync();
        decision.thenAccept(d -> resumeHlsAfterHooks(d, request, path, async));
    }

    /** Opens an allowed HLS play's session; true when the request goes on to be served, false if redirected. */
    private boolean startHlsSession(AccessRequest request, HlsPath path, HttpServletRequest req, HttpServletResponse resp) {
        String token = hls.sessions().open(request);
        if (path.kind() != HlsPath.Kind.PLAYLIST) return true; // a segment fetched on its own: its session idles out
        String query = withoutParam(req.getQueryString(), HlsSessions.PARAM);
        // Set by hand: sendRedirect(String) differs between Servlet 6.0 and 6.1 containers.
        resp.setStatus(HttpServletResponse.SC_FOUND);
        resp.setHeader("Location", req.getRequestURI() + "?" + (query.isEmpty() ? "" : query + "&") + HlsSessions.PARAM + "=" + token);
        resp.setHeader("Cache-Control", "no-store");
        resp.setContentLength(0);
        return false;
    }

    /** On a hook client thread: serves the HLS request in an ASYNC dispatch, redirects it, or answers 403. */
    private void resumeHlsAfterHooks(Decision decision, AccessRequest request, HlsPath path, AsyncContext async) {
        try {
            HttpServletRequest req = (HttpServletRequest) async.getRequest();
            HttpServletResponse resp = (HttpServletResponse) async.getResponse();
            if (!decision.allowed()) {
                forbid(resp);
            } else if (startHlsSession(request, path, req, resp)) {
                req.setAttribute(AUTHORIZED_HLS, Boolean.TRUE);
                async.dispatch();
                return;
            }
            async.complete();
        } catch (IOException | IllegalStateException e) {
            log.debug("[{}] HLS request ended before the access decision: {}", request.clientId(), e.toString());
        }
    }

    /** {@code query} without any {@code name=...} parameter (an expired session's token); "" for none. */
    static String withoutParam(String query, String name) {
        if (query == null) return "";
        StringBuilder kept = new StringBuilder();
        for (String part : query.split("&")) {
            if (part.isEmpty() || part.equals(name) || part.startsWith(name + "=")) continue;
            if (kept.length() > 0) kept.append('&');
            kept.append(part);
        }
        return kept.toString();
    }

    /** On a hook client thread: lets the request through the chain again, or answers 403. */
    private static void resumeAfterHooks(Decision decision, AccessRequest request, AsyncContext async) {
        try {
            if (decision.allowed()) {
                async.getRequest().setAttribute(AUTHORIZED_PLAY, request);
                async.dispatch();
            } else {
                forbid((HttpServletResponse) async.getResponse());
                async.complete();
            }
        } catch (IOException | IllegalStateException e) {
            // The client left while the hooks were asked; the container has ended the request.
            log.debug("[{}] request ended before the access decision: {}", request.clientId(), e.toString());
        }
    }

    /** Serves an allowed play and tells the on_stop hooks when its response has ended. */
    private void play(AccessRequest request, HttpServletRequest req, HttpServletResponse resp, FilterChain chain)
            throws IOException, ServletException {
        try {
            chain.doFilter(req, resp);
        } finally {
            boolean endsLater = req.getAttribute(ENDS_WITH_WEBSOCKET) != null
                    || req.getAttribute(FlvStreamServlet.AWAITING_SOURCE) != null // its ASYNC dispatch comes back here
                    || req.isAsyncStarted() && endsWithAsyncResponse(req.getAsyncContext(), request);
            if (!endsLater) access.playEnded(request);
        }
    }

    /** False if the async response has already ended, so the caller must tell of the end itself. */
    private boolean endsWithAsyncResponse(AsyncContext async, AccessRequest request) {
        try {
            async.addListener(new AsyncListener() {
                @Override
                public void onComplete(AsyncEvent event) {
                    access.playEnded(request);
                }

                @Override
                public void onTimeout(AsyncEvent event) {}

                @Override
                public void onError(AsyncEvent event) {}

                @Override
                public void onStartAsync(AsyncEvent event) {}
            });
            return true;
        } catch (IllegalStateException completedMeanwhile) {
            return false;
        }
    }

    private AccessRequest playRequest(HttpServletRequest req, StreamKey key) {
        Map<String, String> params = new LinkedHashMap<>();
        req.getParameterMap().forEach((name, values) -> params.put(name, values.length == 0 ? "" : values[0]));
        int port = req.getServerPort();
        boolean defaultPort = port == ("https".equals(req.getScheme()) ? 443 : 80);
        String tcUrl = req.getScheme() + "://" + req.getServerName() + (defaultPort ? "" : ":" + port)
                + req.getContextPath() + "/" + key.app();
        String referer = req.getHeader("Referer");
        LiveSource source = registry.find(key);
        return new AccessRequest(ClientIds.next(), req.getRemoteAddr(), key, params, tcUrl,
                referer == null ? "" : referer, source == null ? "" : source.publisherId());
    }

    /** 403 with a body that says no more than that: the reason is in the log, not for the client. */
    private static void forbid(HttpServletResponse resp) throws IOException {
        resp.setStatus(HttpServletResponse.SC_FORBIDDEN);
        resp.setContentType("text/plain;charset=utf-8");
        resp.setHeader("Cache-Control", "no-store");
        resp.getOutputStream().write("forbidden\n".getBytes(StandardCharsets.UTF_8));
    }
}
