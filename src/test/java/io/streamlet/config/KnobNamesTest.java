package io.streamlet.config;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.streamlet.server.StreamletConfig;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class KnobNamesTest {
    private static Properties properties(Map<String, String> values) {
        Properties p = new Properties();
        p.putAll(values);
        return p;
    }

    @ParameterizedTest
    @CsvSource({
            "streamlet.rtmp.port, STREAMLET_RTMP_PORT",
            "streamlet.auth.playSecret, STREAMLET_AUTH_PLAY_SECRET",
            "streamlet.rtmp.failOnBindError, STREAMLET_RTMP_FAIL_ON_BIND_ERROR",
            "streamlet.http.flvMount, STREAMLET_HTTP_FLV_MOUNT"})
    void environmentNamesAreUpperSnakeCase(String knob, String variable) {
        assertEquals(variable, KnobNames.environmentName(knob));
    }

    @Test
    void bothEnvironmentSpellingsWorkAndASystemPropertyWins() {
        KnobNames snake = new KnobNames(name -> null, Map.of("STREAMLET_AUTH_PLAY_SECRET", "a"), new Properties());
        KnobNames asIs = new KnobNames(name -> null, Map.of("STREAMLET_AUTH_PLAYSECRET", "b"), new Properties());
        assertEquals("a", StreamletConfig.load(snake).auth().playSecret().value());
        assertEquals("b", StreamletConfig.load(asIs).auth().playSecret().value());
        KnobNames all = new KnobNames(name -> "d", Map.of("STREAMLET_AUTH_PLAY_SECRET", "e"),
                properties(Map.of("streamlet.auth.playSecret", "f")));
        assertEquals("f", all.apply("streamlet.auth.playSecret"), "system property, then environment, then context");
        assertEquals("e", new KnobNames(name -> "d", Map.of("STREAMLET_AUTH_PLAY_SECRET", "e"), new Properties())
                .apply("streamlet.auth.playSecret"));
    }

    @Test
    void settingsThatNoKnobReadsAreReportedWithTheNearestKnob() {
        KnobNames knobs = new KnobNames(name -> null,
                Map.of("STREAMLET_AUTH_PLAY_SECRET", "s", "STREAMLET_AUTH_PUBLISHSECRET", "t", "STREAMLET_AUTH_PLAY_SECRT", "x",
                        "STREAMLET_HTTP_PORT", "9090", "PATH", "/bin"),
                properties(Map.of("streamlet.rtmp.port", "1936", "streamlet.rtmp.prot", "1937", "streamlet.http.host", "::",
                        "java.version", "17")));
        StreamletConfig.load(knobs);
        List<String> reported = knobs.unknownNames(List.of("streamlet.auth.playsecret", "streamlet.hooks.onPlay", "other"))
                .stream().map(KnobNames.Unknown::toString).toList();
        assertEquals(List.of(
                "Streamlet ignores the system property streamlet.rtmp.prot: no knob has that name (did you mean streamlet.rtmp.port?)",
                "Streamlet ignores the environment variable STREAMLET_AUTH_PLAY_SECRT: no knob has that name"
                        + " (did you mean STREAMLET_AUTH_PLAY_SECRET?)",
                "Streamlet ignores the context parameter streamlet.auth.playsecret: no knob has that name"
                        + " (did you mean streamlet.auth.playSecret?)"), reported);
    }

    @Test
    void editDistance() {
        assertEquals(0, KnobNames.editDistance("port", "port"));
        assertEquals(2, KnobNames.editDistance("prot", "port"));
        assertEquals(1, KnobNames.editDistance("secrt", "secret"));
    }
}
