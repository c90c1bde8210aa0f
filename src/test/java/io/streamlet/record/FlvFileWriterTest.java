package io.streamlet.record;

import static io.streamlet.testing.SyntheticMedia.aacFrame;
import static io.streamlet.testing.SyntheticMedia.aacSequenceHeader;
import static io.streamlet.testing.SyntheticMedia.avcFrame;
import static io.streamlet.testing.SyntheticMedia.avcSequenceHeader;
import static io.streamlet.testing.SyntheticMedia.metadata;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.streamlet.amf.Amf0;
import io.streamlet.config.ConfigReader;
import io.streamlet.flv.FlvHeader;
import io.streamlet.flv.FlvTag;
import io.streamlet.flv.ScriptData;
import io.streamlet.live.LiveConfig;
import io.streamlet.live.LiveCursor;
import io.streamlet.live.LiveSource;
import io.streamlet.live.Publication;
import io.streamlet.live.SourceRegistry;
import io.streamlet.live.StreamKey;
import io.streamlet.output.FlvEncoder;
import io.streamlet.testing.FlvCollector;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The files a recording writes, from a real source through a lossless cursor, as bytes. */
class FlvFileWriterTest {
    private final Publication publication;
    private final LiveSource source;

    private LiveCursor cursor;
    private FlvEncoder player;
    private final ByteArrayOutputStream played = new ByteArrayOutputStream();
    private FlvFileWriter writer;
    private final List<ByteArrayOutputStream> files = new ArrayList<>();

    FlvFileWriterTest() throws Exception {
        SourceRegistry registry = new SourceRegistry(LiveConfig.read(new ConfigReader(Map.<String, String>of()::get)));
        publication = registry.publish(new StreamKey("live", "rec"), "pub", () -> {});
        source = publication.source();
    }

    /** Records with {@code plan} (and plays along) from now on: the cursors join at the first keyframe. */
    private void start(DvrConfig.Plan plan, long segmentMs) {
        cursor = source.subscribe("rec", LiveCursor.Mode.LOSSLESS, () -> {});
        player = new FlvEncoder(source.subscribe("player", LiveCursor.Mode.LOSSY, () -> {}));
        this.plan = plan;
        this.segmentMs = segmentMs;
    }

    private DvrConfig.Plan plan;
    private long segmentMs;

    /** Publishes one message, then writes what the cursor has as a recording does, and reads what a player gets. */
    private void send(int type, long time, byte[] body) throws Exception {
        publication.onMessage(type, time, body);
        while (cursor.advance()) {
            if (writer == null || writer.cutsBefore(cursor.tag(), cursor.timestamp())) {
                if (writer == null) writer = new FlvFileWriter(plan, segmentMs, cursor.hasAudio(), cursor.hasVideo());
                files.add(new ByteArrayOutputStream());
                writer.begin(files.get(files.size() - 1));
            }
            writer.write(cursor.tag(), cursor.timestamp(), files.get(files.size() - 1));
        }
        byte[] buf = new byte[4096];
        for (int n; (n = player.read(buf, 0, buf.length)) > 0; ) played.write(buf, 0, n);
    }

    /** {@code seconds} of 30 fps video, a keyframe every second, audio after each frame; headers first. */
    private void publishAv(int seconds) throws Exception {
        send(FlvTag.SCRIPT, 0, metadata(true, true));
        send(FlvTag.VIDEO, 0, avcSequenceHeader(1));
        send(FlvTag.AUDIO, 0, aacSequenceHeader());
        for (int f = 0; f < seconds * 30; f++) {
            long t = f * 1000L / 30;
            send(FlvTag.VIDEO, t, avcFrame(f % 30 == 0, 100 + f));
            send(FlvTag.AUDIO, t + 5, aacFrame(30));
        }
    }

    private List<byte[]> files() {
        return files.stream().map(ByteArrayOutputStream::toByteArray).toList();
    }

    /** The onMetaData properties as they are in a file (ScriptData drops the file-only ones, as live players get it). */
    @SuppressWarnings("unchecked")
    static Map<String, Object> fileMetadata(byte[] body) throws Exception {
        List<Object> values = Amf0.decodeAll(body, 0, body.length);
        assertEquals(ScriptData.ON_METADATA, values.get(0));
        return new LinkedHashMap<>((Map<String, Object>) values.get(1));
    }

    private static FlvCollector parse(byte[] file) throws Exception {
        FlvCollector flv = new FlvCollector();
        flv.feed(file, 0, file.length);
        return flv;
    }

    @Test
    void aSessionIsOneFileWithWhatAPlayerOfTheStreamGetsAndTheFileFieldsInItsMetadata() throws Exception {
        start(DvrConfig.Plan.SESSION, 1_000);
        publishAv(3);
        List<byte[]> files = files();

        assertEquals(1, files.size());
        FlvCollector file = parse(files.get(0));
        FlvCollector player = parse(played.toByteArray());
        assertEquals(player.headerFlags, file.headerFlags);
        assertEquals(player.tags.size(), file.tags.size());
        for (int i = 1; i < player.tags.size(); i++) {
            FlvCollector.Tag p = player.tags.get(i);
            FlvCollector.Tag f = file.tags.get(i);
            assertEquals(p.type(), f.type());
            assertEquals(p.timestamp(), f.timestamp());
            assertArrayEquals(p.body(), f.body(), "tag " + i);
        }
        Map<String, Object> expected = new LinkedHashMap<>(ScriptData.parse(player.tags.get(0).body()).properties());
        expected.put("duration", 0.0);
        expected.put("filesize", 0.0);
        assertEquals(expected, fileMetadata(file.tags.get(0).body()), "the metadata, and the file's fields as 0");
    }

