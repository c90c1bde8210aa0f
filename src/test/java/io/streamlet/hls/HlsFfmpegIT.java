package io.streamlet.hls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.streamlet.flv.FlvTag;
import io.streamlet.hls.Segmenter.Container;
import io.streamlet.testing.EncodedMedia;
import io.streamlet.testing.EnhancedRtmpTags;
import io.streamlet.testing.ExternalTools;
import io.streamlet.testing.FlvCollector;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real media through the segmenter into a playlist and segment files, read back by ffprobe and decoded by
 * ffmpeg's HLS demuxer: H.264 with B-frames and AAC or MP3 as ffmpeg publishes them in FLV, HEVC, AV1 and
 * Opus as Enhanced RTMP carries them; MPEG-TS and fMP4; audio only and video only. ffmpeg must report
 * nothing at {@code -v error}, the codecs and picture size must be what went in, every video frame must
 * decode, and the duration must match the input's.
 */
class HlsFfmpegIT {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    @Test
    void h264AndAacInMpegTs() throws Exception {
        List<Segment> segments = segment(flv(true, "aac", 6), Container.AUTO);
        assertTrue(segments.stream().noneMatch(Segment::isFmp4));
        assertSegmentsOfTwoSeconds(segments, 3);
        Probe probe = probe(writeHls(segments));
        probe.assertVideo("h264", 640, 360, 180);
        probe.assertAudio("aac", 44100, 2);
        probe.assertDuration(6.0);
    }

    @Test
    void h264AndAacInFmp4() throws Exception {
        List<Segment> segments = segment(flv(true, "aac", 6), Container.FMP4);
        assertTrue(segments.stream().allMatch(Segment::isFmp4));
        assertSegmentsOfTwoSeconds(segments, 3);
        Probe probe = probe(writeHls(segments));
        probe.assertVideo("h264", 640, 360, 180);
        probe.assertAudio("aac", 44100, 2);
        probe.assertDuration(6.0);
    }

    @Test
    void h264AndMp3InMpegTs() throws Exception {
        List<Segment> segments = segment(flv(true, "libmp3lame", 4), Container.AUTO);
        assertTrue(segments.stream().noneMatch(Segment::isFmp4));
        Probe probe = probe(writeHls(segments));
        probe.assertVideo("h264", 640, 360, 120);
        probe.assertAudio("mp3", 44100, 2);
        probe.assertDuration(4.0);
    }

    @Test
    void audioOnlyIsCutOnTime() throws Exception {
        List<Segment> segments = segment(flv(false, "aac", 6), Container.AUTO);
        assertSegmentsOfTwoSeconds(segments, 3);
        Probe probe = probe(writeHls(segments));
        assertEquals(List.of("aac"), probe.codecs());
        probe.assertDuration(6.0);
    }

    @Test
    void videoOnly() throws Exception {
        List<Segment> segments = segment(flv(true, null, 4), Container.AUTO);
        assertSegmentsOfTwoSeconds(segments, 2);
        Probe probe = probe(writeHls(segments));
        assertEquals(List.of("h264"), probe.codecs());
        probe.assertVideo("h264", 640, 360, 120);
        probe.assertDuration(4.0);
    }

    @Test
    void hevcGoesToFmp4ByDefault() throws Exception {
        List<Segment> segments = segment(enhanced(EncodedMedia.video(EncodedMedia.Codec.HEVC, 320, 240), null), Container.AUTO);
        assertTrue(segments.stream().allMatch(Segment::isFmp4));
        Probe probe = probe(writeHls(segments));
        probe.assertVideo("hevc", 320, 240, 90);
        probe.assertDuration(3.0);
    }

    @Test
    void hevcInMpegTs() throws Exception {
        List<Segment> segments = segment(enhanced(EncodedMedia.video(EncodedMedia.Codec.HEVC, 320, 240), null), Container.MPEG_TS);
        assertTrue(segments.stream().noneMatch(Segment::isFmp4));
        Probe probe = probe(writeHls(segments));
        probe.assertVideo("hevc", 320, 240, 90);
        probe.assertDuration(3.0);
    }

    @Test
    void av1AndOpusInFmp4() throws Exception {
        List<Segment> segments = segment(enhanced(EncodedMedia.video(EncodedMedia.Codec.AV1, 320, 240), EncodedMedia.opus()),
                Container.AUTO);
        assertTrue(segments.stream().allMatch(Segment::isFmp4));
        Probe probe = probe(writeHls(segments));
        probe.assertVideo("av1", 320, 240, 90);
        probe.assertAudio("opus", 48000, 1);
        probe.assertDuration(3.0);
    }

    // ---- input ----

    private static List<Media> flv(boolean video, String audioEncoder, int seconds) throws IOException, InterruptedException {
        List<Media> media = new ArrayList<>();
        for (FlvCollector.Tag tag : EncodedMedia.flvTags(video, audioEncoder, seconds)) {
            Media m = Media.fromFlvTag(tag.type(), tag.timestamp(), tag.body(), Map.of());
            if (m != null) media.add(m);
        }
        return media;
    }

