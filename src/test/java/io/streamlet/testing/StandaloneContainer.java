package io.streamlet.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * An unmodified container distribution (unpacked by Maven in {@code pre-integration-test}, its folder in
 * a system property) started with its own launcher as a separate process, from a fresh base folder with
 * the packaged WAR dropped into {@code webapps/}, listening on 127.0.0.1 on free ports. The WAR is then
 * served at {@code /streamlet}.
 */
public final class StandaloneContainer implements AutoCloseable {
    public static final String CONTEXT_PATH = "/streamlet";

    /** The distributions, each with the system property that names its unpacked folder. */
    public enum Kind {
        TOMCAT("tomcat.home"),
        JETTY("jetty.home");

        private final String homeProperty;

        Kind(String homeProperty) {
            this.homeProperty = homeProperty;
        }

        Path home() {
            String home = System.getProperty(homeProperty);
            if (home == null) throw new IllegalStateException(homeProperty + " is not set: run the test with `mvn verify`");
            return Path.of(home);
        }
    }

    private final Path base;
    private final Process process;
    private final int httpPort;
    /** Where the container writes its own log. */
    private final Path log;
    /** The container's own command that stops it (as an admin does), in the same environment. */
    private final ProcessBuilder stopper;

    private StandaloneContainer(Path base, Process process, int httpPort, Path log, ProcessBuilder stopper) {
        this.base = base;
        this.process = process;
        this.httpPort = httpPort;
        this.log = log;
        this.stopper = stopper;
    }

    /**
     * Starts {@code kind} with {@code war} deployed as {@code streamlet.war}, the JVM given {@code systemProperties}
     * ({@code -Dname=value}) and the environment {@code environment} on top of this one's.
     */
    public static StandaloneContainer start(Kind kind, Path war, Map<String, String> systemProperties,
            Map<String, String> environment) throws IOException, InterruptedException {
        Path home = kind.home();
        Path base = Files.createTempDirectory("streamlet-" + kind.name().toLowerCase() + "-base-");
        int httpPort = freePort();
        String javaOptions = systemProperties.entrySet().stream()
                .map(e -> "-D" + e.getKey() + "=" + e.getValue()).collect(Collectors.joining(" "));
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder launcher;
        ProcessBuilder stopper;
        Path log;
        if (kind == Kind.TOMCAT) {
            // CATALINA_BASE: the distribution's conf/ with free ports, and empty logs/, temp/, webapps/, work/.
            copyTree(home.resolve("conf"), base.resolve("conf"));
            for (String dir : List.of("logs", "temp", "webapps", "work")) Files.createDirectories(base.resolve(dir));
            Path serverXml = base.resolve("conf/server.xml");
            Files.writeString(serverXml, Files.readString(serverXml)
                    .replaceFirst("<Server port=\"8005\"", "<Server port=\"" + freePort() + "\"")
                    .replaceFirst("<Connector port=\"8080\"", "<Connector address=\"127.0.0.1\" port=\"" + httpPort + "\""));
            Files.copy(war, base.resolve("webapps/streamlet.war"));
            launcher = new ProcessBuilder("sh", home.resolve("bin/catalina.sh").toString(), "run");
            stopper = new ProcessBuilder("sh", home.resolve("bin/catalina.sh").toString(), "stop"); // via the shutdown port
            for (ProcessBuilder script : List.of(launcher, stopper)) {
                script.environment().put("CATALINA_HOME", home.toString());
                script.environment().put("CATALINA_BASE", base.toString());
                script.environment().put("JAVA_HOME", System.getProperty("java.home"));
            }
            launcher.environment().put("CATALINA_OPTS", javaOptions);
            log = base.resolve("logs"); // Tomcat's own logs (JULI): catalina.<date>.log, localhost.<date>.log
        } else {
            // A Jetty base with the modules the WAR needs, as Jetty's documentation sets one up.
            ExternalTools.Result setUp = ExternalTools.run(List.of(java, "-jar", home.resolve("start.jar").toString(),
                    "jetty.home=" + home, "jetty.base=" + base, "--add-modules=http,ee10-deploy"), 60);
            if (setUp.exitCode() != 0) throw new IOException("creating the Jetty base failed:\n" + setUp.output());
            Files.copy(war, base.resolve("webapps/streamlet.war"));
            List<String> stopPort = List.of("STOP.PORT=" + freePort(), "STOP.KEY=streamlet-test");
            List<String> command = new ArrayList<>(List.of(java));
            systemProperties.forEach((name, value) -> command.add("-D" + name + "=" + value));
            command.addAll(List.of("-jar", home.resolve("start.jar").toString(), "jetty.home=" + home,
                    "jetty.base=" + base, "jetty.http.host=127.0.0.1", "jetty.http.port=" + httpPort));
            command.addAll(stopPort);
            launcher = new ProcessBuilder(command);
            stopper = new ProcessBuilder(java, "-jar", home.resolve("start.jar").toString(), "jetty.home=" + home,
                    "jetty.base=" + base, stopPort.get(0), stopPort.get(1), "--stop");
            log = base.resolve("console.log"); // Jetty logs to its console unless told otherwise
        }
        launcher.environment().putAll(environment);
        launcher.directory(base.toFile()).redirectErrorStream(true).redirectOutput(base.resolve("console.log").toFile());
        stopper.directory(base.toFile()).redirectErrorStream(true).redirectOutput(base.resolve("stop.log").toFile());
        return new StandaloneContainer(base, launcher.start(), httpPort, log, stopper);
    }

