package io.streamlet.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.streamlet.auth.UrlSigner;
import io.streamlet.testing.ExternalTools;
import io.streamlet.testing.ExternalTools.Result;
import io.streamlet.testing.HttpFlvClient;
import io.streamlet.testing.StandaloneContainer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The packaged WAR run as {@code java -jar streamlet.war}: it serves the webapp at the root with RTMP
 * beside it, streams from ffmpeg to a player, and on SIGTERM (what Ctrl-C and service managers send)
 * ends each player's response cleanly and logs Streamlet's stop lines before the JVM exits.
 */
class ExecutableWarIT {
    private static final long START_TIMEOUT_MS = 60_000;

    @TempDir
    Path tmp;
    private Process server;
    private Path log;

    private static Path war() {
        return Path.of(System.getProperty("streamlet.war", "target/streamlet.war"));
    }

    /** {@code java [jvmOptions] -jar streamlet.war [args]}, unpacking into this test's own temp folder. */
    private ProcessBuilder javaJar(List<String> jvmOptions, String... args) {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Djava.io.tmpdir=" + tmp));
        command.addAll(jvmOptions);
        command.addAll(List.of("-jar", war().toString()));
        command.addAll(List.of(args));
        return new ProcessBuilder(command).redirectErrorStream(true);
    }

    @BeforeEach
    void setUp() {
        log = tmp.resolve("server.log");
    }

    @AfterEach
    void tearDown() throws InterruptedException {
        if (server != null && server.isAlive()) server.destroyForcibly().waitFor();
    }

    @Test
    void servesTheWebappWithRtmpAndStopsGracefullyOnSigterm() throws Exception {
        String ffmpeg = ExternalTools.require("ffmpeg", "ffmpeg");
        int httpPort = StandaloneContainer.freePort();
        int rtmpPort = StandaloneContainer.freePort();
        long startedAt = System.nanoTime();
        // A misspelt knob is not silently ignored.
        server = javaJar(List.of("-Dstreamlet.rtmp.port=" + rtmpPort, "-Dstreamlet.rtmp.idleTimout=5s"),
                "--http-host=127.0.0.1", "--http-port=" + httpPort).redirectOutput(log.toFile()).start();
        assertTrue(awaitLog(server, log, "Streamlet serves http://127.0.0.1:" + httpPort + "/"), "no start line:\n" + log());
        System.out.printf("java -jar streamlet.war served after %d ms%n", TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startedAt));
        assertTrue(log().contains("Streamlet started in /: RTMP on 0.0.0.0:" + rtmpPort), log());
        assertTrue(log().contains("Streamlet access control in /: publish: open; play: open; API and /metrics: open"), log());
        assertTrue(log().contains("Streamlet ignores the system property streamlet.rtmp.idleTimout: no knob has that name"
                + " (did you mean streamlet.rtmp.idleTimeout?)"), log());

        // The launcher's classes sit at the WAR's root for the JVM, not for browsers.
        HttpURLConnection launcherClass = (HttpURLConnection) URI.create(
                "http://127.0.0.1:" + httpPort + "/io/streamlet/launcher/Main.class").toURL().openConnection();
        assertEquals(403, launcherClass.getResponseCode(), "the launcher is not served as a static file");
        launcherClass.disconnect();

