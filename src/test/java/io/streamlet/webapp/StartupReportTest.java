package io.streamlet.webapp;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.streamlet.api.ApiConfig;
import io.streamlet.auth.AuthConfig;
import io.streamlet.config.ConfigReader;
import io.streamlet.servlet.HttpConfig;
import java.util.Map;
import org.junit.jupiter.api.Test;

class StartupReportTest {

    private static String accessControls(Map<String, String> knobs) {
        ConfigReader r = new ConfigReader(knobs::get);
        return StartupReport.accessControls(AuthConfig.read(r), HttpConfig.read(r), ApiConfig.read(r));
    }

    @Test
    void theAccessControlsThatAreOnAreNamed() {
        assertEquals("publish: open; play: open; API and /metrics: open; CORS: *", accessControls(Map.of()));
        assertEquals("publish: IP rules, signed URLs; play: on_play hooks; API and /metrics: Basic auth; CORS: off",
                accessControls(Map.of(
                        "streamlet.auth.publishSecret", "p", "streamlet.auth.publishDeny", "10.0.0.0/8",
                        "streamlet.hooks.onPlay", "http://127.0.0.1:1/on_play",
                        "streamlet.api.username", "admin", "streamlet.api.password", "pw",
                        "streamlet.cors.enabled", "false")));
    }
}
