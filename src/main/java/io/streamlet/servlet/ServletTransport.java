package io.streamlet.servlet;

import io.streamlet.delivery.Player;
import io.streamlet.delivery.Transport;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.WriteListener;
import java.io.IOException;

/**
 * An asynchronous servlet response as a player's {@link Transport}: the non-blocking output stream, whose
 * {@code isReady()}/{@code onWritePossible()} protocol the transport contract copies, and the container's
 * ways of saying the client is gone. Containers differ there (Jakarta Servlet issues 273, 433: Jetty calls
 * only {@code WriteListener.onError}, Tomcat may call it and {@code AsyncListener.onError}); every one of
 * them is routed to the player's one idempotent {@link Player#onTransportGone}.
 */
final class ServletTransport implements Transport, WriteListener, AsyncListener {
    private final AsyncContext async;
    private final ServletOutputStream out;
    private Player player;

    /**
     * @param writeBatchBytes the most the player writes at once: the response's buffer is made as large,
     *     before anything is written, so a write stays in it until the player flushes it, next thing.
     *     Tomcat otherwise sends a write larger than its 8 KiB buffer in pieces and keeps the last piece in
     *     its socket buffer, and {@code isReady()} says false until its poller and a container thread have
     *     sent that piece: a round trip through both for nearly every write. A flush sends everything,
     *     piece and all, so {@code isReady()} says true again when the socket took it.
     */
    ServletTransport(AsyncContext async, int writeBatchBytes) throws IOException {
        this.async = async;
        async.getResponse().setBufferSize(writeBatchBytes);
        this.out = async.getResponse().getOutputStream();
    }

    @Override
    public void start(Player player) {
        this.player = player;
        async.addListener(this);
        out.setWriteListener(this);
        // The response has just started: where the container lets the request thread write at once (Jetty
        // does; Tomcat says not ready until its own first call), the join burst (FLV header, metadata,
        // sequence headers, the GOP) leaves now, with the response headers, rather than after the container
        // dispatched its first onWritePossible() to another thread, which under a join storm comes hundreds
        // of milliseconds later. That call then finds the write loop asking isReady() as always.
        player.onWritePossible();
    }

    @Override
    public boolean isReady() {
        return out.isReady();
    }

    @Override
    public void write(byte[] buf, int off, int len) throws IOException {
        out.write(buf, off, len);
    }

    @Override
    public void flush() throws IOException {
        out.flush();
    }

    @Override
    public void complete() {
        try {
            async.complete();
        } catch (IllegalStateException alreadyDone) {
            // The container completed or recycled the request itself (client gone).
        }
    }

    @Override
    public void onWritePossible() {
        player.onWritePossible();
    }

    @Override
    public void onError(Throwable t) {
        player.onTransportGone("client gone: " + t);
    }

    @Override
    public void onError(AsyncEvent event) {
        player.onTransportGone("client gone: " + event.getThrowable());
    }

    @Override
    public void onTimeout(AsyncEvent event) {
        player.onTransportGone("async timeout");
    }

    @Override
    public void onComplete(AsyncEvent event) {
        player.onTransportGone("completed");
    }

    @Override
    public void onStartAsync(AsyncEvent event) {}
}
