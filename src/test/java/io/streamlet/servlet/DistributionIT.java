package io.streamlet.servlet;

import static io.streamlet.testing.StandaloneContainer.CONTEXT_PATH;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.streamlet.testing.ExternalTools;
import io.streamlet.testing.ExternalTools.Result;
import io.streamlet.testing.HttpFlvClient;
import io.streamlet.testing.StandaloneContainer;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The packaged WAR in unmodified Tomcat and Jetty distributions, started with their own launchers: it
 * deploys from {@code webapps/}, takes its configuration from {@code -D} or the environment, streams
 * from ffmpeg to ffprobe, logs into the container's own log, and stops with the container.
 */
@ParameterizedClass(name = "in {0}")
@EnumSource(StandaloneContainer.Kind.class)
class DistributionIT {
    private static final long START_TIMEOUT_MS = 60_000;

    @Parameter
    private StandaloneContainer.Kind kind;

    private static Path war() {
        return Path.of(System.getProperty("streamlet.war", "target/streamlet.war"));
    }

    @Test
    void warDeploysStreamsFromFfmpegToFfprobeAndLogsToTheContainerLog() throws Exception {
        String ffmpeg = ExternalTools.require("ffmpeg", "ffmpeg");
        String ffprobe = ExternalTools.require("ffprobe", "ffmpeg");
        int rtmpPort = StandaloneContainer.freePort();
        // The RTMP knobs come in the two documented ways: a -D system property and an environment variable.
        try (StandaloneContainer container = StandaloneContainer.start(kind, war(),
                Map.of("streamlet.rtmp.port", String.valueOf(rtmpPort)), Map.of("STREAMLET_RTMP_HOST", "127.0.0.1"))) {
            String started = "Streamlet started in " + CONTEXT_PATH + ": RTMP on 127.0.0.1:" + rtmpPort;
            assertTrue(container.awaitLog(started, START_TIMEOUT_MS), "no start line in the container's log:\n" + container.log());

            Process publisher = ExternalTools.start(List.of(ffmpeg, "-hide_banner", "-loglevel", "error", "-re",
                    "-f", "lavfi", "-i", "testsrc2=size=640x360:rate=30", "-f", "lavfi", "-i", "sine=frequency=440",
                    "-c:v", "libx264", "-preset", "veryfast", "-tune", "zerolatency", "-g", "30", "-pix_fmt", "yuv420p",
                    "-c:a", "aac", "-t", "10", "-f", "flv", "rtmp://127.0.0.1:" + rtmpPort + "/live/dist"));
            try {
                String path = CONTEXT_PATH + "/live/dist.flv";
                long deadline = System.currentTimeMillis() + 10_000;
                while (true) {
                    try (HttpFlvClient head = new HttpFlvClient(container.httpPort(), "HEAD", path)) {
                        if (head.status == 200) break;
                        assertEquals(404, head.status, "before the publish");
                    }
                    assertTrue(publisher.isAlive() && System.currentTimeMillis() < deadline, "ffmpeg did not publish");
                    Thread.sleep(100);
                }
                Result probe = ExternalTools.run(List.of(ffprobe, "-hide_banner", "-v", "error", "-show_entries",
                        "stream=codec_name,width,height", "-of", "compact", container.url(path)), 30);
                assertEquals(0, probe.exitCode(), probe.output());
                assertTrue(probe.output().contains("codec_name=h264|width=640|height=360"), probe.output());
                assertTrue(probe.output().contains("codec_name=aac"), probe.output());
            } finally {
                publisher.destroy();
                publisher.waitFor();
            }
            assertTrue(container.stop(30), "the container stopped within 30 s");
            assertTrue(container.log().contains("Streamlet stopped in " + CONTEXT_PATH),
                    "the webapp stopped with the container:\n" + container.log());
        }
    }

    @Test
    void badValueStopsTheWebappWithAMessageNamingTheKnob() throws Exception {
        try (StandaloneContainer container = StandaloneContainer.start(kind, war(),
                Map.of("streamlet.rtmp.port", "abc"), Map.of())) {
            String message = "invalid value 'abc' for streamlet.rtmp.port";
            assertTrue(container.awaitLog(message, START_TIMEOUT_MS), "no message naming the knob:\n" + container.log());
            try (HttpFlvClient player = new HttpFlvClient(container.httpPort(), "GET", CONTEXT_PATH + "/live/x.flv")) {
                assertTrue(player.status == 404 || player.status == 503, "the webapp is not served: " + player.status);
            }
            assertTrue(!container.log().contains("Streamlet started"), container.log());
        }
    }
}