    @Test
    void aClosedFileTellsItsDurationAndSizeInItsMetadata(@TempDir Path dir) throws Exception {
        start(DvrConfig.Plan.SESSION, 1_000);
        publishAv(3);
        Path file = dir.resolve("rec.flv");
        Files.write(file, files().get(0));
        writer.closed(file, Files.size(file));

        FlvCollector flv = parse(Files.readAllBytes(file));
        Map<String, Object> metadata = fileMetadata(flv.tags.get(0).body());
        long last = flv.media().stream().mapToLong(FlvCollector.Tag::timestamp).max().getAsLong();
        assertEquals(last / 1000.0, metadata.get("duration"));
        assertEquals((double) Files.size(file), metadata.get("filesize"));
        assertEquals(files().get(0).length, Files.size(file), "changed in place");
    }

    @Test
    void segmentsAreCutAtTheFirstKeyframeAfterTheDurationAndEachStartsLikeAFile() throws Exception {
        start(DvrConfig.Plan.SEGMENT, 1_500);
        publishAv(5);
        List<byte[]> files = files();

        assertEquals(3, files.size(), "keyframes at 0, 1, 2, 3, 4 s: cut at 2 s and at 4 s");
        int mediaTags = 0;
        long[] lastVideo = {1966, 1966, 966}; // the last frame of each file, from the file's own time 0
        for (int i = 0; i < files.size(); i++) {
            FlvCollector flv = parse(files.get(i));
            assertEquals(FlvHeader.FLAG_AUDIO | FlvHeader.FLAG_VIDEO, flv.headerFlags);
            assertEquals(FlvTag.SCRIPT, flv.tags.get(0).type(), "file " + i + " starts with the metadata");
            assertTrue(flv.tags.get(1).isVideo() && flv.tags.get(1).isSequenceHeader(), "then the video sequence header");
            assertTrue(flv.tags.get(2).isAudio() && flv.tags.get(2).isSequenceHeader(), "then the audio sequence header");
            FlvCollector.Tag first = flv.tags.get(3);
            assertTrue(first.isVideo() && first.isKeyframe(), "file " + i + "'s media starts at a keyframe");
            assertEquals(0, first.timestamp(), "file " + i + " starts at 0");
            assertEquals(0, flv.tags.get(0).timestamp());
            long lastVideoTime = flv.media().stream().filter(FlvCollector.Tag::isVideo)
                    .mapToLong(FlvCollector.Tag::timestamp).max().getAsLong();
            assertEquals(lastVideo[i], lastVideoTime, "file " + i);
            assertEquals(1, flv.media().stream().filter(FlvCollector.Tag::isKeyframe).count() / (i < 2 ? 2 : 1),
                    "file " + i + ": two keyframes a segment, one in the last");
            mediaTags += flv.media().size() - 2; // less the sequence headers
        }
        assertEquals(5 * 30 * 2, mediaTags, "every frame in exactly one file");
    }

    @Test
    void anAudioOnlyStreamIsCutAtAnyAudioFrame() throws Exception {
        start(DvrConfig.Plan.SEGMENT, 1_000);
        send(FlvTag.SCRIPT, 0, metadata(true, false));
        send(FlvTag.AUDIO, 0, aacSequenceHeader());
        for (int f = 0; f < 150; f++) send(FlvTag.AUDIO, f * 23L, aacFrame(30)); // ~3.4 s
        List<byte[]> files = files();

        assertEquals(4, files.size(), "a file per second or so");
        for (byte[] file : files) {
            FlvCollector flv = parse(file);
            assertEquals(FlvHeader.FLAG_AUDIO, flv.headerFlags);
            assertTrue(flv.tags.get(1).isSequenceHeader(), "each file has the AAC header before its frames");
            assertEquals(0, flv.media().get(0).timestamp());
        }
        List<FlvCollector.Tag> first = parse(files.get(0)).media();
        assertEquals(43 * 23, first.get(first.size() - 1).timestamp(), "cut at the first frame at or past 1 s: frame 44, at 1012 ms");
    }

    @Test
    void aSequenceHeaderThatChangesMidFileGoesInItAndOpensTheNextFile() throws Exception {
        start(DvrConfig.Plan.SEGMENT, 1_500);
        publishAv(2);
        send(FlvTag.VIDEO, 2000, avcSequenceHeader(2));
        for (int f = 60; f < 120; f++) send(FlvTag.VIDEO, f * 1000L / 30, avcFrame(f % 30 == 0, 100));
        List<byte[]> files = files();

        assertEquals(2, files.size());
        FlvCollector first = parse(files.get(0));
        FlvCollector second = parse(files.get(1));
        assertEquals(2, first.tags.stream().filter(t -> t.isVideo() && t.isSequenceHeader()).count(),
                "the file being written gets the new header where it came");
        assertArrayEquals(avcSequenceHeader(2), second.tags.get(1).body(), "the next file opens with the new header");
        assertEquals(1, second.tags.stream().filter(t -> t.isVideo() && t.isSequenceHeader()).count(),
                "and has it once: the change came before the cut");
    }
}
