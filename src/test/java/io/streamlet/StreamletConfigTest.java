package io.streamlet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.streamlet.StreamletConfig.InvalidConfigException;
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
        assertTrue(c.rtmpEnabled());
        assertEquals("0.0.0.0", c.rtmpHost());
        assertEquals(1935, c.rtmpPort());
        assertTrue(c.rtmpFailOnBindError());
        assertEquals(5_000, c.shutdownDrainMs());
        assertEquals(16 * 1024, c.writeBatchBytes());
        assertEquals(Runtime.getRuntime().availableProcessors(), c.fanoutThreads());
        assertEquals(List.of("*"), c.corsAllowOrigins());
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
        assertEquals(120_000, c.shutdownDrainMs());
        assertEquals(1_500, c.playerStallTimeoutMs());
        assertEquals(30_000, c.rtmpIdleTimeoutMs());
        assertEquals(250, c.trackGuessMs(), "a bare number is milliseconds");
        assertEquals(2 * 1024 * 1024, c.rtmpMaxMessageSize());
        assertEquals(64 * 1024, c.writeBatchBytes());
        assertEquals(1L << 30, c.maxQueueBytes());
        assertFalse(c.rtmpFailOnBindError());
        assertEquals(List.of("https://a.example", "https://b.example"), c.corsAllowOrigins());
        assertEquals(16384, load(Map.of("streamlet.live.logCapacity", "10000")).logCapacity(), "rounded up to a power of two");
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
    })
    void badValueIsRefusedWithAMessageNamingTheKnob(String name, String value, String message) {
        String error = error(name, value);
        assertTrue(error.startsWith(message), error);
    }

    @Test
    void systemPropertyBeatsEnvironmentBeatsContextParameterBeatsDefault() {
        // The environment cannot be set from Java: PATH stands in for an environment variable that is set.
        Map<String, String> contextParams = Map.of("path", "from-web.xml", "streamlet.rtmp.port", "1936");
        var layered = StreamletConfig.Source.layered(contextParams::get);
        assertEquals(System.getenv("PATH"), layered.apply("path"), "environment (PATH) over context parameter");
        assertEquals("1936", layered.apply("streamlet.rtmp.port"), "context parameter when nothing else is set");
        assertEquals(null, layered.apply("streamlet.rtmp.host"), "unset: the default applies");

        String property = "streamlet.test.precedence";
        System.setProperty(property, " from-property ");
        System.setProperty("path", "property-over-env");
        try {
            var withProperty = StreamletConfig.Source.layered(Map.of(property, "from-web.xml")::get);
            assertEquals("from-property", withProperty.apply(property), "system property over context parameter, trimmed");
            assertEquals("property-over-env", withProperty.apply("path"), "system property over environment");
        } finally {
            System.clearProperty(property);
            System.clearProperty("path");
        }
        assertEquals(1936, StreamletConfig.load(layered).rtmpPort(), "the typed value from the layered source");
    }
}
