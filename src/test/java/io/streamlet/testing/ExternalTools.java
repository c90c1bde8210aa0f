package io.streamlet.testing;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Real peers the tests run as processes (ffmpeg, ffprobe). Under {@code CI=true} a missing tool fails
 * the test, since CI installs it; elsewhere the test is skipped with a message saying what to install.
 */
public final class ExternalTools {
    private ExternalTools() {}

    /** The tool's path; fails (CI) or skips (elsewhere) when it is not on the PATH. */
    public static String require(String tool, String debianPackage) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            Path candidate = Path.of(dir, tool);
            if (Files.isExecutable(candidate)) return candidate.toString();
        }
        String why = tool + " is not installed (apt-get install " + debianPackage + ")";
        if ("true".equalsIgnoreCase(System.getenv("CI"))) fail(why);
        assumeTrue(false, why);
        return null;
    }

    /** A finished process: exit code and everything it printed. */
    public record Result(int exitCode, String output) {}

    /** Starts {@code command}, its output (stdout and stderr) going to a temp file. */
    public static Process start(List<String> command) throws IOException {
        File log = File.createTempFile("streamlet-tool-", ".log");
        log.deleteOnExit();
        return new ProcessBuilder(new ArrayList<>(command)).redirectErrorStream(true).redirectOutput(log).start();
    }

    /** Runs {@code command} to its end, killing it after {@code timeoutSeconds}. */
    public static Result run(List<String> command, long timeoutSeconds) throws IOException, InterruptedException {
        File log = File.createTempFile("streamlet-tool-", ".log");
        try {
            Process p = new ProcessBuilder(new ArrayList<>(command)).redirectErrorStream(true).redirectOutput(log).start();
            if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor();
                return new Result(-1, "timed out after " + timeoutSeconds + " s\n" + Files.readString(log.toPath()));
            }
            return new Result(p.exitValue(), Files.readString(log.toPath(), StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(log.toPath());
        }
    }
}
