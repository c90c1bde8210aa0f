package io.streamlet.launcher;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;

/**
 * The WAR unpacked into the temp folder, once per WAR file (its path, size and time): later starts reuse it,
 * so a class data sharing archive finds the same jars. Unpacked beside and renamed into place, so a start
 * never sees half of it: when several start at once, the first rename wins and the others use its copy.
 * <p>
 * Every rebuild of the WAR is a new copy (15 MB), so each start also removes the copies no process uses: a
 * process holds a shared lock on its copy's {@value #IN_USE} for as long as it runs, and a copy whose lock
 * can be taken exclusively is renamed aside under that lock and deleted. A start that finds its copy renamed away
 * after waiting for the lock unpacks a new one. Partial copies of starts that were killed while unpacking
 * go when they are an hour old. Cleaning is best effort: it never fails a start.
 */
final class UnpackedWar {
    /** Inside WEB-INF, which no container serves. */
    static final String IN_USE = "WEB-INF/streamlet-in-use.lock";
    static final String PARTIAL = ".partial-";
    static final Duration PARTIAL_AGE = Duration.ofHours(1);

    /**
     * This process's locks on its copies, held until the JVM exits (the locks go with the process). Never
     * opened twice: on Linux, closing any channel to a file drops the process's lock on it.
     */
    private static final Map<Path, FileChannel> HELD = new HashMap<>();

    private UnpackedWar() {}

    /** The unpacked copy of {@code war} in {@code tmp}, locked for this process; other unused copies removed. */
    static synchronized Path of(Path war, Path tmp) throws IOException {
        BasicFileAttributes attributes = Files.readAttributes(war, BasicFileAttributes.class);
        String identity = war.toAbsolutePath() + "|" + attributes.size() + "|" + attributes.lastModifiedTime().toMillis();
        String prefix = "streamlet-war-" + System.getProperty("user.name") + "-";
        Path dir = tmp.resolve(prefix + Integer.toHexString(identity.hashCode()));
        while (!HELD.containsKey(dir)) {
            if (!Files.isDirectory(dir)) unpack(war, dir);
            FileChannel channel = lockShared(dir);
            // null: removed by another start's cleaning between our check and our lock; unpack it again
            if (channel != null) HELD.put(dir, channel);
        }
        removeUnused(tmp, prefix);
        return dir;
    }

    private static void unpack(Path war, Path dir) throws IOException {
        Path partial = Files.createTempDirectory(dir.getParent(), dir.getFileName() + PARTIAL);
        try {
            unzip(war, partial);
            Files.createDirectories(partial.resolve(IN_USE).getParent());
            Files.createFile(partial.resolve(IN_USE));
            Files.move(partial, dir, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            // Another start renamed its copy into place first: rename(2) onto it fails (ENOTEMPTY, which the
            // JDK reports as a bare FileSystemException), and that copy is whole.
            if (!Files.isDirectory(dir)) throw e;
        } finally {
            if (Files.exists(partial)) deleteTree(partial);
        }
    }

    /**
     * A shared lock on the copy's lock file, or null if the copy was removed meanwhile. A remover renames the
     * copy while it holds the exclusive lock, so once the shared lock is granted the copy is still at its
     * path exactly when the lock file there is the one that was locked.
     */
    private static FileChannel lockShared(Path dir) throws IOException {
        Path lockFile = dir.resolve(IN_USE);
        FileChannel channel;
        Object before;
        try {
            before = Files.readAttributes(lockFile, BasicFileAttributes.class).fileKey();
            channel = FileChannel.open(lockFile, StandardOpenOption.READ, StandardOpenOption.WRITE);
        } catch (NoSuchFileException removed) {
            return null;
        }
        channel.lock(0, Long.MAX_VALUE, true);
        try {
            Object after = Files.readAttributes(lockFile, BasicFileAttributes.class).fileKey();
            if (Objects.equals(before, after)) return channel;
        } catch (NoSuchFileException removed) {
            // renamed away while we waited for the lock
        }
        channel.close();
        return null;
    }

    /** Removes this user's copies that no process uses, and partial copies an hour old. Never throws. */
    private static void removeUnused(Path tmp, String prefix) {
        List<Path> entries;
        try (Stream<Path> list = Files.list(tmp)) {
            entries = list.filter(e -> e.getFileName().toString().startsWith(prefix) && Files.isDirectory(e)).toList();
        } catch (IOException | RuntimeException e) {
            return; // best effort: the copies stay until a later start
        }
        for (Path entry : entries) {
            if (HELD.containsKey(entry)) continue;
            try {
                if (!entry.getFileName().toString().contains(PARTIAL)) {
                    removeIfUnused(entry);
                } else if (Files.getLastModifiedTime(entry).toInstant().isBefore(Instant.now().minus(PARTIAL_AGE))) {
                    deleteTree(entry);
                }
            } catch (IOException | RuntimeException e) {
                // in use, or being removed by another start
            }
        }
    }

    private static void removeIfUnused(Path copy) throws IOException {
        Path lockFile = copy.resolve(IN_USE);
        if (!Files.isRegularFile(lockFile)) return; // not a whole copy, or one made before copies had locks
        // Aside under a partial's name: if this process dies while deleting, the partial rule finishes it.
        Path aside = copy.resolveSibling(copy.getFileName() + PARTIAL + "removed-" + System.nanoTime());
        try (FileChannel channel = FileChannel.open(lockFile, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            if (channel.tryLock(0, Long.MAX_VALUE, false) == null) return; // a running process uses it
            Files.move(copy, aside, StandardCopyOption.ATOMIC_MOVE);
        }
        deleteTree(aside);
    }

    private static void unzip(Path war, Path into) throws IOException {
        try (ZipInputStream zip = new ZipInputStream(Files.newInputStream(war))) {
            for (ZipEntry entry = zip.getNextEntry(); entry != null; entry = zip.getNextEntry()) {
                Path target = into.resolve(entry.getName()).normalize();
                if (!target.startsWith(into)) throw new IOException("entry outside the WAR's folder: " + entry.getName());
                if (entry.isDirectory()) {
                    Files.createDirectories(target);
                } else {
                    Files.createDirectories(target.getParent());
                    Files.copy(zip, target);
                }
            }
        }
    }

    private static void deleteTree(Path dir) {
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path f : files.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(f);
        } catch (IOException | RuntimeException e) {
            // best effort: another start may be deleting it too
        }
    }
}
