package io.streamlet.api;

import io.streamlet.cluster.ClusterConfig;
import io.streamlet.cluster.ClusterMetrics;
import io.streamlet.config.ContextAttributes;
import io.streamlet.live.LiveSource;
import io.streamlet.metrics.Metrics;
import io.streamlet.packager.HlsPackager;
import io.streamlet.packager.HlsStream;
import io.streamlet.relay.Forwards;
import io.streamlet.relay.Pulls;
import io.streamlet.server.Streamlet;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.lang.management.MemoryUsage;
import java.lang.management.ThreadMXBean;
import java.util.Map;

/**
 * {@code GET /metrics} in Prometheus's text exposition format (version 0.0.4): streams, clients,
 * traffic, errors, hooks and the JVM, every name prefixed {@code streamlet_}, counters ending in
 * {@code _total}, sizes in bytes. Values are read at scrape time; see {@link Metrics} and {@link TrafficTotals}.
 */
public final class MetricsServlet extends HttpServlet {
    static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    private transient Streamlet state;
    private transient TrafficTotals totals;

    @Override
    public void init() {
        state = ContextAttributes.require(getServletContext()::getAttribute, Streamlet.class);
        totals = new TrafficTotals(state);
    }

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        resp.setContentType(CONTENT_TYPE);
        resp.setHeader("Cache-Control", "no-store");
        Exposition out = new Exposition(resp.getWriter());
        Metrics m = state.metrics();

        out.gauge("streamlet_info", "Streamlet's version, as a label; always 1.")
                .sample("{version=\"" + Exposition.escape(SrsShapes.VERSION) + "\"}", 1);
        long publishers = state.registry().sources().stream().map(LiveSource::publisherId).filter(p -> p != null).count();
        out.gauge("streamlet_streams", "Live streams mounted now.").sample(state.registry().sources().size());
        out.gauge("streamlet_publishers", "Streams with a publisher connected now.").sample(publishers);
        out.gauge("streamlet_players", "Players connected now, of every protocol.").sample(state.players().size());
        out.gauge("streamlet_players_by_protocol", "Players connected now, by protocol.");
        for (Metrics.Protocol p : Metrics.Protocol.values()) {
            out.sample("{protocol=\"" + p.label + "\"}", state.players().stream().filter(c -> c.protocol().replace('-', '_').equals(p.label)).count());
        }
        out.gauge("streamlet_rtmp_connections", "RTMP connections open now, publishing or not.").sample(state.rtmpClients().size());

        out.counter("streamlet_connections_total", "Connections accepted: RTMP sockets and HTTP-FLV players.");
        for (Metrics.Protocol p : Metrics.Protocol.values()) {
            out.sample("{protocol=\"" + p.label + "\"}", m.connectionsOpened(p));
        }
        out.counter("streamlet_connection_errors_total", "Connections that ended abnormally, by protocol and kind.");
        for (Metrics.Protocol p : Metrics.Protocol.values()) {
            for (Metrics.ConnectionError e : Metrics.ConnectionError.values()) {
                out.sample("{protocol=\"" + p.label + "\",kind=\"" + e.kind + "\"}", m.connectionErrors(p, e));
            }
        }
        out.counter("streamlet_rtmp_handshake_failures_total", "RTMP connections that did not complete the handshake.")
                .sample(m.handshakeFailures());

        TrafficTotals.Snapshot traffic = totals.read();
        out.counter("streamlet_received_bytes_total", "Bytes received from clients (RTMP, chunk headers included).")
                .sample(traffic.bytesReceived());
        out.counter("streamlet_sent_bytes_total", "Bytes sent to clients (FLV to players, control messages to publishers).")
                .sample(traffic.bytesSent());
        out.counter("streamlet_tags_delivered_total", "FLV tags delivered to players.").sample(traffic.tagsSent());
        out.counter("streamlet_player_skips_total", "Times a player fell behind and skipped ahead.").sample(traffic.skips());
        out.counter("streamlet_player_dropped_tags_total", "FLV tags players did not receive because they skipped ahead.")
                .sample(traffic.droppedTags());

