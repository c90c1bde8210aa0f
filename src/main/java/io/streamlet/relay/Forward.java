package io.streamlet.relay;

import io.streamlet.delivery.Player;
import io.streamlet.delivery.Players;
import io.streamlet.live.LiveSource;
import io.streamlet.metrics.Metrics;
import io.streamlet.nio.SelectorLoop;
import io.streamlet.rtmp.client.RtmpClientException;
import io.streamlet.rtmp.client.RtmpClientSession;
import io.streamlet.rtmp.client.RtmpUrl;
import java.util.concurrent.RejectedExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Pushes one live source to one RTMP destination for as long as the source lives (SRS's forwarder).
 *
 * <pre>
 *   CONNECTING ──Publish.Start──▶ FORWARDING ──connection ended──▶ WAITING ──backoff──▶ CONNECTING
 *   any state ── the source ended (after its last tags went out), or stop() ──▶ STOPPED
 * </pre>
 *
 * Forwarding, it is a {@link Player} like any other: a lossy cursor (joins at a keyframe with metadata and
 * sequence headers, skips ahead when the destination is slow), an {@link io.streamlet.output.RtmpEncoder} on the
 * stream the destination created, the stall watchdog when it stops reading; so it never holds up the publisher
 * or the players. Every transition runs on the relay I/O thread; readings are for any thread.
 */
public final class Forward {
    private static final Logger log = LoggerFactory.getLogger(Forward.class);
    static final Player.Kind KIND = new Player.Kind("rtmp", "rtmp-forward", Metrics.Protocol.RTMP, false);

    public enum State { CONNECTING, FORWARDING, WAITING, STOPPED }

    /** Where a forward reports its end and its counts. */
    interface Owner {
        void connected(Forward forward);

        void failed(Forward forward);

        void reconnecting(Forward forward);

        void stopped(Forward forward);
    }

    private final String id;
    private final LiveSource source;
    private final String destination;
    private final RtmpUrl url;
    private final RelayIo io;
    private final Players players;
    private final RtmpClientSession.Options options;
    private final Owner owner;
    private final Backoff backoff = Backoff.withJitter();
    private final long createdAtMillis = System.currentTimeMillis();

    private volatile State state = State.CONNECTING;
    private volatile RtmpClientConnection connection;
    private volatile Player player;
    private SelectorLoop.Timer retry;
    private long startedAtNanos;
    private boolean stopRequested;
    private String stopReason;
    // Totals of the connections that have ended; the current one's are added when read.
    private volatile long bytesBefore;
    private volatile long skipsBefore;
    private volatile long droppedBefore;
    private volatile int reconnects;

    Forward(String id, LiveSource source, String destination, RtmpUrl url, RelayIo io, Players players,
            RtmpClientSession.Options options, Owner owner) {
        this.id = id;
        this.source = source;
        this.destination = destination;
        this.url = url;
        this.io = io;
        this.players = players;
        this.options = options;
        this.owner = owner;
    }

    public String id() {
        return id;
    }

    public LiveSource source() {
        return source;
    }

    /** The destination URL as configured or given by the backend, stream key and query included. */
    public String destination() {
        return destination;
    }

    /** The destination without its query (which may hold a secret): what the logs say. */
    public RtmpUrl url() {
        return url;
    }

    public State state() {
        return state;
    }

    public long createdAtMillis() {
        return createdAtMillis;
    }

    /** Connection attempts after the first. */
    public int reconnects() {
        return reconnects;
    }

    /** Bytes written to the destinations so far, RTMP framing included. */
    public long bytesSent() {
        RtmpClientConnection c = connection;
        return bytesBefore + (c == null ? 0 : c.bytesSent());
    }

    /** Times the destination fell behind and the forward skipped ahead to a newer keyframe. */
    public long skips() {
        Player p = player;
        return skipsBefore + (p == null ? 0 : p.skips());
    }

    /** Tags the destination never received because of those skips. */
    public long droppedTags() {
        Player p = player;
        return droppedBefore + (p == null ? 0 : p.droppedTags());
    }

    void start() {
        run(this::connect);
    }

    /** The source ended: a forward that is streaming sends what is left first; one that is not stops now. */
    void sourceEnded() {
        run(() -> {
            if (state != State.FORWARDING) stopNow("publish ended");
        });
    }

    /** Stops now, whatever the forward is doing. Any thread. */
    void stop(String reason) {
        run(() -> stopNow(reason));
    }

    private void run(Runnable task) {
        try {
            io.execute(task);
        } catch (RejectedExecutionException closed) {
            // The relay I/O is closed: every connection ended with it.
        }
    }

    private void connect() {
        retry = null;
        if (stopRequested || source.isEnded()) {
            stopNow(stopRequested ? stopReason : "publish ended");
            return;
        }
        state = State.CONNECTING;
        connection = RtmpClientConnection.open(id, io, url, RtmpClientSession.Role.PUBLISH, options, new Handler());
    }

    private void stopNow(String reason) {
        if (state == State.STOPPED) return;
        if (!stopRequested) {
            stopRequested = true;
            stopReason = reason;
        }
        if (retry != null) retry.cancel();
        RtmpClientConnection c = connection;
        if (c != null && c.state() != RtmpClientConnection.State.CLOSED) {
            c.close(reason); // its end comes back through the handler, which stops
            return;
        }
        state = State.STOPPED;
        log.info("[{}] forward of {} to {} stopped: {} ({} bytes, {} reconnects, {} skips)", id, source.key(), url, reason,
                bytesSent(), reconnects, skips());
        owner.stopped(this);
    }

    private final class Handler implements RtmpClientConnection.Handler {
        @Override
        public void onStarted(RtmpClientConnection c) {
            if (c != connection) return;
            state = State.FORWARDING;
            startedAtNanos = System.nanoTime();
            log.info("[{}] forwarding {} to {}{}", id, source.key(), url, reconnects == 0 ? "" : " (reconnect " + reconnects + ")");
            owner.connected(Forward.this);
            player = players.start(id, url.host(), url.host() + ":" + url.port(), url.toString(), KIND, source,
                    c::mediaEncoder, c.transport());
        }

        @Override
        public void onEnded(RtmpClientConnection c, String reason, RtmpClientException failure) {
            if (c != connection) return;
            boolean wasForwarding = state == State.FORWARDING;
            Player p = player;
            player = null;
            connection = null;
            bytesBefore += c.bytesSent();
            if (p != null) {
                skipsBefore += p.skips();
                droppedBefore += p.droppedTags();
            }
            if (stopRequested || source.isEnded()) {
                stopNow(stopRequested ? stopReason : "publish ended");
                return;
            }
            if (wasForwarding) backoff.connectionEnded((System.nanoTime() - startedAtNanos) / 1_000_000);
            owner.failed(Forward.this); // the source lives on: whatever ended the connection was a failure
            long delay = backoff.nextDelayMs();
            reconnects++;
            state = State.WAITING;
            owner.reconnecting(Forward.this);
            String what = failure == null ? "stopped" : failure.reason() == RtmpClientException.Reason.CONNECT_REJECTED
                    || failure.reason() == RtmpClientException.Reason.PUBLISH_REFUSED ? "refused" : "failed";
            log.warn("[{}] forward of {} to {} {}: {}; reconnecting in {} ms", id, source.key(), url, what, reason, delay);
            try {
                retry = io.schedule(Forward.this::connect, delay);
            } catch (RejectedExecutionException closed) {
                stopNow("server shutting down");
            }
        }
    }
}
