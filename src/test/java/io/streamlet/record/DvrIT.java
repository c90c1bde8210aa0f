package io.streamlet.record;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.streamlet.live.StreamKey;
import io.streamlet.testing.ExternalTools;
import io.streamlet.testing.ExternalTools.Result;
import io.streamlet.testing.FlvCollector;
import io.streamlet.testing.HookServer;
import io.streamlet.testing.WebContainer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.AfterParameterizedClassInvocation;
import org.junit.jupiter.params.BeforeParameterizedClassInvocation;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Recording with real peers in each container: ffmpeg publishes H.264 + AAC over RTMP with nobody playing,
 * ffprobe reads the files, the on_dvr hook reaches a backend, the HTTP API starts and stops a recording.
 */
@ParameterizedClass(name = "on {0}")
@EnumSource(WebContainer.Kind.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DvrIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    @Parameter
    private WebContainer.Kind container;
    private Path dir;
    private HookServer hooks;
    private WebContainer server;
    private String ffmpeg;
    private String ffprobe;
    private final HttpClient http = HttpClient.newHttpClient();

    @BeforeParameterizedClassInvocation
    void start() throws Exception {
        ffmpeg = ExternalTools.require("ffmpeg", "ffmpeg");
        ffprobe = ExternalTools.require("ffprobe", "ffmpeg");
        dir = Files.createTempDirectory("streamlet-dvr-it-");
        hooks = new HookServer();
        server = container.start(Map.of(
                "streamlet.dvr.enabled", "true",
                "streamlet.dvr.apps", "live,cut",
                "streamlet.dvr.path", dir + "/[app]/[stream].[timestamp].flv",
                "streamlet.hooks.onDvr", hooks.url("/on_dvr").toString()));
    }

    @AfterParameterizedClassInvocation
    void stop() throws Exception {
        server.close();
        hooks.close();
        try (var files = Files.walk(dir)) {
            for (Path f : files.sorted(java.util.Comparator.reverseOrder()).toList()) Files.delete(f);
        }
    }

    /** ffmpeg publishing {@code seconds} of 320x240 H.264 (a keyframe each second) and AAC, in real time. */
    private Process publish(String app, String stream, int seconds) throws Exception {
        Process p = ExternalTools.start(List.of(ffmpeg, "-hide_banner", "-loglevel", "error", "-re",
                "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=30", "-f", "lavfi", "-i", "sine=frequency=440",
                "-c:v", "libx264", "-preset", "ultrafast", "-tune", "zerolatency", "-g", "30", "-pix_fmt", "yuv420p",
                "-c:a", "aac", "-t", String.valueOf(seconds), "-f", "flv",
                "rtmp://127.0.0.1:" + server.rtmpPort() + "/" + app + "/" + stream));
        StreamKey key = new StreamKey(app, stream);
        long deadline = System.currentTimeMillis() + 10_000;
        while (server.streamlet().registry().find(key) == null) {
            assertTrue(p.isAlive() && System.currentTimeMillis() < deadline, "ffmpeg did not publish");
            Thread.sleep(50);
        }
        return p;
    }

    /** The next on_dvr body about {@code stream}. */
    private JsonNode onDvr(String stream) throws Exception {
        long deadline = System.currentTimeMillis() + 15_000;
        for (JsonNode body; (body = hooks.next("/on_dvr", deadline - System.currentTimeMillis())) != null; ) {
            if (body.get("stream").asText().equals(stream)) return body;
        }
        throw new AssertionError("no on_dvr hook about " + stream);
    }

    /** ffprobe's duration of {@code file} and the codecs of its streams, checking it reads without an error. */
    private Probe probe(Path file) throws Exception {
        Result r = ExternalTools.run(List.of(ffprobe, "-v", "error", "-show_entries", "format=duration:stream=codec_name",
                "-of", "compact=p=0:nk=1", file.toString()), 30);
        assertEquals(0, r.exitCode(), r.output());
        List<String> lines = r.output().lines().map(String::trim).filter(l -> !l.isEmpty()).toList();
        return new Probe(lines.subList(0, lines.size() - 1), Double.parseDouble(lines.get(lines.size() - 1)));
    }

    private record Probe(List<String> codecs, double seconds) {}

    private static FlvCollector parse(Path file) throws Exception {
        byte[] bytes = Files.readAllBytes(file);
        FlvCollector flv = new FlvCollector();
        flv.feed(bytes, 0, bytes.length);
        return flv;
    }

    /** The seconds from the file's first to its last media tag, as its timestamps say. */
    private static double recordedSeconds(FlvCollector flv) {
        List<FlvCollector.Tag> media = flv.media();
        return (media.get(media.size() - 1).timestamp() - media.get(0).timestamp()) / 1000.0;
    }

    private HttpResponse<String> api(String method, String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(server.url(path))).method(method, HttpRequest.BodyPublishers.noBody())
                .build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void aStreamNobodyPlaysIsRecordedToAFileFfprobeReadsAndTheHookHearsOfIt() throws Exception {
        Process p = publish("live", "session", 6);
        assertEquals(0, server.streamlet().players().size());
        assertEquals(0, p.waitFor(), "ffmpeg published to its end");

        JsonNode hook = onDvr("session");
        assertEquals("on_dvr", hook.get("action").asText());
        assertEquals("live", hook.get("app").asText());
        assertEquals("__defaultVhost__", hook.get("vhost").asText());
        assertEquals("127.0.0.1", hook.get("ip").asText());
        assertTrue(hook.hasNonNull("client_id") && hook.hasNonNull("param"), hook.toString());
        assertEquals(System.getProperty("user.dir"), hook.get("cwd").asText());
        Path file = Path.of(hook.get("file").asText());
        assertTrue(file.startsWith(dir.resolve("live")) && Files.size(file) > 10_000, file.toString());

        FlvCollector flv = parse(file);
        assertTrue(flv.tags.get(3).isKeyframe(), "metadata, sequence headers, then a keyframe: " + flv.tags.subList(0, 4));
        Map<String, Object> metadata = FlvFileWriterTest.fileMetadata(flv.tags.get(0).body());
        assertEquals(recordedSeconds(flv), ((Number) metadata.get("duration")).doubleValue(), 0.001,
                "the closed file's onMetaData tells its duration: " + metadata);
        assertEquals((double) Files.size(file), ((Number) metadata.get("filesize")).doubleValue(), "and its size");
        Probe probe = probe(file);
        assertEquals(List.of("h264", "aac"), probe.codecs());
        assertEquals(recordedSeconds(flv), probe.seconds(), 1.0, "ffprobe's duration is what was recorded");
        assertEquals(6.0, probe.seconds(), 1.0, "what ffmpeg published");
    }

    @Test
    void theSegmentPlanCutsAtKeyframesEveryFileStartingLikeAFile() throws Exception {
        WebContainer.Webapp cut = server.deploy("/seg", Map.of(
                "streamlet.dvr.enabled", "true", "streamlet.dvr.plan", "segment", "streamlet.dvr.duration", "2s",
                "streamlet.dvr.path", dir + "/seg/[stream]-[timestamp].flv",
                "streamlet.hooks.onDvr", hooks.url("/on_dvr").toString()));
        try {
            Process p = ExternalTools.start(List.of(ffmpeg, "-hide_banner", "-loglevel", "error", "-re",
                    "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=30", "-f", "lavfi", "-i", "sine=frequency=440",
                    "-c:v", "libx264", "-preset", "ultrafast", "-tune", "zerolatency", "-g", "30", "-pix_fmt", "yuv420p",
                    "-c:a", "aac", "-t", "7", "-f", "flv", "rtmp://127.0.0.1:" + cut.rtmpPort() + "/cut/segments"));
            assertEquals(0, p.waitFor(), "ffmpeg published to its end");
            List<Path> files = new ArrayList<>();
            for (int i = 0; i < 3; i++) files.add(Path.of(onDvr("segments").get("file").asText()));
            files.sort(null);
            for (int i = 0; i < files.size(); i++) {
                FlvCollector flv = parse(files.get(i));
                assertEquals(18, flv.tags.get(0).type(), "file " + i + " opens with the metadata");
                assertTrue(flv.tags.get(1).isSequenceHeader() && flv.tags.get(2).isSequenceHeader(), "then the sequence headers");
                assertTrue(flv.tags.get(3).isKeyframe() && flv.tags.get(3).timestamp() == 0, "then a keyframe at 0: " + flv.tags.get(3));
                Probe probe = probe(files.get(i));
                assertEquals(List.of("h264", "aac"), probe.codecs());
                if (i < 2) assertEquals(2.0, recordedSeconds(flv), 0.2, "file " + i + " is cut at the keyframe at 2 s");
                assertEquals(recordedSeconds(flv), probe.seconds(), 1.0);
            }
        } finally {
            cut.undeploy();
        }
    }

    @Test
    void theApiStartsListsAndStopsARecording() throws Exception {
        Process p = publish("other", "manual", 9); // "other" is not among streamlet.dvr.apps
        try {
            assertEquals("[]", JSON.readTree(api("GET", "/api/v1/dvr/").body()).get("recordings").toString());
            HttpResponse<String> nobody = api("POST", "/api/v1/dvr/other/nobody");
            assertEquals(404, nobody.statusCode(), "a stream nobody publishes");
            assertTrue(JSON.readTree(nobody.body()).hasNonNull("server"), "an answer as the rest of the API's: " + nobody.body());

            HttpResponse<String> started = api("POST", "/api/v1/dvr/other/manual");
            assertEquals(200, started.statusCode(), started.body());
            assertEquals("manual", JSON.readTree(started.body()).get("recording").get("stream").asText());
            Thread.sleep(3500);
            JsonNode listed = JSON.readTree(api("GET", "/api/v1/dvr").body()).get("recordings");
            assertEquals(1, listed.size(), listed.toString());
            assertTrue(listed.get(0).get("bytes").asLong() > 0, listed.toString());

            assertEquals(200, api("DELETE", "/api/v1/dvr/other/manual").statusCode());
            Path file = Path.of(onDvr("manual").get("file").asText());
            assertEquals(404, api("DELETE", "/api/v1/dvr/other/manual").statusCode(), "stopped already");
            assertTrue(p.isAlive(), "the stream goes on");
            Probe probe = probe(file);
            assertEquals(List.of("h264", "aac"), probe.codecs());
            assertEquals(3.0, probe.seconds(), 1.0, "from the start to the stop");
        } finally {
            p.destroy();
            p.waitFor();
        }
    }

    /** A path ending in .mp4 records fragmented MP4: ftyp, moov, then moof + mdat about every second. */
    @Test
    void aPathEndingInMp4RecordsFragmentedMp4ThatFfprobeReads() throws Exception {
        WebContainer.Webapp mp4 = server.deploy("/mp4", Map.of(
                "streamlet.dvr.enabled", "true", "streamlet.dvr.path", dir + "/mp4/[stream].[timestamp].mp4",
                "streamlet.hooks.onDvr", hooks.url("/on_dvr").toString()));
        try {
            Process p = ExternalTools.start(List.of(ffmpeg, "-hide_banner", "-loglevel", "error", "-re",
                    "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=30", "-f", "lavfi", "-i", "sine=frequency=440",
                    "-c:v", "libx264", "-preset", "ultrafast", "-tune", "zerolatency", "-g", "30", "-pix_fmt", "yuv420p",
                    "-c:a", "aac", "-t", "6", "-f", "flv", "rtmp://127.0.0.1:" + mp4.rtmpPort() + "/live/fmp4"));
            assertEquals(0, p.waitFor(), "ffmpeg published to its end");
            JsonNode hook = onDvr("fmp4");
            Path file = Path.of(hook.get("file").asText());
            assertTrue(file.toString().endsWith(".mp4"), file.toString());

            List<String> boxes = topLevelBoxes(Files.readAllBytes(file));
            assertEquals(List.of("ftyp", "moov", "moof", "mdat"), boxes.subList(0, 4), "the initialization segment, then fragments");
            long fragments = boxes.stream().filter("moof"::equals).count();
            assertTrue(fragments >= 5 && fragments <= 7, "a fragment a second (a keyframe a second): " + boxes);
            Probe probe = probe(file);
            assertEquals(List.of("h264", "aac"), probe.codecs());
            assertEquals(6.0, probe.seconds(), 1.0, "what ffmpeg published");
            Result decoded = ExternalTools.run(List.of(ffmpeg, "-v", "error", "-i", file.toString(), "-f", "null", "-"), 30);
            assertEquals(0, decoded.exitCode(), decoded.output());
            assertEquals("", decoded.output().trim(), "decoded to its end without an error");
        } finally {
            mp4.undeploy();
        }
    }

    /** The types of an MP4 file's top-level boxes, in order. */
    static List<String> topLevelBoxes(byte[] mp4) {
        List<String> types = new ArrayList<>();
        for (int at = 0; at + 8 <= mp4.length; ) {
            long size = ((mp4[at] & 0xFFL) << 24) | ((mp4[at + 1] & 0xFF) << 16) | ((mp4[at + 2] & 0xFF) << 8) | (mp4[at + 3] & 0xFF);
            types.add(new String(mp4, at + 4, 4, java.nio.charset.StandardCharsets.US_ASCII));
            if (size < 8) break;
            at += size;
        }
        return types;
    }

    @Test
    void aFileWhoseWriterIsAbandonedMidStreamPlaysToItsLastTag() throws Exception {
        Process p = publish("live", "abandoned", 8);
        try {
            Thread.sleep(4000);
            Path file = Path.of(server.streamlet().recorders().recordings().stream()
                    .filter(r -> r.key().stream().equals("abandoned")).findFirst().orElseThrow().file().toString());
            Path copy = dir.resolve("abandoned-copy.flv");
            Files.write(copy, Files.readAllBytes(file)); // what a kill -9 now would leave: what the OS was given

            Probe probe = probe(copy);
            assertEquals(List.of("h264", "aac"), probe.codecs());
            assertTrue(probe.seconds() > 2.5, "the copy plays to where the writer was: " + probe.seconds());
            Result decoded = ExternalTools.run(List.of(ffmpeg, "-v", "error", "-i", copy.toString(), "-f", "null", "-"), 30);
            assertEquals(0, decoded.exitCode(), decoded.output());
            assertEquals("", decoded.output().trim(), "decoded to its end without an error");
        } finally {
            p.destroy();
            p.waitFor();
        }
    }
}
