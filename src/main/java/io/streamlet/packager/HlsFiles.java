package io.streamlet.packager;

import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One stream's HLS written to {@code streamlet.hls.path}/{app}/ for a CDN origin, under the names it is served
 * with. The playlist is replaced atomically (written beside, then moved), so a reader never sees half of one;
 * a segment is written before the playlist that lists it. A directory that cannot be written is logged once
 * (and again once it works after all); serving from memory goes on regardless.
 */
final class HlsFiles {
    private static final Logger log = LoggerFactory.getLogger(HlsFiles.class);

    private final Path dir;
    private final String streamLabel;
    private boolean failing;

    HlsFiles(Path root, String app, String streamLabel) {
        this.dir = root.resolve(app);
        this.streamLabel = streamLabel;
    }

    Path pathOf(String name) {
        return dir.resolve(name);
    }

    void write(String name, byte[] data) {
        try {
            Files.createDirectories(dir);
            Files.write(dir.resolve(name), data);
            succeeded();
        } catch (IOException e) {
            failed(name, e);
        }
    }

    /** Replaces {@code name} whole: readers see the old file or the new one. */
    void replace(String name, byte[] data) {
        Path target = dir.resolve(name);
        Path temp = dir.resolve("." + name + ".tmp");
        try {
            Files.createDirectories(dir);
            Files.write(temp, data);
            try {
                Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING);
            }
            succeeded();
        } catch (IOException e) {
            failed(name, e);
        }
    }

    void delete(String name) {
        try {
            Files.deleteIfExists(dir.resolve(name));
        } catch (IOException e) {
            failed(name, e);
        }
    }

    private void succeeded() {
        if (!failing) return;
        failing = false;
        log.info("HLS of {} is written to {} again", streamLabel, dir);
    }

    private void failed(String name, IOException e) {
        if (failing) {
            log.debug("HLS of {}: {} not written: {}", streamLabel, name, e.toString());
            return;
        }
        failing = true;
        log.error("HLS of {} cannot be written to {} (streamlet.hls.path): {}; it is still served from memory",
                streamLabel, dir, e.toString());
    }
}