        out.counter("streamlet_hook_calls_total", "HTTP hook calls, by hook.");
        for (Map.Entry<String, Long> e : m.hookCalls().entrySet()) {
            out.sample("{hook=\"" + Exposition.escape(e.getKey()) + "\"}", e.getValue());
        }
        out.counter("streamlet_hook_failures_total", "HTTP hook calls that failed (unreachable, timed out, or an error answer), by hook.");
        for (Map.Entry<String, Long> e : m.hookFailures().entrySet()) {
            out.sample("{hook=\"" + Exposition.escape(e.getKey()) + "\"}", e.getValue());
        }

        out.gauge("streamlet_dvr_recordings", "Streams being recorded now.").sample(state.recorders().recordings().size());
        out.counter("streamlet_dvr_files_total", "Recording files closed.").sample(m.dvrFiles());
        out.counter("streamlet_dvr_failures_total", "Recordings stopped by an error (a disk that did not keep up, a file that could not be written).")
                .sample(m.dvrFailures());
        HlsPackager hls = state.hls();
        if (hls != null) {
            out.gauge("streamlet_hls_streams", "Streams with HLS now (ended ones while their last playlist is kept).")
                    .sample(hls.streams().size());
            out.gauge("streamlet_hls_sessions", "HLS plays going on (only while access control or play hooks are on).")
                    .sample(hls.sessions().size());
            out.gauge("streamlet_hls_kept_bytes", "Bytes of HLS segments kept in memory.")
                    .sample(hls.streams().stream().mapToLong(HlsStream::bytesKept).sum());
            out.counter("streamlet_hls_segments_total", "HLS segments made.").sample(hls.segmentsMade());
            out.counter("streamlet_hls_segment_bytes_total", "Bytes of HLS segments made.").sample(hls.segmentBytesMade());
            out.counter("streamlet_hls_segments_cut_at_limit_total", "HLS segments cut without a keyframe, at the duration or size limit.")
                    .sample(hls.segmentsCutAtLimit());
            out.counter("streamlet_hls_resyncs_total", "Times a stream's segmenting fell behind the source and started again at a keyframe.")
                    .sample(hls.resyncs());
            out.counter("streamlet_hls_requests_total", "HLS requests served, by what they asked for.")
                    .sample("{kind=\"playlist\"}", hls.playlistsServed())
                    .sample("{kind=\"segment\"}", hls.segmentsServed());
            out.counter("streamlet_hls_sent_bytes_total", "Bytes of HLS playlists and segments served.").sample(hls.bytesServed());
        }

        ClusterMetrics cluster = state.cluster().metrics();
        if (state.cluster().config().mode() != ClusterConfig.Mode.STANDALONE) {
            out.counter("streamlet_cluster_directory_errors_total", "Stream directory commands that failed (Redis unreachable or too slow).")
                    .sample(cluster.directoryErrors());
            out.counter("streamlet_cluster_claims_total", "Publishes whose stream this origin holds in the stream directory.")
                    .sample(cluster.claims());
            out.counter("streamlet_cluster_refusals_total", "Publishes refused because another origin holds the stream.")
                    .sample(cluster.refusals());
        }

