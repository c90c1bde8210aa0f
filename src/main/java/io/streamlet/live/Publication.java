package io.streamlet.live;

/**
 * One publisher's session on a {@link LiveSource}. A source outlives its publishers when a new one takes
 * over (a republish within the grace window, or a reconnect replacing a dead session); a publication
 * that was replaced is inert, so a stale session can never end or feed the stream someone else now owns.
 */
public final class Publication {
    private final LiveSource source;
    private final String publisherId;
    private final Runnable disconnect;

    Publication(LiveSource source, String publisherId, Runnable disconnect) {
        this.source = source;
        this.publisherId = publisherId;
        this.disconnect = disconnect;
    }

    public LiveSource source() {
        return source;
    }

    public String publisherId() {
        return publisherId;
    }

    /**
     * One media message from the publisher, on the publisher's thread, in arrival order; ignored once
     * this publication was replaced. See {@link LiveSource#onMessage}.
     *
     * @throws IllegalArgumentException media that cannot be accepted (the publisher is closed)
     */
    public void onMessage(int type, long timestamp, byte[] payload) {
        source.onMessage(this, type, timestamp, payload);
    }

    /** The publisher is gone. Idempotent; a no-op once this publication was replaced. */
    public void unpublish() {
        source.unpublish(this);
    }

    /** Ends the publisher's connection, from any thread (it was replaced by a new session). */
    void disconnect() {
        disconnect.run();
    }
}
