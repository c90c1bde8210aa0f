package io.streamlet.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real {@code redis-server} of the test's own, on a free loopback port, keeping nothing on disk. It can be
 * killed (SIGKILL, by its pid) and started again on the same port, as an outage. A server can also get a
 * Sentinel watching it ({@link #startSentinel}: the same executable in sentinel mode). Missing redis-server
 * fails the test under CI and skips it elsewhere ({@link ExternalTools}).
 */
public final class RedisServer implements AutoCloseable {
    private final List<String> command;
    private final int port;
    private final URI uri;
    /** A Sentinel's own folder, for the configuration file it rewrites; null for a plain server. */
    private final Path folder;
    private Process process;

    private RedisServer(List<String> command, int port, URI uri, Path folder) {
        this.command = command;
        this.port = port;
        this.uri = uri;
        this.folder = folder;
    }

    public static RedisServer start() throws IOException, InterruptedException {
        String executable = ExternalTools.require("redis-server", "redis-server");
        int port = StandaloneContainer.freePort();
        RedisServer redis = new RedisServer(List.of(executable, "--port", Integer.toString(port), "--bind", "127.0.0.1",
                "--save", "", "--appendonly", "no"), port, URI.create("redis://127.0.0.1:" + port + "/0"), null);
        redis.startProcess();
        return redis;
    }

    /**
     * Starts a Sentinel on a free port of its own that monitors this server as the master {@code masterName};
     * its {@link #uri()} is the Sentinel URI through which clients find this server. Close it before this one.
     */
    public RedisServer startSentinel(String masterName) throws IOException, InterruptedException {
        Path folder = Files.createTempDirectory("streamlet-sentinel-");
        int sentinelPort = StandaloneContainer.freePort();
        Path config = folder.resolve("sentinel.conf");
        Files.writeString(config, String.join("\n", "port " + sentinelPort, "bind 127.0.0.1", "dir " + folder,
                "sentinel monitor " + masterName + " 127.0.0.1 " + port + " 1", ""));
        RedisServer sentinel = new RedisServer(List.of(command.get(0), config.toString(), "--sentinel"), sentinelPort,
                URI.create("redis-sentinel://127.0.0.1:" + sentinelPort + "/0#" + masterName), folder);
        sentinel.startProcess();
        return sentinel;
    }

    /** How clients reach it: {@code redis://} for a server, {@code redis-sentinel://...#master} for a Sentinel. */
    public URI uri() {
        return uri;
    }

    /** Kills the server at once, as a crash: clients see their connection cut, and every key is gone. */
    public void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(5, TimeUnit.SECONDS);
    }

    /** Starts the server again on its port, empty. */
    public void restart() throws IOException, InterruptedException {
        startProcess();
    }

    private void startProcess() throws IOException, InterruptedException {
        process = ExternalTools.start(command);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!answersPing()) {
            if (!process.isAlive()) throw new IOException(String.join(" ", command) + " exited with " + process.exitValue());
            if (System.nanoTime() > deadline) throw new IOException(String.join(" ", command) + " did not answer on port " + port);
            Thread.sleep(20);
        }
    }

    private boolean answersPing() {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 200);
            s.setSoTimeout(1000);
            OutputStream out = s.getOutputStream();
            out.write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = s.getInputStream();
            byte[] answer = in.readNBytes(7);
            return "+PONG\r\n".equals(new String(answer, StandardCharsets.US_ASCII));
        } catch (IOException notYet) {
            return false;
        }
    }

    @Override
    public void close() throws InterruptedException, IOException {
        if (process != null && process.isAlive()) kill();
        if (folder != null) {
            try (Stream<Path> files = Files.walk(folder)) {
                for (Path f : files.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(f);
            }
        }
    }
}
