package io.streamlet.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.streamlet.config.ConfigReader;
import io.streamlet.config.InvalidConfigException;
import io.streamlet.live.StreamKey;
import java.net.URI;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ClusterConfigTest {

    private static ClusterConfig read(Map<String, String> knobs) {
        return ClusterConfig.read(new ConfigReader(knobs::get));
    }

    private static String refusal(Map<String, String> knobs) {
        return assertThrows(InvalidConfigException.class, () -> read(knobs)).getMessage();
    }

    @Test
    void defaultsToStandaloneWithTheIssuesTimes() {
        ClusterConfig c = read(Map.of());
        assertEquals(ClusterConfig.Mode.STANDALONE, c.mode());
        assertEquals(15_000, c.idleTimeoutMs());
        assertEquals(5_000, c.maxStreamWaitMs());
        assertEquals(3_000, c.claimTtlMs());
        assertEquals(null, c.redis());
    }

    @Test
    void readsAnEdgesOriginsWithoutTrailingSlashes() {
        ClusterConfig c = read(Map.of("streamlet.cluster.mode", "Edge",
                "streamlet.cluster.origins", "http://10.0.0.5:8080/, rtmp://10.0.0.6:1935",
                "streamlet.cluster.nodeUrl", "http://10.0.0.9:8080"));
        assertEquals(List.of(URI.create("http://10.0.0.5:8080"), URI.create("rtmp://10.0.0.6:1935")), c.origins());
        StreamKey key = new StreamKey("live", "cam");
        assertEquals(URI.create("http://10.0.0.5:8080/live/cam.flv"), EdgeLocator.playUrl(c.origins().get(0), key));
        assertEquals(URI.create("rtmp://10.0.0.6:1935/live/cam"), EdgeLocator.playUrl(c.origins().get(1), key));
    }

    @Test
    void refusesWhatCannotWork() {
        assertEquals("invalid value 'primary' for streamlet.cluster.mode: expected one of standalone, origin, edge",
                refusal(Map.of("streamlet.cluster.mode", "primary")));
        assertEquals("streamlet.cluster.mode=origin with streamlet.cluster.redis needs streamlet.cluster.nodeUrl:"
                + " the URL edges pull this node's streams from",
                refusal(Map.of("streamlet.cluster.mode", "origin", "streamlet.cluster.redis", "redis://127.0.0.1:6379/0")));
        assertEquals("streamlet.cluster.mode=edge needs streamlet.cluster.redis or streamlet.cluster.origins:"
                + " where to find the streams it plays", refusal(Map.of("streamlet.cluster.mode", "edge")));
        assertEquals("streamlet.cluster.redis and streamlet.cluster.origins need streamlet.cluster.mode=origin or edge"
                + " (it is standalone)", refusal(Map.of("streamlet.cluster.origins", "http://10.0.0.5:8080")));
        assertEquals("invalid value 'ftp://h' for streamlet.cluster.origins: expected a http:// or https:// or rtmp://"
                + " base URL such as http://10.0.0.5:8080",
                refusal(Map.of("streamlet.cluster.mode", "edge", "streamlet.cluster.origins", "ftp://h")));
        assertEquals("invalid value 'http://h' for streamlet.cluster.redis: expected a Redis URI such as"
                + " redis://127.0.0.1:6379/0 or redis-sentinel://...",
                refusal(Map.of("streamlet.cluster.mode", "edge", "streamlet.cluster.redis", "http://h")));
    }
}
