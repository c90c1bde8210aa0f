package io.streamlet.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.net.URL;
import java.nio.file.Path;
import java.security.CodeSource;
import java.security.cert.Certificate;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The launcher's pure parts: where its WAR is, and its own arguments. */
class MainTest {
    @Test
    void theWarIsWhereTheClassWasLoadedFrom() throws Exception {
        CodeSource source = new CodeSource(new URL("file:/opt/streamlet/streamlet.war"), (Certificate[]) null);
        assertEquals(Path.of("/opt/streamlet/streamlet.war"), Main.warPath(source, "elsewhere.war"));
    }

    @Test
    void aClassWithoutLocationAsFromJava25sAotCacheFindsTheWarOnTheClassPath() throws Exception {
        assertEquals(Path.of("target/streamlet.war"), Main.warPath(null, "target/streamlet.war"));
        assertEquals(Path.of("target/streamlet.war"),
                Main.warPath(new CodeSource(null, (Certificate[]) null), "target/streamlet.war"));
    }

    @Test
    void onlyTheHttpPortAndHostAreTheLaunchersOwnArguments() {
        assertEquals(Map.of("--http-port", "0", "--http-host", "127.0.0.1"),
                Main.options(List.of("--http-port=0", "--http-host=127.0.0.1")));
        assertThrows(IllegalArgumentException.class, () -> Main.options(List.of("--http-port")));
        assertThrows(IllegalArgumentException.class, () -> Main.options(List.of("--rtmp-port=1936")));
    }
}
