package io.streamlet.servlet;

import io.streamlet.StreamletConfig;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpFilter;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.List;

/**
 * CORS, first in the chain like SRS's {@code crossdomain on}: only requests that carry {@code Origin}
 * get CORS headers, and only for an allowed origin; a preflight is answered here and goes no further.
 */
public final class CorsFilter extends HttpFilter {
    private static final String ALLOW_METHODS = "GET, HEAD, OPTIONS, POST, PUT, DELETE";
    private static final String ALLOW_HEADERS = "Origin, Range, Content-Type, Authorization, Accept, X-Requested-With";
    private static final String EXPOSE_HEADERS = "Content-Length, Content-Range, Content-Type, Server";

    private transient boolean enabled;
    private transient List<String> allowOrigins;

    @Override
    public void init() {
        StreamletConfig config = StreamletListener.runtime(getServletContext()).config();
        enabled = config.corsEnabled();
        allowOrigins = config.corsAllowOrigins();
    }

    @Override
    protected void doFilter(HttpServletRequest req, HttpServletResponse resp, FilterChain chain)
            throws IOException, ServletException {
        String origin = req.getHeader("Origin");
        if (!enabled || origin == null) {
            chain.doFilter(req, resp);
            return;
        }
        boolean allowed = allowOrigins.contains("*") || allowOrigins.contains(origin);
        if (allowed) {
            resp.setHeader("Access-Control-Allow-Origin", allowOrigins.contains("*") ? "*" : origin);
            if (!allowOrigins.contains("*")) resp.addHeader("Vary", "Origin");
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
