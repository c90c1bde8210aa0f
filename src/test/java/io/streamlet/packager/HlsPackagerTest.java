package io.streamlet.packager;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.streamlet.auth.AccessPolicy;
import io.streamlet.auth.AuthConfig;
import io.streamlet.metrics.Metrics;
import java.time.Clock;
import java.util.List;
import org.junit.jupiter.api.Test;

class HlsPackagerTest {
    @Test
    void closeEndsEveryThread() throws Exception {
        AccessPolicy access = new AccessPolicy(AuthConfig.defaults(), new Metrics(), Clock.systemUTC());
        HlsPackager packager = new HlsPackager(HlsConfig.defaults(), access, id -> null);
        Thread.sleep(2_500); // the session sweep has run on the packager's threads
        packager.close();
        List<String> alive = Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().startsWith("streamlet-hls-") && t.isAlive()).map(Thread::getName).toList();
        assertEquals(List.of(), alive);
    }
}
