package io.streamlet.websocket;

import io.streamlet.delivery.Player;
import io.streamlet.delivery.Transport;
import jakarta.websocket.CloseReason;
import jakarta.websocket.RemoteEndpoint;
import jakarta.websocket.SendHandler;
import jakarta.websocket.SendResult;
import jakarta.websocket.Session;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A WebSocket session as a player's {@link Transport}: each write is one binary message sent
 * asynchronously, and the session takes the next only when the last one is out, which is the back-pressure
 * the skip policy reads. {@link #isReady} is false while a send is in flight and arms exactly one
 * {@link Player#onWritePossible()} for when it completes.
 */
final class WebSocketTransport implements Transport, SendHandler {
    private final Session session;
    private final RemoteEndpoint.Async remote;
    private volatile Player player;
    private volatile boolean inFlight;
    /** Set by {@link #isReady} when it said false: the send's completion owes the player a callback. */
    private final AtomicBoolean armed = new AtomicBoolean();

    WebSocketTransport(Session session) {
        this.session = session;
        this.remote = session.getAsyncRemote();
    }

    @Override
    public void start(Player player) {
        this.player = player;
        player.onWritePossible();
    }

    @Override
    public boolean isReady() {
        if (!inFlight) return true;
        armed.set(true);
        // The send may have completed between the two reads; then whoever clears the flag goes on.
        return !inFlight && armed.compareAndSet(true, false);
    }

    @Override
    public void write(byte[] buf, int off, int len) {
        inFlight = true;
        remote.sendBinary(ByteBuffer.wrap(buf, off, len), this);
    }

    @Override
    public void flush() {
        // Each write is a whole message, sent as it is written.
    }

    @Override
    public void onResult(SendResult result) {
        inFlight = false;
        if (!result.isOK()) {
            player.onTransportGone("send failed: " + result.getException());
        } else if (armed.compareAndSet(true, false)) {
            player.onWritePossible();
        }
    }

    /** Sends a close frame: the clean end of a WebSocket-FLV stream. */
    @Override
    public void complete() {
        if (!session.isOpen()) return;
        try {
            session.close(new CloseReason(CloseReason.CloseCodes.NORMAL_CLOSURE, "end of stream"));
        } catch (IOException | IllegalStateException e) {
            // The session closed meanwhile.
        }
    }
}