    /** Enhanced RTMP sequence starts, then the coded frames of both in timestamp order. */
    private static List<Media> enhanced(EncodedMedia video, EncodedMedia audio) {
        record Timed(long time, int type, byte[] body) {}
        List<Timed> tags = new ArrayList<>();
        tags.add(new Timed(0, FlvTag.VIDEO, EnhancedRtmpTags.sequenceStart(video)));
        if (audio != null) tags.add(new Timed(0, FlvTag.AUDIO, EnhancedRtmpTags.audioSequenceStart(audio)));
        for (int i = 0; i < video.frames.size(); i++) tags.add(new Timed(video.timeOf(i), FlvTag.VIDEO, EnhancedRtmpTags.codedFrames(video, i)));
        for (int i = 0; audio != null && i < audio.frames.size(); i++) {
            tags.add(new Timed(audio.timeOf(i), FlvTag.AUDIO, EnhancedRtmpTags.audioCodedFrames(audio, i)));
        }
        tags.sort(Comparator.comparingLong(Timed::time)); // stable: headers first
        Map<String, Object> metadata = Map.of("width", 320.0, "height", 240.0);
        return tags.stream().map(t -> Media.fromFlvTag(t.type(), t.time(), t.body(), metadata)).filter(Objects::nonNull).toList();
    }

    private static List<Segment> segment(List<Media> media, Container container) {
        List<Segment> segments = new ArrayList<>();
        Segmenter segmenter = new Segmenter(new Segmenter.Options(2000, 6000, 64 << 20, container), segments::add);
        media.forEach(segmenter::accept);
        segmenter.finish();
        return segments;
    }

    private static void assertSegmentsOfTwoSeconds(List<Segment> segments, int count) {
        assertEquals(count, segments.size(), () -> "segments: " + segments);
        for (Segment s : segments) {
            // The last ends with its last frame, and the encoder's audio runs a little past the video.
            long tolerance = s == segments.get(count - 1) ? 100 : 50;
            assertEquals(2000, s.durationMs(), tolerance, () -> "segment " + s.sequence());
            assertFalse(s.discontinuity() || s.cutAtLimit(), () -> "segment " + s.sequence());
        }
    }

    /** The segments as files, and a playlist that lists them all and ends. */
    private Path writeHls(List<Segment> segments) throws IOException {
        Playlist playlist = new Playlist(segments.size(), 2000);
        for (Segment s : segments) {
            String mapUri = null;
            if (s.isFmp4()) {
                mapUri = "init-" + s.init().id() + ".mp4";
                Files.write(dir.resolve(mapUri), s.init().data());
            }
            String uri = "segment-" + s.sequence() + (s.isFmp4() ? ".m4s" : ".ts");
            Files.write(dir.resolve(uri), s.data());
            playlist.add(new Playlist.Entry(s.sequence(), uri, s.durationMs(), s.discontinuity(), mapUri));
        }
        playlist.end();
        Path m3u8 = dir.resolve("playlist.m3u8");
        Files.writeString(m3u8, playlist.render());
        return m3u8;
    }

    // ---- ffprobe / ffmpeg ----

    /** ffprobe's view of the playlist (every frame counted), after ffmpeg decoded it all without a word. */
    private Probe probe(Path playlist) throws IOException, InterruptedException {
        String ffmpeg = ExternalTools.require("ffmpeg", "ffmpeg");
        String ffprobe = ExternalTools.require("ffprobe", "ffmpeg");
        ExternalTools.Result decoded = ExternalTools.run(List.of(ffmpeg, "-hide_banner", "-v", "error", "-i", playlist.toString(),
                "-f", "null", "-"), 120);
        assertEquals(0, decoded.exitCode(), decoded.output());
        assertEquals("", decoded.output().strip(), () -> "ffmpeg decoding " + playlist + ":\n" + playlistText(playlist));
        Path json = dir.resolve("probe.json");
        ExternalTools.Result probed = ExternalTools.run(List.of(ffprobe, "-v", "error", "-count_frames", "-show_entries",
                "stream=codec_name,codec_type,width,height,nb_read_frames,sample_rate,channels:format=duration",
                "-of", "json", "-o", json.toString(), playlist.toString()), 120);
        assertEquals(0, probed.exitCode(), probed.output());
        assertEquals("", probed.output().strip(), "ffprobe reported errors");
        return new Probe(JSON.readTree(json.toFile()));
    }

    private static String playlistText(Path playlist) {
        try {
            return Files.readString(playlist);
        } catch (IOException e) {
            return e.toString();
        }
    }

    private record Probe(JsonNode json) {
        List<String> codecs() {
            List<String> codecs = new ArrayList<>();
            json.get("streams").forEach(s -> codecs.add(s.get("codec_name").asText()));
            return codecs;
        }

        JsonNode stream(String type) {
            for (JsonNode s : json.get("streams")) if (s.get("codec_type").asText().equals(type)) return s;
            throw new AssertionError("no " + type + " stream in " + json);
        }

        void assertVideo(String codec, int width, int height, int frames) {
            JsonNode v = stream("video");
            assertEquals(codec, v.get("codec_name").asText());
            assertEquals(width, v.get("width").asInt());
            assertEquals(height, v.get("height").asInt());
            assertEquals(frames, v.get("nb_read_frames").asInt(), "video frames read");
        }

        void assertAudio(String codec, int sampleRate, int channels) {
            JsonNode a = stream("audio");
            assertEquals(codec, a.get("codec_name").asText());
            assertEquals(sampleRate, a.get("sample_rate").asInt());
            assertEquals(channels, a.get("channels").asInt());
        }

        void assertDuration(double seconds) {
            assertEquals(seconds, json.get("format").get("duration").asDouble(), 0.25, json::toString);
        }
    }
}
