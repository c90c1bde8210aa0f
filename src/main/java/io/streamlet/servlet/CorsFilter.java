package io.streamlet.servlet;

import io.streamlet.config.ContextAttributes;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpFilter;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * CORS, first in the chain like SRS's {@code crossdomain on}: only requests that carry {@code Origin}
 * get CORS headers, and only for an allowed origin; a preflight is answered here and goes no further
 * (it never reaches auth or a stream). Headers are set before the rest of the chain runs, so a 403 or 404
 * from further down still carries them and a page's script can read it.
 */
public final class CorsFilter extends HttpFilter {
    private static final Logger log = LoggerFactory.getLogger(CorsFilter.class);
    private static final String ALLOW_METHODS = "GET, HEAD, OPTIONS, POST, PUT, DELETE";
    private static final String ALLOW_HEADERS = "Origin, Range, Content-Type, Authorization, Accept, X-Requested-With";
    private static final String EXPOSE_HEADERS = "Content-Length, Content-Range, Content-Type, Server";

    private transient boolean enabled;
    private transient boolean anyOrigin;
    private transient List<String> allowOrigins;

    @Override
    public void init() {
        HttpConfig config = ContextAttributes.require(getServletContext()::getAttribute, HttpConfig.class);
        enabled = config.corsEnabled();
        anyOrigin = config.corsAllowOrigins().contains("*");
        // Browsers send an origin without a trailing slash; a configured "https://a.example/" means the same.
        allowOrigins = config.corsAllowOrigins().stream().map(o -> o.endsWith("/") ? o.substring(0, o.length() - 1) : o).toList();
    }

    @Override
    protected void doFilter(HttpServletRequest req, HttpServletResponse resp, FilterChain chain)
            throws IOException, ServletException {
        if (!enabled) {
            chain.doFilter(req, resp);
            return;
        }
        // With a list of origins the answer depends on Origin, even for a request without one: a cache must
        // not give a response made for one origin (or none) to another.
        if (!anyOrigin) resp.addHeader("Vary", "Origin");
        String origin = req.getHeader("Origin");
        if (origin == null) {
            chain.doFilter(req, resp);
            return;
        }
        boolean allowed = anyOrigin || allowOrigins.contains(origin);
        if (!allowed && "websocket".equalsIgnoreCase(req.getHeader("Upgrade"))) {
            // CORS headers mean nothing to a WebSocket: the browser opens it whatever they say, so refuse here.
            log.warn("WebSocket request for {} from origin {} refused: not in streamlet.cors.allowOrigins",
                    req.getRequestURI(), origin);
            resp.sendError(HttpServletResponse.SC_FORBIDDEN, "origin not allowed");
            return;
        }
        if (allowed) {
            resp.setHeader("Access-Control-Allow-Origin", anyOrigin ? "*" : origin);
            resp.setHeader("Access-Control-Expose-Headers", EXPOSE_HEADERS);
        }
        if ("OPTIONS".equals(req.getMethod()) && req.getHeader("Access-Control-Request-Method") != null) {
            if (allowed) {
                resp.setHeader("Access-Control-Allow-Methods", ALLOW_METHODS);
                resp.setHeader("Access-Control-Allow-Headers", ALLOW_HEADERS);
                resp.setHeader("Access-Control-Max-Age", "86400");
                if ("true".equals(req.getHeader("Access-Control-Request-Private-Network"))) {
                    resp.setHeader("Access-Control-Allow-Private-Network", "true");
                }
            }
            resp.setStatus(HttpServletResponse.SC_NO_CONTENT);
            return;
        }
        chain.doFilter(req, resp);
    }
}