        Forwards forwards = state.forwards();
        if (forwards != null) {
            out.gauge("streamlet_forwards", "Forwards to other RTMP servers now, connected or waiting to reconnect.")
                    .sample(forwards.forwards().size());
            out.counter("streamlet_forward_started_total", "Forwards started (one per published stream and destination).")
                    .sample(forwards.started());
            out.counter("streamlet_forward_connects_total", "Times a destination accepted a forward's publish.").sample(forwards.connects());
            out.counter("streamlet_forward_failures_total", "Forward connections that ended while their stream went on: refused, unreachable, broken, timed out or stalled.")
                    .sample(forwards.failures());
            out.counter("streamlet_forward_reconnects_total", "Forward reconnections scheduled.").sample(forwards.reconnects());
            out.counter("streamlet_forward_sent_bytes_total", "Bytes sent to forward destinations.").sample(forwards.bytesSent());
            out.counter("streamlet_forward_skips_total", "Times a forward fell behind its destination and skipped ahead.")
                    .sample(forwards.skips());
        }

        Pulls pulls = state.pulls();
        out.gauge("streamlet_pulls", "Streams pulled here from elsewhere now, receiving or reconnecting.").sample(pulls.pulls().size());
        out.counter("streamlet_pull_started_total", "Pulls started (one per stream, however many players).").sample(pulls.startedCount());
        out.counter("streamlet_pull_upstream_failures_total", "Upstream connections that failed before any media: refused, 404, timed out.")
                .sample(pulls.upstreamFailures());
        out.counter("streamlet_pull_upstream_breaks_total", "Upstreams that broke while media came, each followed by a reconnect.")
                .sample(pulls.upstreamBreaks());
        out.counter("streamlet_pull_not_found_total", "Plays that waited for a pull and got no stream in time (404 / StreamNotFound).")
                .sample(pulls.notFoundCount());
        out.counter("streamlet_pull_received_bytes_total", "Bytes received from upstreams.").sample(pulls.bytesIn());

        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        MemoryUsage heap = memory.getHeapMemoryUsage();
        MemoryUsage nonHeap = memory.getNonHeapMemoryUsage();
        out.gauge("streamlet_jvm_memory_used_bytes", "JVM memory in use, by area.")
                .sample("{area=\"heap\"}", heap.getUsed()).sample("{area=\"nonheap\"}", nonHeap.getUsed());
        out.gauge("streamlet_jvm_memory_committed_bytes", "JVM memory committed, by area.")
                .sample("{area=\"heap\"}", heap.getCommitted()).sample("{area=\"nonheap\"}", nonHeap.getCommitted());
        out.gauge("streamlet_jvm_memory_max_bytes", "Most JVM memory the area may use (-1: no limit).")
                .sample("{area=\"heap\"}", heap.getMax()).sample("{area=\"nonheap\"}", nonHeap.getMax());
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        out.gauge("streamlet_jvm_threads", "JVM threads alive now.").sample(threads.getThreadCount());
        out.gauge("streamlet_jvm_threads_peak", "Most JVM threads alive at once since the JVM started.").sample(threads.getPeakThreadCount());
        out.gauge("streamlet_process_uptime_seconds", "Time since the JVM started.")
                .sample(ManagementFactory.getRuntimeMXBean().getUptime() / 1000.0);
    }

    /** Writes metric families: HELP and TYPE once, then samples. */
    private static final class Exposition {
        private final PrintWriter out;
        private String name;

        Exposition(PrintWriter out) {
            this.out = out;
        }

        Exposition counter(String name, String help) {
            return family(name, help, "counter");
        }

        Exposition gauge(String name, String help) {
            return family(name, help, "gauge");
        }

        private Exposition family(String name, String help, String type) {
            this.name = name;
            out.append("# HELP ").append(name).append(' ').append(help).append('\n');
            out.append("# TYPE ").append(name).append(' ').append(type).append('\n');
            return this;
        }

        Exposition sample(double value) {
            return sample("", value);
        }

        Exposition sample(String labels, double value) {
            boolean whole = value == Math.rint(value) && Math.abs(value) < 1e15;
            out.append(name).append(labels).append(' ')
                    .append(whole ? Long.toString((long) value) : Double.toString(value)).append('\n');
            return this;
        }

        /** A label value with backslash, quote and newline escaped, as the format requires. */
        static String escape(String value) {
            return value.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
        }
    }
}
