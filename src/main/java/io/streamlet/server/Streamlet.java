package io.streamlet.server;

import io.streamlet.EventLog;
import io.streamlet.auth.AccessPolicy;
import io.streamlet.auth.AccessRequest;
import io.streamlet.cluster.Cluster;
import io.streamlet.delivery.Players;
import io.streamlet.ingest.RtmpServer;
import io.streamlet.live.Client;
import io.streamlet.live.ClientIds;
import io.streamlet.live.LiveSource;
import io.streamlet.live.SourceRegistry;
import io.streamlet.metrics.Metrics;
import io.streamlet.record.RecordedFile;
import io.streamlet.record.Recorders;
import io.streamlet.packager.HlsPackager;
import io.streamlet.relay.Pulls;
import io.streamlet.relay.Forwards;
import io.streamlet.relay.RelayIo;
import java.io.IOException;
import java.time.Clock;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One running Streamlet, the composition root: makes the counters, the source registry, the players'
 * delivery, access control and the RTMP server from the configuration, and stops them in the order that
 * lets every player receive the end of its stream. Transports (the servlets, WebSocket, RTMP) and the API
 * reach the parts through it. No servlet type appears here: a webapp's listener starts it.
 */
public final class Streamlet implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Streamlet.class);

    private final StreamletConfig config;
    private final Metrics metrics = new Metrics();
    /** Connection events' log lines, off the container's threads; closed last, after every line it is given. */
    private final EventLog events = EventLog.start();
    private final SourceRegistry registry;
    private final Players players;
    private final AccessPolicy access;
    private final Recorders recorders;
    private final RtmpServer rtmp;
    private final Pulls pulls;
    /** Null when HLS is off ({@code streamlet.hls.enabled}). */
    private final HlsPackager hls;
    private final Cluster cluster;
    /** The relays' outgoing connections; its thread starts with the first. */
    private final RelayIo relayIo = new RelayIo();
    /** Null when nothing is forwarded ({@code streamlet.forward.*}). */
    private final Forwards forwards;

    private Streamlet(StreamletConfig config) {
        this.config = config;
        this.registry = new SourceRegistry(config.live());
        this.players = new Players(config.delivery(), metrics, events);
        this.access = new AccessPolicy(config.auth(), metrics, Clock.systemUTC(), events);
        this.recorders = new Recorders(config.dvr(), registry, metrics, this::findClient, this::recorded, ZoneId.systemDefault());
        this.hls = config.hls().enabled() ? new HlsPackager(config.hls(), access, this::findClient) : null;
        if (hls != null) registry.addListener(hls);
        this.pulls = new Pulls(config.pull(), registry, relayIo);
        this.forwards = config.forward().enabled() ? new Forwards(config.forward(), relayIo, players, this::findClient, metrics,
                access.serverId()) : null;
        if (forwards != null) registry.addListener(forwards);
        this.cluster = new Cluster(config.cluster(), registry, access, pulls);
        this.rtmp = config.rtmp().enabled() ? new RtmpServer(config.rtmp(), registry, players, access, metrics) : null;
    }

    /**
     * Starts a server: everything, or nothing and no thread left behind.
     *
     * @throws IllegalStateException the RTMP port cannot be bound and {@code streamlet.rtmp.failOnBindError} is on
     */
    public static Streamlet start(StreamletConfig config) {
        Streamlet s = new Streamlet(config);
        try {
            s.startRtmp();
            s.pulls.start();
        } catch (RuntimeException e) {
            s.close();
            throw e;
        }
        return s;
    }

    private void startRtmp() {
        if (rtmp == null) return;
        try {
            rtmp.start();
        } catch (IOException e) {
            if (config.rtmp().failOnBindError()) {
                throw new IllegalStateException("Streamlet cannot start RTMP ingest: " + e.getMessage()
                        + " (choose another streamlet.rtmp.port, or set streamlet.rtmp.failOnBindError=false"
                        + " to start without ingest)", e);
            }
            log.warn("Streamlet starts without RTMP ingest (streamlet.rtmp.failOnBindError=false): {}", e.getMessage());
            rtmp.close();
        }
    }

    public StreamletConfig config() {
        return config;
    }

    public Metrics metrics() {
        return metrics;
    }

    public SourceRegistry registry() {
        return registry;
    }

    /** The players' delivery: fan-out, write buffers, watchdog. */
    public Players delivery() {
        return players;
    }

    public AccessPolicy access() {
        return access;
    }

    /** SRS's {@code server_id}: what the hooks send as {@code server_id} and the API as {@code server}. */
    public String serverId() {
        return access.serverId();
    }

    /** DVR: the recordings, started and stopped through the HTTP API too. */
    public Recorders recorders() {
        return recorders;
    }

    /** A recording closed a file: the on_dvr hook hears of it with the stream's publisher (SRS's fields). */
    private void recorded(RecordedFile file) {
        AccessRequest publisher = new AccessRequest(file.publisherId(), file.publisherIp(), file.key(), Map.of(),
                file.tcUrl(), null, file.publisherId());
        access.recordingClosed(publisher, System.getProperty("user.dir"), file.file().toString());
    }

    /** Relay pulls: streams brought here from elsewhere; a cluster edge adds its locator here. */
    public Pulls pulls() {
        return pulls;
    }

    /** HLS output, or null when {@code streamlet.hls.enabled} is off. */
    public HlsPackager hls() {
        return hls;
    }

    /** This node's role in a cluster: origin, edge, or standalone. */
    public Cluster cluster() {
        return cluster;
    }

    /** Forwarding to other RTMP servers, or null when {@code streamlet.forward.*} sets no destination. */
    public Forwards forwards() {
        return forwards;
    }

    /** The relays' outgoing RTMP connections (forwards, pulls). */
    public RelayIo relayIo() {
        return relayIo;
    }

    /** The bound RTMP port, or null when RTMP is off or its port could not be bound. */
    public Integer rtmpPort() {
        return rtmp == null || !rtmp.isListening() ? null : rtmp.port();
    }

    /** The streams mounted now, oldest first. */
    public List<LiveSource> streams() {
        List<LiveSource> streams = new ArrayList<>(registry.sources());
        streams.sort(Comparator.comparingLong(LiveSource::publishedAtMillis).thenComparing(LiveSource::id));
        return streams;
    }

    /** RTMP connections open now (publishing, playing, or neither yet). */
    public List<Client> rtmpClients() {
        return rtmp == null ? List.of() : List.copyOf(rtmp.clients());
    }

    /** Players now, of every transport (RTMP players too: they are listed once, as players). */
    public List<Client> players() {
        return List.copyOf(players.all());
    }

    /** Every client now, RTMP connections first, each group oldest first. */
    public List<Client> clients() {
        Comparator<Client> oldestFirst = Comparator.comparing(Client::id, ClientIds.CREATION_ORDER);
        List<Client> clients = new ArrayList<>(rtmpClients());
        clients.sort(oldestFirst);
        List<Client> playing = new ArrayList<>(players());
        playing.sort(oldestFirst);
        clients.addAll(playing);
        return clients;
    }

    /** The client with {@code id}, or null. */
    public Client findClient(String id) {
        Client player = players.find(id);
        if (player != null) return player;
        return rtmpClients().stream().filter(c -> c.id().equals(id)).findFirst().orElse(null);
    }

    /**
     * Stops gracefully: no new publishers, every stream unpublished so that each player receives what it
     * still had to and then the end of its stream, up to {@code streamlet.http.shutdownDrain} for players to
     * take it, then whatever is left is closed and every thread ended.
     */
    @Override
    public void close() {
        if (rtmp != null) rtmp.close(); // no new publishers; the current ones are disconnected
        pulls.close(); // nor pulled streams: each is unpublished as its publisher would
        registry.close(); // every stream ends: its players get what they still had to, then end of stream
        recorders.close(); // the recordings write what their ended streams still had and close their files
        if (hls != null) hls.close(); // after the registry: the streams' last segments and ENDLIST are made
        cluster.close(); // after the registry: the ended streams' directory entries are released
        long drainMs = config.delivery().shutdownDrainMs();
        try {
            if (!players.awaitAllClosed(drainMs)) {
                log.warn("Streamlet closes {} players still receiving after the {} ms drain (streamlet.http.shutdownDrain)",
                        players.count(), drainMs);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt(); // stop waiting; the players are closed below
        }
        if (forwards != null) forwards.close(); // after the drain: a forward is a player, sending its stream's last tags
        relayIo.close();
        players.close();
        access.close(); // the on_unpublish, on_stop and on_dvr hooks of the streams ended above are on their way
        events.close(); // last: the lines of everything closed above are written
    }
}
