package io.streamlet.servlet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.streamlet.live.StreamKey;
import io.streamlet.testing.ExternalTools;
import io.streamlet.testing.ExternalTools.Result;
import io.streamlet.testing.WebContainer;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Real clients on both sides, in each embedded container: ffmpeg publishes H.264 + AAC over RTMP, ffprobe
 * and ffmpeg read the HTTP-FLV.
 */
class FfmpegInteropIT {
    @ParameterizedTest(name = "on {0}")
    @EnumSource(WebContainer.Kind.class)
    void ffmpegPublishesAndFfprobeAndFfmpegPlay(WebContainer.Kind container) throws Exception {
        String ffmpeg = ExternalTools.require("ffmpeg", "ffmpeg");
        String ffprobe = ExternalTools.require("ffprobe", "ffmpeg");
        try (WebContainer server = container.start(Map.of())) {
            Process publisher = ExternalTools.start(List.of(ffmpeg, "-hide_banner", "-loglevel", "error", "-re",
                    "-f", "lavfi", "-i", "testsrc2=size=640x360:rate=30", "-f", "lavfi", "-i", "sine=frequency=440",
                    "-c:v", "libx264", "-preset", "veryfast", "-tune", "zerolatency", "-g", "30", "-pix_fmt", "yuv420p",
                    "-c:a", "aac", "-t", "14", "-f", "flv", "rtmp://127.0.0.1:" + server.rtmpPort() + "/live/interop"));
            try {
                StreamKey key = new StreamKey("live", "interop");
                long deadline = System.currentTimeMillis() + 10_000;
                while (server.streamlet().registry().find(key) == null) {
                    assertTrue(publisher.isAlive() && System.currentTimeMillis() < deadline, "ffmpeg did not publish");
                    Thread.sleep(100);
                }
                String url = server.url("/live/interop.flv");
                CompletableFuture<Result> decode = CompletableFuture.supplyAsync(() -> runUnchecked(List.of(ffmpeg,
                        "-hide_banner", "-v", "error", "-i", url, "-t", "5", "-f", "null", "-"), 30));
                Result probe = ExternalTools.run(List.of(ffprobe, "-hide_banner", "-v", "error", "-show_entries",
                        "stream=codec_name,width,height,sample_rate", "-of", "compact", url), 30);
                assertEquals(0, probe.exitCode(), probe.output());
                assertTrue(probe.output().contains("codec_name=h264|width=640|height=360"), probe.output());
                assertTrue(probe.output().contains("codec_name=aac"), probe.output());

                Result decoded = decode.get();
                assertEquals(0, decoded.exitCode(), decoded.output());
                assertEquals("", decoded.output().trim(), "ffmpeg decoded 5 s of the HTTP-FLV stream without an error");
            } finally {
                publisher.destroy();
                publisher.waitFor();
            }
        }
    }

    private static Result runUnchecked(List<String> command, long timeoutSeconds) {
        try {
            return ExternalTools.run(command, timeoutSeconds);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
