package io.streamlet.relay;

/** One connection of a pull to its upstream, HTTP-FLV or RTMP play: opened by its maker, it reports to a {@link Listener}. */
interface Upstream {

    /** What an upstream connection reports, on its own thread, in order. */
    interface Listener {
        /**
         * One media message: type 8 audio, 9 video, 18 script data, with the FLV tag body / RTMP message
         * body as {@link io.streamlet.live.Publication#onMessage} takes it (the array is the listener's).
         */
        void onMedia(int type, long timestamp, byte[] payload);

        /** The connection ended or failed (once; not after {@link #close}). */
        void onEnd(String reason);
    }

    /** Bytes received so far. */
    long bytesIn();

    /** Nanoseconds since the connection last received anything (or opened). */
    long silentNanos();

    /** Ends the connection from any thread; no more reports follow. Idempotent. */
    void close();
}
