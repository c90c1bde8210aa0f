package io.streamlet.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The launcher's unpacked copies: one per WAR, reused, and removed once no process uses them. */
class UnpackedWarTest {
    private static final String PREFIX = "streamlet-war-" + System.getProperty("user.name") + "-";

    @TempDir
    Path tmp;

    @Test
    void unpacksAWarOnceAndReusesTheCopy() throws IOException {
        Path war = war("a.war", "a");
        Path copy = UnpackedWar.of(war, tmp);
        assertEquals("a", Files.readString(copy.resolve("WEB-INF/web.xml")));
        assertTrue(Files.isRegularFile(copy.resolve(UnpackedWar.IN_USE)));
        Files.writeString(copy.resolve("WEB-INF/marker"), "kept");
        assertEquals(copy, UnpackedWar.of(war, tmp));
        assertEquals("kept", Files.readString(copy.resolve("WEB-INF/marker")), "the same copy, not unpacked again");
        assertEquals(List.of(copy.getFileName().toString()), entries(), "nothing but the copy");
    }

    @Test
    void removesCopiesNoProcessUsesAndPartialCopiesAnHourOld() throws IOException {
        Path unused = Files.createDirectories(tmp.resolve(PREFIX + "unused").resolve("WEB-INF"));
        Files.createFile(unused.resolve("streamlet-in-use.lock"));
        Path legacy = Files.createDirectories(tmp.resolve(PREFIX + "legacy").resolve("WEB-INF")).getParent();
        Path oldPartial = Files.createDirectories(tmp.resolve(PREFIX + "x" + UnpackedWar.PARTIAL + "1"));
        Files.setLastModifiedTime(oldPartial, FileTime.from(Instant.now().minus(Duration.ofMinutes(61))));
        Path freshPartial = Files.createDirectories(tmp.resolve(PREFIX + "y" + UnpackedWar.PARTIAL + "2"));
        Path othersFile = Files.createDirectories(tmp.resolve("someone-elses"));

        Path copy = UnpackedWar.of(war("b.war", "b"), tmp);

        assertEquals(List.of(copy, freshPartial, legacy, othersFile).stream().map(p -> p.getFileName().toString()).sorted().toList(),
                entries(), "the unused copy and the hour-old partial are gone; a partial being unpacked, a copy "
                        + "without a lock (whose use cannot be told) and other files stay");
    }

    @Test
    void keepsACopyAnotherProcessUsesAndRemovesItAfterThatProcessEnds() throws Exception {
        Path first = war("first.war", "first");
        Process holder = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), Holder.class.getName(), first.toString(), tmp.toString())
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        Path held;
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(holder.getInputStream(), StandardCharsets.UTF_8));
            held = Path.of(out.readLine());
            Path second = UnpackedWar.of(war("second.war", "second"), tmp);
            assertTrue(Files.isDirectory(held), "the other process's copy stays while it runs");
            assertEquals(2, entries().size(), entries().toString());
            holder.getOutputStream().close(); // the holder exits

            assertTrue(holder.waitFor(30, TimeUnit.SECONDS));
            assertEquals(second, UnpackedWar.of(war("second.war", "second"), tmp));
            assertFalse(Files.exists(held), "unused once its process ended");
            assertEquals(List.of(second.getFileName().toString()), entries());
        } finally {
            holder.destroyForcibly().waitFor();
        }
    }

    /** Another process running from a copy: prints its path, holds it until its standard input closes. */
    public static final class Holder {
        public static void main(String[] args) throws IOException {
            Path copy = UnpackedWar.of(Path.of(args[0]), Path.of(args[1]));
            System.out.println(copy);
            System.out.flush();
            while (System.in.read() >= 0) {
                // holding the copy
            }
        }
    }

    private Path war(String name, String webXml) throws IOException {
        Path war = tmp.resolve(name);
        if (Files.exists(war)) return war;
        try (OutputStream file = Files.newOutputStream(war); ZipOutputStream zip = new ZipOutputStream(file)) {
            zip.putNextEntry(new ZipEntry("WEB-INF/"));
            zip.putNextEntry(new ZipEntry("WEB-INF/web.xml"));
            zip.write(webXml.getBytes(StandardCharsets.UTF_8));
            zip.closeEntry();
        }
        return war;
    }

    /** The temp folder's entries but the test's own WARs, by name. */
    private List<String> entries() throws IOException {
        try (var list = Files.list(tmp)) {
            return list.map(p -> p.getFileName().toString()).filter(n -> !n.endsWith(".war")).sorted().toList();
        }
    }
}
