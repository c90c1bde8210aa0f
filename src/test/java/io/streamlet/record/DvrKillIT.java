package io.streamlet.record;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.streamlet.testing.ExternalTools;
import io.streamlet.testing.ExternalTools.Result;
import io.streamlet.testing.StandaloneContainer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A recording survives the server's {@code kill -9}: the executable WAR runs as a process of its own and
 * records what ffmpeg publishes, is killed with SIGKILL a few seconds in (no shutdown hook, no close), and
 * the file it leaves must read in ffprobe and decode in ffmpeg to its end: FLV to its last complete tag, MP4
 * to its last whole fragment.
 */
class DvrKillIT {
    private static final int RECORD_MS = 4_000;

    @TempDir
    Path tmp;

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"flv", "mp4"})
    void aServerKilledMidRecordingLeavesAFileThatPlaysToItsEnd(String extension) throws Exception {
        String ffmpeg = ExternalTools.require("ffmpeg", "ffmpeg");
        String ffprobe = ExternalTools.require("ffprobe", "ffmpeg");
        int httpPort = StandaloneContainer.freePort();
        int rtmpPort = StandaloneContainer.freePort();
        Path dvr = tmp.resolve("dvr");
        Path log = tmp.resolve("server.log");
        Process server = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Djava.io.tmpdir=" + tmp, "-Dstreamlet.rtmp.port=" + rtmpPort, "-Dstreamlet.dvr.enabled=true",
                "-Dstreamlet.dvr.path=" + dvr + "/[app]/[stream]." + extension,
                "-jar", Path.of(System.getProperty("streamlet.war", "target/streamlet.war")).toString(),
                "--http-host=127.0.0.1", "--http-port=" + httpPort)
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        Process publisher = null;
        try {
            awaitLog(server, log, "Streamlet serves http://127.0.0.1:" + httpPort + "/");
            publisher = ExternalTools.start(List.of(ffmpeg, "-hide_banner", "-loglevel", "error", "-re",
                    "-f", "lavfi", "-i", "testsrc2=size=320x180:rate=30", "-f", "lavfi", "-i", "sine=frequency=440",
                    "-c:v", "libx264", "-preset", "ultrafast", "-tune", "zerolatency", "-g", "30", "-pix_fmt", "yuv420p",
                    "-c:a", "aac", "-t", "60", "-f", "flv", "rtmp://127.0.0.1:" + rtmpPort + "/live/killed"));
            awaitLog(server, log, "recording live/killed to");
            Thread.sleep(RECORD_MS);
            Result killed = ExternalTools.run(List.of("kill", "-9", Long.toString(server.pid())), 10);
            assertEquals(0, killed.exitCode(), killed.output());
            assertTrue(server.waitFor(10, TimeUnit.SECONDS));
            assertEquals(137, server.exitValue(), "killed by SIGKILL");
        } finally {
            if (publisher != null) {
                publisher.destroy();
                publisher.waitFor();
            }
            server.destroyForcibly().waitFor();
        }

        Path file = dvr.resolve("live").resolve("killed." + extension);
        assertTrue(Files.size(file) > 10_000, file + ": " + Files.size(file) + " bytes");
        Result probe = ExternalTools.run(List.of(ffprobe, "-v", "error", "-show_entries", "format=duration:stream=codec_name",
                "-of", "compact=p=0:nk=1", file.toString()), 30);
        assertEquals(0, probe.exitCode(), probe.output());
        List<String> lines = probe.output().lines().map(String::trim).filter(l -> !l.isEmpty()).toList();
        assertEquals(List.of("h264", "aac"), lines.subList(0, 2), probe.output());
        double seconds = Double.parseDouble(lines.get(2));
        assertTrue(seconds >= RECORD_MS / 1000.0 - 1.5, "the file holds what was recorded before the kill: " + seconds + " s");

        Result decoded = ExternalTools.run(List.of(ffmpeg, "-v", "error", "-i", file.toString(), "-f", "null", "-"), 30);
        System.out.printf("%s recording killed after %d ms: %d bytes, ffprobe %.2f s, ffmpeg said: '%s'%n",
                extension, RECORD_MS, Files.size(file), seconds, decoded.output().trim());
        assertEquals(0, decoded.exitCode(), decoded.output());
        assertEquals("", decoded.output().trim(), "decoded to its end without an error");
    }

    private static void awaitLog(Process server, Path log, String text) throws Exception {
        long deadline = System.currentTimeMillis() + 60_000;
        while (!(Files.exists(log) && Files.readString(log).contains(text))) {
            assertTrue(server.isAlive() && System.currentTimeMillis() < deadline,
                    "no '" + text + "' in the server's log:\n" + (Files.exists(log) ? Files.readString(log) : ""));
            Thread.sleep(50);
        }
    }
}
