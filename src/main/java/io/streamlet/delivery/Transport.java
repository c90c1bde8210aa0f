package io.streamlet.delivery;

import java.io.IOException;

/**
 * Where a {@link Player}'s bytes go, without blocking: a servlet response, a WebSocket session, an RTMP
 * socket. The contract is the non-blocking servlet output's, which the others follow: after a write, call
 * {@link #isReady} before writing again; when it says false, the transport owes the player one
 * {@link Player#onWritePossible()} and keeps the last written buffer until then. The player calls these
 * from one thread at a time, never after {@link #complete}.
 */
public interface Transport {

    /** Registers the player's callbacks; the transport then calls {@link Player#onWritePossible()} once ready. */
    void start(Player player);

    /** True if a write may be made now; false arms a later {@link Player#onWritePossible()}. */
    boolean isReady();

    /** Hands {@code len} bytes to the transport; {@code buf} is its own until {@link #isReady} says true again. */
    void write(byte[] buf, int off, int len) throws IOException;

    /** Pushes out what was written (a chunked response's buffered chunk); a no-op where writes go out at once. */
    void flush() throws IOException;

    /** Ends the stream cleanly (the response's last chunk, a close frame, a socket close). Idempotent. */
    void complete();
}
