package io.streamlet.websocket;

import io.streamlet.delivery.Player;
import io.streamlet.delivery.Players;
import io.streamlet.live.LiveSource;
import io.streamlet.metrics.Metrics;
import io.streamlet.output.FlvEncoder;
import jakarta.websocket.CloseReason;
import jakarta.websocket.Endpoint;
import jakarta.websocket.EndpointConfig;
import jakarta.websocket.Session;

/**
 * One WebSocket-FLV player (what mpegts.js and flv.js open for {@code ws://} URLs): the bytes of the
 * HTTP-FLV response, in binary messages. Made per request, for the stream the request was authorized for,
 * by {@link FlvWebSocket#upgrade}.
 */
public final class FlvWebSocketEndpoint extends Endpoint {
    static final Player.Kind KIND = new Player.Kind("ws-flv", "flv-play", Metrics.Protocol.WS_FLV, true);

    private final String id;
    private final String ip;
    private final String remote;
    private final String url;
    private final LiveSource source;
    private final Players players;
    private final Runnable onEnd;
    private volatile Player player;

    FlvWebSocketEndpoint(String id, String ip, String remote, String url, LiveSource source, Players players, Runnable onEnd) {
        this.id = id;
        this.ip = ip;
        this.remote = remote;
        this.url = url;
        this.source = source;
        this.players = players;
        this.onEnd = onEnd;
    }

    @Override
    public void onOpen(Session session, EndpointConfig config) {
        session.setMaxIdleTimeout(0); // live streams have no end; stalled players are closed by the watchdog
        player = players.start(id, ip, remote, url, KIND, source, FlvEncoder::new, new WebSocketTransport(session));
    }

    @Override
    public void onClose(Session session, CloseReason reason) {
        Player p = player;
        if (p != null) p.onTransportGone("closed: " + reason.getCloseCode() + " " + reason.getReasonPhrase());
        onEnd.run();
    }

    @Override
    public void onError(Session session, Throwable error) {
        Player p = player;
        if (p != null) p.onTransportGone("client gone: " + error);
    }
}
