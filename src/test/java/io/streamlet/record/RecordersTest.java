package io.streamlet.record;

import static io.streamlet.testing.SyntheticMedia.aacFrame;
import static io.streamlet.testing.SyntheticMedia.aacSequenceHeader;
import static io.streamlet.testing.SyntheticMedia.avcFrame;
import static io.streamlet.testing.SyntheticMedia.avcSequenceHeader;
import static io.streamlet.testing.SyntheticMedia.metadata;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.streamlet.config.ConfigReader;
import io.streamlet.flv.FlvTag;
import io.streamlet.live.Client;
import io.streamlet.live.LiveConfig;
import io.streamlet.live.LiveCursor;
import io.streamlet.live.Publication;
import io.streamlet.live.SourceRegistry;
import io.streamlet.live.StreamKey;
import io.streamlet.metrics.Metrics;
import io.streamlet.testing.FlvCollector;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Recordings end to end below the network: a registry fed by hand, files in a temporary directory. */
class RecordersTest {
    private static final StreamKey KEY = new StreamKey("live", "cam");
    @TempDir
    Path dir;
    private final Metrics metrics = new Metrics();
    private final BlockingQueue<RecordedFile> closed = new LinkedBlockingQueue<>();
    private SourceRegistry registry;
    private Recorders recorders;

    private void start(Function<String, Client> clients, String... knobs) {
        Map<String, String> map = new HashMap<>(Map.of("streamlet.dvr.enabled", "true",
                "streamlet.dvr.path", dir + "/[app]/[stream].[timestamp].flv"));
        for (int i = 0; i < knobs.length; i += 2) map.put(knobs[i], knobs[i + 1]);
        ConfigReader r = new ConfigReader(map::get);
        registry = new SourceRegistry(LiveConfig.read(r));
        recorders = new Recorders(DvrConfig.read(r), registry, metrics, clients, closed::add, ZoneOffset.UTC);
    }

    private void start(String... knobs) {
        start(id -> null, knobs);
    }

    @AfterEach
    void stop() throws InterruptedException {
        if (registry != null) registry.close();
        if (recorders != null) recorders.close();
        assertTrue(Thread.getAllStackTraces().keySet().stream().noneMatch(t -> t.getName().startsWith("streamlet-dvr-")
                && t.isAlive() && t.getThreadGroup() != null), "no recording thread is left");
    }

    private static void headers(Publication p) {
        p.onMessage(FlvTag.SCRIPT, 0, metadata(true, true));
        p.onMessage(FlvTag.VIDEO, 0, avcSequenceHeader(1));
        p.onMessage(FlvTag.AUDIO, 0, aacSequenceHeader());
    }

    /** Frames [from, to) at 30 fps, a keyframe each second, audio after each. */
    private static void frames(Publication p, int from, int to, int size) {
        for (int f = from; f < to; f++) {
            long t = f * 1000L / 30;
            p.onMessage(FlvTag.VIDEO, t, avcFrame(f % 30 == 0, size));
            p.onMessage(FlvTag.AUDIO, t + 5, aacFrame(30));
        }
    }

    /** Publishes paced (so that the recording keeps up, as with a real encoder). */
    private static void pacedFrames(Publication p, int from, int to) throws InterruptedException {
        for (int f = from; f < to; f += 10) {
            frames(p, f, Math.min(to, f + 10), 500);
            Thread.sleep(5);
        }
    }

    private static FlvCollector parse(Path file) throws Exception {
        byte[] bytes = Files.readAllBytes(file);
        FlvCollector flv = new FlvCollector();
        flv.feed(bytes, 0, bytes.length);
        return flv;
    }

