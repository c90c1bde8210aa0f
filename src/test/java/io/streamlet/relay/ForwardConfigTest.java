package io.streamlet.relay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.streamlet.config.ConfigReader;
import io.streamlet.config.InvalidConfigException;
import io.streamlet.live.StreamKey;
import java.net.URI;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ForwardConfigTest {
    private static ForwardConfig read(Map<String, String> knobs) {
        return ForwardConfig.read(new ConfigReader(knobs::get));
    }

    @Test
    void offByDefault() {
        ForwardConfig config = read(Map.of());
        assertFalse(config.enabled());
        assertEquals(List.of(), config.destinations());
        assertNull(config.backend());
        assertEquals(10_000, config.timeoutMs());
    }

    @Test
    void templatesNameTheStream() {
        ForwardConfig config = read(Map.of("streamlet.forward.destinations",
                "rtmp://a.example/live/[stream], rtmp://b.example:1936/[app]/[stream]?key=s"));
        assertTrue(config.enabled());
        StreamKey key = new StreamKey("live", "cam1");
        assertEquals("rtmp://a.example/live/cam1", ForwardConfig.expand(config.destinations().get(0), key));
        assertEquals("rtmp://b.example:1936/live/cam1?key=s", ForwardConfig.expand(config.destinations().get(1), key));
    }

    @Test
    void badValuesNameTheKnob() {
        String notRtmp = assertThrows(InvalidConfigException.class,
                () -> read(Map.of("streamlet.forward.destinations", "http://a.example/live/x"))).getMessage();
        assertTrue(notRtmp.contains("streamlet.forward.destinations") && notRtmp.contains("rtmp://"), notRtmp);
        String noStream = assertThrows(InvalidConfigException.class,
                () -> read(Map.of("streamlet.forward.destinations", "rtmp://a.example/live"))).getMessage();
        assertTrue(noStream.contains("app/stream"), noStream);
        String twoBackends = assertThrows(InvalidConfigException.class,
                () -> read(Map.of("streamlet.forward.backend", "http://a/x,http://b/y"))).getMessage();
        assertTrue(twoBackends.contains("streamlet.forward.backend"), twoBackends);
    }

    @Test
    void aBackendAloneEnablesForwarding() {
        ForwardConfig config = read(Map.of("streamlet.forward.backend", "http://127.0.0.1:8085/api/v1/forward"));
        assertTrue(config.enabled());
        assertEquals(URI.create("http://127.0.0.1:8085/api/v1/forward"), config.backend());
    }

    @Test
    void theBackendsAnswerGivesUrls() throws Exception {
        ObjectMapper json = new ObjectMapper();
        assertEquals(List.of("rtmp://a/live/x", "rtmp://b/live/y"),
                Forwards.urls(json.readTree("{\"code\":0,\"data\":{\"urls\":[\"rtmp://a/live/x\",\" rtmp://b/live/y \",\"\",7]}}")));
        assertEquals(List.of(), Forwards.urls(json.readTree("{\"code\":0}")));
        assertEquals(List.of(), Forwards.urls(json.readTree("0")));
    }
}