    public int httpPort() {
        return httpPort;
    }

    public String url(String path) {
        return "http://127.0.0.1:" + httpPort + path;
    }

    /** Everything the container has logged so far (Tomcat: logs/*.log; Jetty: its console). */
    public String log() {
        try {
            if (!Files.isDirectory(log)) return Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "";
            try (Stream<Path> files = Files.list(log)) {
                StringBuilder all = new StringBuilder();
                for (Path file : files.filter(f -> f.getFileName().toString().endsWith(".log")).sorted().toList()) {
                    all.append(Files.readString(file, StandardCharsets.UTF_8));
                }
                return all.toString();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Waits until the container's log contains {@code text}; false after {@code timeoutMs} or if it exited. */
    public boolean awaitLog(String text, long timeoutMs) throws InterruptedException {
        long deadline = System.currentTimeMillis() + timeoutMs;
        while (!log().contains(text)) {
            if (System.currentTimeMillis() > deadline || !process.isAlive()) return log().contains(text);
            Thread.sleep(100);
        }
        return true;
    }

    /**
     * Stops the container with its own stop command, which stops the webapps before the JVM exits (a
     * SIGTERM would run them in shutdown hooks, racing the JVM's own that closes the log handlers);
     * true if it exited within {@code timeoutSeconds}, else it is killed.
     */
    public boolean stop(long timeoutSeconds) throws IOException, InterruptedException {
        Process stopping = stopper.start();
        boolean exited = process.waitFor(timeoutSeconds, TimeUnit.SECONDS);
        if (!exited) process.destroyForcibly().waitFor();
        if (!stopping.waitFor(5, TimeUnit.SECONDS)) stopping.destroyForcibly().waitFor();
        return exited;
    }

    /** Stops the container if still running and deletes its base folder. */
    @Override
    public void close() throws Exception {
        if (process.isAlive()) stop(30);
        try (Stream<Path> files = Files.walk(base)) {
            files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        }
    }

    /** A port nothing listens on now, on 127.0.0.1. */
    public static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket()) {
            socket.bind(new InetSocketAddress("127.0.0.1", 0));
            return socket.getLocalPort();
        }
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> files = Files.walk(from)) {
            for (Path file : files.toList()) Files.copy(file, to.resolve(from.relativize(file).toString()));
        }
    }
}