    private void awaitFailures(long n) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 5000;
        while (metrics.dvrFailures() < n && System.currentTimeMillis() < deadline) Thread.sleep(20);
        assertEquals(n, metrics.dvrFailures());
    }

    private RecordedFile nextClosed() throws InterruptedException {
        RecordedFile f = closed.poll(5, TimeUnit.SECONDS);
        assertNotNull(f, "a file was closed");
        return f;
    }

    @Test
    void aStreamWithoutPlayersIsRecordedToOneFileClosedWhenItEnds() throws Exception {
        start();
        Publication p = registry.publish(KEY, "pub", () -> {});
        headers(p);
        pacedFrames(p, 0, 90);
        p.unpublish();

        RecordedFile file = nextClosed();
        assertNull(file.error());
        assertTrue(file.file().startsWith(dir.resolve("live")), file.file().toString());
        assertTrue(file.file().getFileName().toString().matches("cam\\.\\d{13}\\.flv"), file.file().toString());
        FlvCollector flv = parse(file.file());
        assertEquals(3 + 90 * 2, flv.tags.size(), "metadata, 2 sequence headers, every frame");
        assertEquals(Files.size(file.file()), file.bytes());
        assertEquals(2971, file.durationMs(), "the last tag: audio 5 ms after frame 89");
        assertEquals(1, metrics.dvrFiles());
        assertTrue(recorders.recordings().isEmpty(), "the recording ended with its stream");
    }

    @Test
    void aRepublishWithinTheGraceWindowStaysInTheSameFile() throws Exception {
        start("streamlet.live.republishGrace", "2s");
        Publication first = registry.publish(KEY, "pub1", () -> {});
        headers(first);
        pacedFrames(first, 0, 60);
        first.unpublish();
        Publication second = registry.publish(KEY, "pub2", () -> {});
        headers(second);
        pacedFrames(second, 0, 60);
        assertNull(closed.poll(300, TimeUnit.MILLISECONDS), "no file closed while the stream goes on");
        second.unpublish();
        registry.close(); // ends the source without waiting for the grace

        RecordedFile file = nextClosed();
        FlvCollector flv = parse(file.file());
        assertEquals(4, flv.media().stream().filter(FlvCollector.Tag::isKeyframe).count(), "both sessions' keyframes");
        assertTrue(file.durationMs() >= 3900, "time went on across the republish: " + file.durationMs());
        assertEquals("pub1", file.publisherId(), "the publisher when the file was opened");
        assertNull(closed.poll(200, TimeUnit.MILLISECONDS), "one file");
    }

    @Test
    void aPathThatCannotBeWrittenStopsTheRecordingWithOneErrorAndTheStreamGoesOn() throws Exception {
        Files.writeString(dir.resolve("live"), "a file where the template wants a directory");
        start();
        Publication p = registry.publish(KEY, "pub", () -> {});
        LiveCursor player = registry.find(KEY).subscribe("player", LiveCursor.Mode.LOSSY, () -> {});
        headers(p);
        pacedFrames(p, 0, 30);
        int tags = 0;
        while (player.advance()) tags++;
        awaitFailures(1);

        assertTrue(recorders.recordings().isEmpty());
        pacedFrames(p, 30, 60);
        assertEquals(1, metrics.dvrFailures(), "said once");
        while (player.advance()) tags++;
        assertEquals(3 + 60 * 2, tags, "the player got the whole stream");
        assertNull(closed.poll(100, TimeUnit.MILLISECONDS), "no file was opened, so none is reported");
    }

    @Test
    void aRecordingThatFallsOutOfTheSourcesWindowEndsItsFileTheStreamUntouched() throws Exception {
        CountDownLatch slowDisk = new CountDownLatch(1);
        // The drain thread looks the publisher up as it opens a file: holding it there is a disk that does not keep up.
        start(id -> {
            try {
                slowDisk.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return null;
        }, "streamlet.live.logCapacity", "64");
        Publication p = registry.publish(KEY, "pub", () -> {});
        headers(p);
        frames(p, 0, 1, 500); // the recording starts and is held
        Thread.sleep(200);
        frames(p, 1, 100, 500); // far past the 64-tag window
        slowDisk.countDown();

        RecordedFile file = nextClosed();
        assertNotNull(file.error(), "the file says why it ended");
        assertTrue(file.error().contains("fell out of the source's window"), file.error());
        awaitFailures(1);
        // Held at its first tag (attached at the publish, it reads the stream from its start: the metadata), it found
        // everything after it gone from the window.
        FlvCollector flv = parse(file.file());
        assertEquals(List.of(FlvTag.SCRIPT), flv.tags.stream().map(FlvCollector.Tag::type).toList());
        frames(p, 100, 130, 500);
        assertNotNull(registry.find(KEY), "the stream goes on");
        assertFalse(registry.find(KEY).isEnded());
    }

    @Test
    void aFileWhoseWriterIsAbandonedMidStreamEndsWithAWholeTag() throws Exception {
        start();
        Publication p = registry.publish(KEY, "pub", () -> {});
        headers(p);
        pacedFrames(p, 0, 45);
        Thread.sleep(200); // the drain has flushed what it wrote
        Path file = recorders.recordings().get(0).file();
        byte[] now = Files.readAllBytes(file); // what a kill -9 now would leave: what the OS has

        FlvCollector flv = new FlvCollector();
        flv.feed(now, 0, now.length);
        assertEquals(3 + 45 * 2, flv.tags.size(), "every tag published so far, each whole");
        assertEquals(now.length, recorders.recordings().get(0).bytes(), "and nothing more held back");
    }

    @Test
    void theApiStartsAndStopsARecordingOfAStreamNotSelectedByTheKnobs() throws Exception {
        start("streamlet.dvr.apps", "other");
        Publication p = registry.publish(KEY, "pub", () -> {});
        headers(p);
        pacedFrames(p, 0, 30);
        assertTrue(recorders.recordings().isEmpty(), "live is not among streamlet.dvr.apps");
        assertNull(recorders.start(new StreamKey("live", "nobody")), "a stream nobody publishes");

        Recording recording = recorders.start(KEY);
        assertNotNull(recording);
        assertEquals(recording, recorders.start(KEY), "starting twice records once");
        pacedFrames(p, 30, 90);
        assertTrue(recorders.stop(KEY));
        RecordedFile file = nextClosed();
        FlvCollector flv = parse(file.file());
        assertTrue(flv.tags.get(3).isKeyframe(), "from the first keyframe after the start: " + flv.tags.subList(0, 4));
        assertFalse(recorders.stop(KEY), "stopped already");
        assertEquals(List.of(), recorders.recordings());
    }
}
