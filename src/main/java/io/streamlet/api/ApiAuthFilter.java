package io.streamlet.api;

import io.streamlet.config.ContextAttributes;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpFilter;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Optional HTTP Basic authentication in front of the API and {@code /metrics}: on when
 * {@code streamlet.api.username} and {@code streamlet.api.password} are set, a pass-through otherwise.
 * CORS preflights are answered before this filter (the CORS filter comes first), as browsers send them
 * without credentials.
 */
public final class ApiAuthFilter extends HttpFilter {
    private static final Logger log = LoggerFactory.getLogger(ApiAuthFilter.class);
    private static final String REALM = "Streamlet";

    /** The expected {@code Authorization} header's bytes, or null when authentication is off. */
    private transient byte[] expected;
    private transient ApiEnvelope envelope;

    @Override
    public void init() {
        envelope = ApiEnvelope.of(getServletContext());
        ApiConfig config = ContextAttributes.require(getServletContext()::getAttribute, ApiConfig.class);
        if (config.username() != null) {
            String credentials = config.username() + ":" + config.password().value();
            expected = ("Basic " + Base64.getEncoder().encodeToString(credentials.getBytes(StandardCharsets.UTF_8)))
                    .getBytes(StandardCharsets.UTF_8);
        }
    }

    @Override
    protected void doFilter(HttpServletRequest req, HttpServletResponse resp, FilterChain chain)
            throws IOException, ServletException {
        if (expected == null || authorized(req.getHeader("Authorization"))) {
            chain.doFilter(req, resp);
            return;
        }
        log.info("unauthorized {} {} from {}", req.getMethod(), req.getRequestURI(), req.getRemoteAddr());
        // A script of a page (the player page marks its requests so) gets no challenge: a browser would answer
        // it with a login dialog over the page, where the script can say what is needed instead.
        if (!"XMLHttpRequest".equals(req.getHeader("X-Requested-With"))) {
            resp.setHeader("WWW-Authenticate", "Basic realm=\"" + REALM + "\", charset=\"UTF-8\"");
        }
        envelope.sendError(resp, HttpServletResponse.SC_UNAUTHORIZED, HttpServletResponse.SC_UNAUTHORIZED,
                "authentication required");
    }

    private boolean authorized(String header) {
        // Constant-time: the comparison must not tell an attacker how much of a guess was right.
        return header != null && MessageDigest.isEqual(expected, header.getBytes(StandardCharsets.UTF_8));
    }
}
