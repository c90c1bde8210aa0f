package io.streamlet.relay;

import io.streamlet.rtmp.client.RtmpClientException;
import io.streamlet.rtmp.client.RtmpClientSession;
import io.streamlet.rtmp.client.RtmpUrl;
import java.net.URI;
import java.time.Duration;

/**
 * Pulls an RTMP stream by playing it: an {@link RtmpClientConnection} in the PLAY role on the relays' I/O
 * thread, whose media messages go to the pull as they come. A refused play (StreamNotFound), a timeout or a
 * lost connection ends it. RTMP carries no hop count: loops through RTMP upstreams are the deployment's to avoid.
 */
final class RtmpUpstream implements Upstream, RtmpClientConnection.Handler {
    private final Listener listener;
    private final RtmpClientConnection connection;
    private volatile long lastDataNanos = System.nanoTime();

    private RtmpUpstream(String pullId, RelayIo io, URI url, Duration answerTimeout, Listener listener) {
        this.listener = listener;
        RtmpClientSession.Options options = new RtmpClientSession.Options(RtmpClientSession.Options.DEFAULTS.chunkSize(),
                answerTimeout.toMillis(), RtmpClientSession.Options.DEFAULTS.flashVer());
        this.connection = RtmpClientConnection.open(pullId, io, RtmpUrl.parse(url.toString()), RtmpClientSession.Role.PLAY,
                options, this);
    }

    /**
     * Connects and plays; reports to {@code listener} from the relays' I/O thread.
     *
     * @param answerTimeout how long the server may take to answer each step (connect, play)
     * @throws IllegalArgumentException {@code url} is not rtmp://host[:port]/app/stream
     */
    static RtmpUpstream open(String pullId, RelayIo io, URI url, Duration answerTimeout, Listener listener) {
        return new RtmpUpstream(pullId, io, url, answerTimeout, listener);
    }

    @Override
    public void onStarted(RtmpClientConnection c) {
        lastDataNanos = System.nanoTime();
    }

    @Override
    public void onMedia(int type, long timestamp, byte[] payload) {
        lastDataNanos = System.nanoTime();
        listener.onMedia(type, timestamp, payload);
    }

    @Override
    public void onEnded(RtmpClientConnection c, String reason, RtmpClientException failure) {
        if (failure != null) listener.onEnd(reason); // null: our own close, which reports nothing
    }

    @Override
    public long bytesIn() {
        return connection.bytesReceived();
    }

    @Override
    public long silentNanos() {
        return System.nanoTime() - lastDataNanos;
    }

    @Override
    public void close() {
        connection.close("pull stopped");
    }
}
