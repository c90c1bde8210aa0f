package io.streamlet.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real {@code redis-server} of the test's own, on a free loopback port, keeping nothing on disk. It can be
 * killed (SIGKILL, by its pid) and started again on the same port, as an outage. Missing redis-server fails
 * the test under CI and skips it elsewhere ({@link ExternalTools}).
 */
public final class RedisServer implements AutoCloseable {
    private final String executable;
    private final int port;
    private Process process;

    private RedisServer(String executable, int port) {
        this.executable = executable;
        this.port = port;
    }

    public static RedisServer start() throws IOException, InterruptedException {
        RedisServer redis = new RedisServer(ExternalTools.require("redis-server", "redis-server"), StandaloneContainer.freePort());
        redis.startProcess();
        return redis;
    }

    public URI uri() {
        return URI.create("redis://127.0.0.1:" + port + "/0");
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
        process = ExternalTools.start(List.of(executable, "--port", Integer.toString(port), "--bind", "127.0.0.1",
                "--save", "", "--appendonly", "no"));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!answersPing()) {
            if (!process.isAlive()) throw new IOException("redis-server exited with " + process.exitValue() + " on port " + port);
            if (System.nanoTime() > deadline) throw new IOException("redis-server did not answer on port " + port);
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
    public void close() throws InterruptedException {
        if (process != null && process.isAlive()) kill();
    }
}
