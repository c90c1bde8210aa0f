package io.streamlet.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.streamlet.config.ConfigReader;
import io.streamlet.config.KnobNames;
import io.streamlet.config.InvalidConfigException;
import io.streamlet.servlet.HttpConfig;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class StreamletConfigTest {
    private static StreamletConfig load(Map<String, String> values) {
        return StreamletConfig.load(values::get);
    }

    private static String error(String name, String value) {
        return assertThrows(InvalidConfigException.class, () -> load(Map.of(name, value))).getMessage();
    }

    @Test
    void defaultsWork() {
        StreamletConfig c = StreamletConfig.defaults();
        assertTrue(c.rtmp().enabled());
        assertEquals("0.0.0.0", c.rtmp().host());
        assertEquals(1935, c.rtmp().port());
        assertTrue(c.rtmp().failOnBindError());
        assertEquals(5_000, c.delivery().shutdownDrainMs());
        assertEquals(16 * 1024, c.delivery().writeBatchBytes());
        assertEquals(Runtime.getRuntime().availableProcessors(), c.delivery().fanoutThreads());
        assertEquals(List.of("*"), HttpConfig.read(new ConfigReader(name -> null)).corsAllowOrigins());
        assertTrue(c.hls().enabled(), "HLS is on by default");
        assertEquals(2_000, c.hls().fragmentMs());
        assertEquals(6, c.hls().window());
        assertEquals(null, c.hls().path(), "served from memory only");
        assertEquals(List.of(), c.auth().hooksOnHls());
    }

    @Test
    void readsTheHlsKnobs() {
        StreamletConfig c = load(Map.of("streamlet.hls.enabled", "false", "streamlet.hls.fragment", "4s",
                "streamlet.hls.window", "10", "streamlet.hls.path", "hls-out/",
                "streamlet.hooks.onHls", "http://127.0.0.1:8085/api/v1/hls"));
        assertFalse(c.hls().enabled());
        assertEquals(4_000, c.hls().fragmentMs());
        assertEquals(10, c.hls().window());
        assertEquals(java.nio.file.Path.of("hls-out").toAbsolutePath(), c.hls().path());
        assertEquals("http://127.0.0.1:8085/api/v1/hls", c.auth().hooksOnHls().get(0).toString());
    }

    @Test
    void parsesDurationsSizesBooleansAndLists() {
        StreamletConfig c = load(Map.of(
                "streamlet.http.shutdownDrain", "2m",
                "streamlet.http.playerStallTimeout", "1500ms",
                "streamlet.rtmp.idleTimeout", "30s",
                "streamlet.live.trackGuess", "250",
                "streamlet.rtmp.maxMessageSize", "2MiB",
                "streamlet.http.writeBatch", "64KiB",
                "streamlet.live.maxQueueBytes", "1GiB",
                "streamlet.rtmp.failOnBindError", "off",
                "streamlet.cors.allowOrigins", " https://a.example , https://b.example ,"));
        assertEquals(120_000, c.delivery().shutdownDrainMs());
        assertEquals(1_500, c.delivery().playerStallTimeoutMs());
        assertEquals(30_000, c.rtmp().idleTimeoutMs());
        assertEquals(250, c.live().trackGuessMs(), "a bare number is milliseconds");
        assertEquals(2 * 1024 * 1024, c.rtmp().maxMessageSize());
        assertEquals(64 * 1024, c.delivery().writeBatchBytes());
        assertEquals(1L << 30, c.live().maxQueueBytes());
        assertFalse(c.rtmp().failOnBindError());
        assertEquals(List.of("https://a.example", "https://b.example"), HttpConfig.read(new ConfigReader(Map.of(
                "streamlet.cors.allowOrigins", " https://a.example , https://b.example ,")::get)).corsAllowOrigins());
        assertEquals(16384, load(Map.of("streamlet.live.logCapacity", "10000")).live().logCapacity(), "rounded up to a power of two");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "streamlet.rtmp.port           | abc     | invalid value 'abc' for streamlet.rtmp.port: expected a whole number",
        "streamlet.rtmp.port           | 65536   | invalid value '65536' for streamlet.rtmp.port: must be between 0 and 65535",
        "streamlet.rtmp.port           | -1      | invalid value '-1' for streamlet.rtmp.port: must be between 0 and 65535",
        "streamlet.rtmp.failOnBindError| maybe   | invalid value 'maybe' for streamlet.rtmp.failOnBindError: expected true or false",
        "streamlet.http.shutdownDrain  | soon    | invalid value 'soon' for streamlet.http.shutdownDrain: expected a duration",
        "streamlet.http.shutdownDrain  | 11m     | invalid value '11m' for streamlet.http.shutdownDrain: must be between 0 and 600000",
        "streamlet.http.writeBatch     | 1TiB    | invalid value '1TiB' for streamlet.http.writeBatch: expected a size",
        "streamlet.http.writeBatch     | 100     | invalid value '100' for streamlet.http.writeBatch: must be between 512",
        "streamlet.http.fanoutThreads  | 0       | invalid value '0' for streamlet.http.fanoutThreads: must be between 1 and 1024",
        "streamlet.hls.fragment        | 100ms   | invalid value '100ms' for streamlet.hls.fragment: must be between 500 and 60000",
        "streamlet.hls.window          | 1       | invalid value '1' for streamlet.hls.window: must be between 2 and 100",
        "streamlet.hooks.onHls         | ftp://x | invalid value 'ftp://x' for streamlet.hooks.onHls: expected http://",
    })
    void badValueIsRefusedWithAMessageNamingTheKnob(String name, String value, String message) {
        String error = error(name, value);
        assertTrue(error.startsWith(message), error);
    }

    @Test
    void systemPropertyBeatsEnvironmentBeatsContextParameterBeatsDefault() {
        // The environment cannot be set from Java: PATH stands in for an environment variable that is set.
        Map<String, String> contextParams = Map.of("path", "from-web.xml", "streamlet.rtmp.port", "1936");
        KnobNames layered = new KnobNames(contextParams::get);
        assertEquals(System.getenv("PATH"), layered.apply("path"), "environment (PATH) over context parameter");
        assertEquals("1936", layered.apply("streamlet.rtmp.port"), "context parameter when nothing else is set");
        assertEquals(null, layered.apply("streamlet.rtmp.host"), "unset: the default applies");

        String property = "streamlet.test.precedence";
        System.setProperty(property, " from-property ");
        System.setProperty("path", "property-over-env");
        try {
            KnobNames withProperty = new KnobNames(Map.of(property, "from-web.xml")::get);
            assertEquals("from-property", withProperty.apply(property), "system property over context parameter, trimmed");
            assertEquals("property-over-env", withProperty.apply("path"), "system property over environment");
        } finally {
            System.clearProperty(property);
            System.clearProperty("path");
        }
        assertEquals(1936, StreamletConfig.load(layered).rtmp().port(), "the typed value from the layered source");
    }
}
