package io.streamlet.servlet;

import io.streamlet.StreamletConfig;
import io.streamlet.ingest.RtmpServer;
import io.streamlet.live.Client;
import io.streamlet.live.ClientIds;
import io.streamlet.live.LiveSource;
import io.streamlet.live.Metrics;
import io.streamlet.live.SourceRegistry;
import jakarta.servlet.ServletContext;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The running webapp as the HTTP API and {@code /metrics} see it: its configuration, streams, clients
 * (RTMP connections and HTTP-FLV players) and counters. A view over the listener's runtime; it holds no
 * state of its own.
 */
public final class ServerState {
    private final StreamletListener.Runtime runtime;

    private ServerState(StreamletListener.Runtime runtime) {
        this.runtime = runtime;
    }

    /** The state of the webapp of {@code context}; its servlets call this from {@code init()}. */
    public static ServerState of(ServletContext context) {
        return new ServerState(StreamletListener.runtime(context));
    }

    public StreamletConfig config() {
        return runtime.config();
    }

    public SourceRegistry registry() {
        return runtime.registry();
    }

    /** SRS's {@code server_id}: what the hooks send as {@code server_id} and the API as {@code server}. */
    public String serverId() {
        return runtime.access().serverId();
    }

    public Metrics metrics() {
        return runtime.registry().metrics();
    }

    /** The streams mounted now, oldest first. */
    public List<LiveSource> streams() {
        List<LiveSource> streams = new ArrayList<>(registry().sources());
        streams.sort(Comparator.comparingLong(LiveSource::publishedAtMillis).thenComparing(LiveSource::id));
        return streams;
    }

    /** RTMP connections open now (publishing or not). */
    public List<Client> rtmpClients() {
        RtmpServer rtmp = runtime.rtmp();
        return rtmp == null ? List.of() : List.copyOf(rtmp.clients());
    }

    /** HTTP-FLV players now. */
    public List<Client> players() {
        return List.copyOf(runtime.players().all());
    }

    /** Every client now, RTMP connections first, each group oldest first. */
    public List<Client> clients() {
        Comparator<Client> oldestFirst = Comparator.comparing(Client::id, ClientIds.CREATION_ORDER);
        List<Client> clients = new ArrayList<>(rtmpClients());
        clients.sort(oldestFirst);
        List<Client> players = new ArrayList<>(players());
        players.sort(oldestFirst);
        clients.addAll(players);
        return clients;
    }

    /** The client with {@code id}, or null. */
    public Client findClient(String id) {
        Client player = runtime.players().find(id);
        if (player != null) return player;
        return rtmpClients().stream().filter(c -> c.id().equals(id)).findFirst().orElse(null);
    }
}
