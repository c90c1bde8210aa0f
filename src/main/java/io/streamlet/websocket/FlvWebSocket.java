package io.streamlet.websocket;

import io.streamlet.delivery.Players;
import io.streamlet.live.LiveSource;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.websocket.DeploymentException;
import jakarta.websocket.Endpoint;
import jakarta.websocket.server.ServerContainer;
import jakarta.websocket.server.ServerEndpointConfig;
import java.io.IOException;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * WebSocket-FLV on the HTTP-FLV URL: a stream request that asks to upgrade is upgraded here, by the
 * container's own Jakarta WebSocket implementation (WebSocket 2.1's {@code upgradeHttpToWebSocket}), after
 * it passed the same filters (CORS, auth, hooks) as any HTTP-FLV request.
 */
public final class FlvWebSocket {
    private static final Logger log = LoggerFactory.getLogger(FlvWebSocket.class);
    private static final String CONTAINER = ServerContainer.class.getName();

    private FlvWebSocket() {}

    /**
     * Upgrades {@code req} to a WebSocket-FLV player of {@code source}. The caller checked that the container
     * offers Jakarta WebSocket (without it, this class cannot even load).
     *
     * @param onEnd runs once when the session ends (the on_stop hooks)
     * @return true if upgraded
     */
    public static boolean upgrade(HttpServletRequest req, HttpServletResponse resp, String playerId, LiveSource source,
            Players players, Runnable onEnd) throws IOException {
        ServerContainer container = (ServerContainer) req.getServletContext().getAttribute(CONTAINER);
        String remote = req.getRemoteAddr() + ":" + req.getRemotePort();
        String url = req.getRequestURL().toString().replaceFirst("^http", "ws");
        Endpoint endpoint = new FlvWebSocketEndpoint(playerId, req.getRemoteAddr(), remote, url, source, players, onEnd);
        ServerEndpointConfig config = ServerEndpointConfig.Builder.create(FlvWebSocketEndpoint.class, req.getServletPath())
                .configurator(new ServerEndpointConfig.Configurator() {
                    @Override
                    public <T> T getEndpointInstance(Class<T> type) {
                        return type.cast(endpoint);
                    }
                }).build();
        try {
            container.upgradeHttpToWebSocket(req, resp, config, Map.of());
            return true;
        } catch (DeploymentException e) {
            log.warn("[{}] WebSocket-FLV upgrade for {} failed: {}", playerId, source.key(), e.getMessage());
            resp.sendError(HttpServletResponse.SC_BAD_REQUEST, "WebSocket upgrade failed");
            return false;
        }
    }
}