        Process publisher = ExternalTools.start(List.of(ffmpeg, "-hide_banner", "-loglevel", "error", "-re",
                "-f", "lavfi", "-i", "testsrc2=size=320x180:rate=30", "-f", "lavfi", "-i", "sine=frequency=440",
                "-c:v", "libx264", "-preset", "veryfast", "-tune", "zerolatency", "-g", "30", "-pix_fmt", "yuv420p",
                "-c:a", "aac", "-t", "60", "-f", "flv", "rtmp://127.0.0.1:" + rtmpPort + "/live/jar"));
        try {
            HttpFlvClient player = awaitPlayer(httpPort, "/live/jar.flv", publisher);
            try (player) {
                player.readTags(30, 10_000);
                assertTrue(player.flv.tags.size() >= 30, "the player received media: " + player.flv.tags.size() + " tags");

                server.destroy(); // SIGTERM
                assertTrue(player.readToEnd(15_000), "the player's response ended with its terminating chunk");
            }
            assertTrue(server.waitFor(30, TimeUnit.SECONDS), "the server exited after SIGTERM");
        } finally {
            publisher.destroy();
            publisher.waitFor();
        }
        String log = log();
        assertTrue(log.contains("closed: end of stream"), "the player was ended by the webapp:\n" + log);
        assertTrue(log.contains("Streamlet stopped in /"), "the webapp's stop line:\n" + log);
        assertTrue(log.indexOf("Streamlet stopped in /") < log.indexOf("Stopped oejs.ServerConnector"),
                "the webapp stopped before the server closed its connections:\n" + log);
    }

    @Test
    void signSubcommandPrintsAUrlTheServerAccepts() throws Exception {
        Process sign = javaJar(List.of(), "sign", "s3cret", "http://127.0.0.1:8080/live/jar.flv", "600")
                .redirectOutput(log.toFile()).start();
        assertTrue(sign.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, sign.exitValue(), log());
        String url = log().strip();
        assertTrue(url.startsWith("http://127.0.0.1:8080/live/jar.flv?sign="), url);
        String signature = url.substring(url.indexOf("sign=") + "sign=".length());
        assertNull(new UrlSigner("s3cret").verify("/live/jar", signature, System.currentTimeMillis() / 1000), url);
    }

    @Test
    void badArgumentsAreRefusedWithTheUsage() throws Exception {
        Result result = ExternalTools.run(javaJar(List.of(), "--http-port=http").command(), 60);
        assertEquals(2, result.exitCode(), result.output());
        assertTrue(result.output().contains("invalid HTTP port 'http'"), result.output());
        assertTrue(result.output().contains("usage: java -jar streamlet.war"), result.output());
    }

    /** As a cluster on one machine starts: several launchers unpack the same WAR into one temp folder at once. */
    @Test
    void launchersStartedAtOnceShareOneUnpackedCopy() throws Exception {
        List<Process> servers = new ArrayList<>();
        List<Path> logs = new ArrayList<>();
        try {
            for (int i = 0; i < 3; i++) {
                logs.add(tmp.resolve("server-" + i + ".log"));
                servers.add(javaJar(List.of("-Xmx256m", "-Dstreamlet.rtmp.enabled=false"), "--http-host=127.0.0.1",
                        "--http-port=0").redirectOutput(logs.get(i).toFile()).start());
            }
            for (int i = 0; i < servers.size(); i++) {
                String started = "Streamlet serves http://127.0.0.1:";
                assertTrue(awaitLog(servers.get(i), logs.get(i), started), "launcher " + i + ":\n" + read(logs.get(i)));
                String log = read(logs.get(i));
                int from = log.indexOf(started) + started.length();
                int port = Integer.parseInt(log.substring(from, log.indexOf('/', from)));
                HttpURLConnection api = (HttpURLConnection) URI.create("http://127.0.0.1:" + port + "/api/v1/streams/")
                        .toURL().openConnection();
                assertEquals(200, api.getResponseCode(), "launcher " + i + " serves the webapp");
                api.disconnect();
            }
            try (Stream<Path> files = Files.list(tmp)) {
                List<String> unpacked = files.map(f -> f.getFileName().toString()).filter(n -> n.startsWith("streamlet-war-")).toList();
                assertEquals(1, unpacked.size(), "one whole copy, no partial one left: " + unpacked);
                assertFalse(unpacked.get(0).contains(".partial-"), unpacked.get(0));
            }
        } finally {
            for (Process p : servers) p.destroyForcibly().waitFor();
        }
    }

    private HttpFlvClient awaitPlayer(int httpPort, String path, Process publisher) throws Exception {
        long deadline = System.currentTimeMillis() + 15_000;
        while (true) {
            HttpFlvClient player = new HttpFlvClient(httpPort, "GET", path);
            if (player.status == 200) return player;
            player.close();
            assertEquals(404, player.status, "before the publish");
            assertTrue(publisher.isAlive() && System.currentTimeMillis() < deadline, "ffmpeg did not publish");
            Thread.sleep(100);
        }
    }

    private static boolean awaitLog(Process process, Path log, String text) throws InterruptedException {
        long deadline = System.currentTimeMillis() + START_TIMEOUT_MS;
        while (!read(log).contains(text)) {
            if (System.currentTimeMillis() > deadline || !process.isAlive()) return read(log).contains(text);
            Thread.sleep(50);
        }
        return true;
    }

    private String log() {
        return read(log);
    }

    private static String read(Path file) {
        try {
            return Files.exists(file) ? Files.readString(file, StandardCharsets.UTF_8) : "";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
