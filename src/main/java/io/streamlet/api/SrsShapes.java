package io.streamlet.api;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.streamlet.Json;
import io.streamlet.flv.CodecDetails;
import io.streamlet.live.Client;
import io.streamlet.live.LiveSource;
import io.streamlet.packager.HlsPath;
import io.streamlet.packager.HlsStream;
import io.streamlet.live.StreamKey;
import io.streamlet.relay.Pull;
import io.streamlet.server.Streamlet;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryUsage;
import java.lang.management.OperatingSystemMXBean;
import java.net.URI;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Builds the JSON objects of SRS's HTTP API ({@code srs_app_http_api} / {@code srs_app_statistic}) from
 * Streamlet's state: the same field names and types, so SRS tooling reads them. Fields SRS has and
 * Streamlet cannot fill are present with neutral values; Streamlet adds a few of its own (a client's
 * {@code protocol}, {@code connected_ms}, {@code skips} and {@code drops}; a pulled stream's {@code upstream}).
 */
final class SrsShapes {
    /** Streamlet has no virtual hosts: everything is in SRS's default one. */
    static final String VHOST = "__defaultVhost__";
    static final String VERSION = Version.get();

    private final Streamlet state;
    private final TrafficSampler sampler;
    private final TrafficTotals totals;

    SrsShapes(Streamlet state, TrafficSampler sampler) {
        this.state = state;
        this.sampler = sampler;
        this.totals = new TrafficTotals(state);
    }

    ObjectNode version() {
        String[] parts = VERSION.split("[.-]");
        ObjectNode o = Json.MAPPER.createObjectNode();
        o.put("major", versionPart(parts, 0));
        o.put("minor", versionPart(parts, 1));
        o.put("revision", versionPart(parts, 2));
        o.put("version", VERSION);
        return o;
    }

    /** Where a pulled stream comes from (an edge's origin): Streamlet's own field, SRS has none. */
    private ObjectNode upstream(Pull pull) {
        ObjectNode o = Json.MAPPER.createObjectNode();
        URI url = pull.upstreamUrl();
        if (url == null) o.putNull("url"); else o.put("url", url.toString());
        o.put("state", pull.state().name().toLowerCase(Locale.ROOT));
        o.put("recv_bytes", pull.bytesIn());
        o.put("reconnects", pull.reconnects());
        return o;
    }

    ObjectNode stream(LiveSource s) {
        StreamKey key = s.key();
        String publisherId = s.publisherId();
        Client publisher = publisherId == null ? null : state.findClient(publisherId);
        ObjectNode o = Json.MAPPER.createObjectNode();
        o.put("id", s.id());
        o.put("name", key.stream());
        o.put("vhost", VHOST);
        o.put("app", key.app());
        o.put("tcUrl", publisher == null || publisher.tcUrl() == null ? "" : publisher.tcUrl());
        o.put("url", "/" + key.app() + "/" + key.stream());
        o.put("live_ms", s.publishedAtMillis());
        o.put("clients", s.consumerCount() + (publisherId == null ? 0 : 1)); // SRS counts the publisher too
        o.put("frames", s.videoFrames());
        o.put("send_bytes", s.bytesOut());
        o.put("recv_bytes", s.bytesIn());
        o.set("kbps", kbps(sampler.of(s)));
        ObjectNode publish = o.putObject("publish");
        publish.put("active", publisherId != null);
        if (publisherId != null) publish.put("cid", publisherId);
        state.pulls().pulls().stream().filter(p -> p.key().equals(key)).findFirst()
                .ifPresent(pull -> o.set("upstream", upstream(pull)));
        CodecDetails.Video video = s.videoDetails();
        if (video == null) {
            o.putNull("video");
        } else {
            ObjectNode v = o.putObject("video");
            v.put("codec", video.codec());
            v.put("profile", video.profile());
            v.put("level", video.level());
            v.put("width", video.width());
            v.put("height", video.height());
        }
        CodecDetails.Audio audio = s.audioDetails();
        if (audio == null) {
            o.putNull("audio");
        } else {
            ObjectNode a = o.putObject("audio");
            a.put("codec", audio.codec());
            a.put("sample_rate", audio.sampleRate());
            a.put("channel", audio.channels());
            a.put("profile", audio.profile());
        }
        HlsStream hls = state.hls() == null ? null : state.hls().find(key);
        if (hls == null) {
            o.putNull("hls");
        } else {
            ObjectNode h = o.putObject("hls");
            h.put("url", HlsPath.playlistPath(key));
            h.put("sequence", hls.lastSequence());
            h.put("segments", hls.segmentsKept());
            h.put("bytes", hls.bytesKept());
        }
        return o;
    }

    ObjectNode client(Client c) {
        StreamKey key = c.streamKey();
        LiveSource stream = key == null ? null : state.registry().find(key);
        boolean publisher = c.role() == Client.Role.PUBLISHER;
        ObjectNode o = Json.MAPPER.createObjectNode();
        o.put("id", c.id());
        o.put("vhost", VHOST);
        o.put("stream", stream == null ? "" : stream.id());
        o.put("ip", c.ip());
        o.put("pageUrl", "");
        o.put("swfUrl", "");
        o.put("tcUrl", c.tcUrl() == null ? "" : c.tcUrl());
        o.put("url", c.url());
        o.put("name", key == null ? "" : key.stream());
        o.put("type", c.type()); // SRS's names: fmle-publish, flv-play, rtmp-play
        o.put("publish", publisher);
        o.put("alive", (System.currentTimeMillis() - c.connectedAtMillis()) / 1000.0);
        o.put("send_bytes", c.bytesSent());
        o.put("recv_bytes", c.bytesReceived());
        o.set("kbps", kbps(sampler.of(c)));
        o.put("protocol", c.protocol());
        o.put("connected_ms", c.connectedAtMillis());
        o.put("skips", c.skips());
        o.put("drops", c.droppedTags());
        return o;
    }

    /** SRS's summaries: this process and the machine, plus Streamlet's totals. */
    ObjectNode summary() {
        OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
        MemoryUsage heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage();
        long heapMax = heap.getMax() > 0 ? heap.getMax() : heap.getCommitted();
        double processCpu = -1;
        double systemCpu = -1;
        long ramBytes = 0;
        long freeRamBytes = 0;
        if (os instanceof com.sun.management.OperatingSystemMXBean hotspot) { // HotSpot and OpenJ9 both have it
            processCpu = hotspot.getProcessCpuLoad();
            systemCpu = hotspot.getCpuLoad();
            ramBytes = hotspot.getTotalMemorySize();
            freeRamBytes = hotspot.getFreeMemorySize();
        }
        TrafficTotals.Snapshot traffic = totals.read();
        int players = state.players().size();
        int rtmp = state.rtmpClients().size();

        ObjectNode o = Json.MAPPER.createObjectNode();
        o.put("ok", true);
        o.put("now_ms", System.currentTimeMillis());
        ObjectNode self = o.putObject("self");
        self.put("version", VERSION);
        self.put("pid", ProcessHandle.current().pid());
        self.put("ppid", ProcessHandle.current().parent().map(ProcessHandle::pid).orElse(0L));
        self.put("cwd", Path.of("").toAbsolutePath().toString());
        self.put("mem_kbyte", heap.getUsed() / 1024); // the JVM heap in use
        self.put("mem_percent", percent(heap.getUsed(), heapMax));
        self.put("heap_max_kbyte", heapMax / 1024);
        self.put("cpu_percent", processCpu < 0 ? 0 : round2(processCpu * 100));
        self.put("srs_uptime", ManagementFactory.getRuntimeMXBean().getUptime() / 1000);
        self.put("threads", ManagementFactory.getThreadMXBean().getThreadCount());
        ObjectNode system = o.putObject("system");
        system.put("cpu_percent", systemCpu < 0 ? 0 : round2(systemCpu * 100));
        system.put("cpus", os.getAvailableProcessors());
        system.put("cpus_online", os.getAvailableProcessors());
        double load = os.getSystemLoadAverage();
        system.put("load_1m", load < 0 ? 0 : round2(load));
        system.put("mem_ram_kbyte", ramBytes / 1024);
        system.put("mem_ram_percent", percent(ramBytes - freeRamBytes, ramBytes));
        system.put("srs_sample_time", System.currentTimeMillis());
        system.put("srs_recv_bytes", traffic.bytesReceived());
        system.put("srs_send_bytes", traffic.bytesSent());
        system.put("conn_srs", players + rtmp);
        system.put("streams", state.registry().sources().size());
        system.put("publishers", state.registry().sources().stream().filter(s -> s.publisherId() != null).count());
        system.put("players", players);
        return o;
    }

    private ObjectNode kbps(TrafficSampler.Kbps k) {
        ObjectNode o = Json.MAPPER.createObjectNode();
        o.put("recv_30s", k.recv30s());
        o.put("send_30s", k.send30s());
        return o;
    }

    private static int versionPart(String[] parts, int i) {
        try {
            return i < parts.length ? Integer.parseInt(parts[i]) : 0;
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    private static double percent(long part, long whole) {
        return whole <= 0 ? 0 : round2(100.0 * part / whole);
    }

    private static double round2(double v) {
        return Math.round(v * 100) / 100.0;
    }
}
