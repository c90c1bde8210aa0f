package io.streamlet.servlet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.streamlet.live.StreamKey;
import io.streamlet.testing.ExternalTools;
import io.streamlet.testing.ExternalTools.Result;
import io.streamlet.testing.WebContainer;
import java.awt.image.BufferedImage;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;

/**
 * The player page end to end in a real browser: ffmpeg publishes, Debian's Chromium (headless, driven by
 * playwright-core through src/test/browser/play.cjs) opens {@code index.html?app=live&stream=page}, and
 * the page must list the stream and play it: first frame within 3 s, time advancing, the published
 * picture size, decoded frames, and a screenshot whose video is not blank.
 */
class PlayerPageIT {
    private static final long FIRST_FRAME_LIMIT_MS = 3_000;

    @Test
    void pageListsTheStreamAndPlaysItInChromium() throws Exception {
        String ffmpeg = ExternalTools.require("ffmpeg", "ffmpeg");
        String node = ExternalTools.require("node", "nodejs");
        String chromium = ExternalTools.require("chromium", "chromium");
        Path modules = npmModules();
        try (WebContainer server = WebContainer.Kind.JETTY.start(Map.of())) {
            Process publisher = ExternalTools.start(List.of(ffmpeg, "-hide_banner", "-loglevel", "error", "-re",
                    "-f", "lavfi", "-i", "testsrc2=size=640x360:rate=30", "-f", "lavfi", "-i", "sine=frequency=440",
                    "-c:v", "libx264", "-preset", "veryfast", "-tune", "zerolatency", "-g", "30", "-pix_fmt", "yuv420p",
                    "-c:a", "aac", "-t", "30", "-f", "flv", "rtmp://127.0.0.1:" + server.rtmpPort() + "/live/page"));
            Path screenshot = Files.createTempFile("streamlet-page-", ".png");
            try {
                long deadline = System.currentTimeMillis() + 10_000;
                while (server.streamlet().registry().find(new StreamKey("live", "page")) == null) {
                    assertTrue(publisher.isAlive() && System.currentTimeMillis() < deadline, "ffmpeg did not publish");
                    Thread.sleep(100);
                }
                Result run = runBrowser(node, chromium, modules, server.url("/?app=live&stream=page"), screenshot);
                assertEquals(0, run.exitCode(), run.output());
                JsonNode page = new ObjectMapper().readTree(run.output().lines().reduce((a, b) -> b).orElse("{}"));
                System.out.println("player page measured: " + page);

                assertTrue(page.get("error").isNull(), "no playback error: " + page);
                assertTrue(page.get("listed").asBoolean(), "the page listed the streams: " + page);
                assertTrue(page.get("streams").toString().contains("live/page"), page.toString());
                assertTrue(page.get("firstFrameSeen").asBoolean(), "no frame shown: " + page);
                long firstFrameMs = page.get("firstFrameMs").asLong();
                assertTrue(firstFrameMs > 0 && firstFrameMs <= FIRST_FRAME_LIMIT_MS,
                        "first frame " + firstFrameMs + " ms after the page started loading");
                assertTrue(page.get("currentTime").asDouble() > page.get("currentTimeBefore").asDouble() + 0.5,
                        "playback time advances: " + page);
                assertEquals(640, page.get("videoWidth").asInt());
                assertEquals(360, page.get("videoHeight").asInt());
                assertEquals("640 × 360", page.get("shownResolution").asText());
                assertTrue(page.get("decodedFrames").asInt() > 0, page.toString());
                assertEquals(server.url("/live/page.flv"), page.get("shownUrl").asText());
                assertTrue(page.get("videoPixelSpread").asDouble() > 100, "the video frame is a picture, not flat: " + page);
                assertVideoNotBlank(screenshot.toFile(), page.get("videoBox"));
            } finally {
                publisher.destroy();
                publisher.waitFor();
                Files.deleteIfExists(screenshot);
            }
        }
    }

    private static Result runBrowser(String node, String chromium, Path modules, String url, Path screenshot) throws Exception {
        ProcessBuilder builder = new ProcessBuilder(node, "src/test/browser/play.cjs", url, screenshot.toString(), "10000");
        builder.environment().put("NODE_PATH", modules.toString());
        builder.environment().put("CHROMIUM", chromium);
        File log = File.createTempFile("streamlet-browser-", ".log");
        try {
            Process p = builder.redirectErrorStream(true).redirectOutput(log).start();
            if (!p.waitFor(40, TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor();
                fail("the browser script did not finish in 40 s:\n" + Files.readString(log.toPath()));
            }
            return new Result(p.exitValue(), Files.readString(log.toPath()));
        } finally {
            Files.deleteIfExists(log.toPath());
        }
    }

    /** Within the video element's box, the screenshot has many colours and both dark and bright pixels. */
    private static void assertVideoNotBlank(File png, JsonNode box) throws Exception {
        BufferedImage image = ImageIO.read(png);
        int x0 = box.get("x").asInt() + 2;
        int y0 = box.get("y").asInt() + 2;
        int x1 = Math.min(image.getWidth(), x0 + box.get("width").asInt() - 4);
        int y1 = Math.min(image.getHeight(), y0 + box.get("height").asInt() - 4);
        assertTrue(x1 - x0 > 100 && y1 - y0 > 100, "video box " + box + " in a " + image.getWidth() + "x" + image.getHeight() + " screenshot");
        Set<Integer> colours = new HashSet<>();
        int minLuma = 255;
        int maxLuma = 0;
        for (int y = y0; y < y1; y += 3) {
            for (int x = x0; x < x1; x += 3) {
                int rgb = image.getRGB(x, y) & 0xFFFFFF;
                colours.add(rgb);
                int luma = (((rgb >> 16) & 0xFF) * 299 + ((rgb >> 8) & 0xFF) * 587 + (rgb & 0xFF) * 114) / 1000;
                minLuma = Math.min(minLuma, luma);
                maxLuma = Math.max(maxLuma, luma);
            }
        }
        assertTrue(colours.size() > 50 && maxLuma - minLuma > 100,
                "the video in the screenshot looks blank: " + colours.size() + " colours, luma " + minLuma + ".." + maxLuma);
    }

    /** playwright-core as `npm ci` installed it for this build (the pom passes its folder). */
    private static Path npmModules() {
        String dir = System.getProperty("streamlet.npm.modules");
        Path modules = dir == null ? null : Path.of(dir);
        if (modules == null || !Files.isDirectory(modules.resolve("playwright-core"))) {
            fail("playwright-core is not installed at " + dir + " (the Maven build runs npm ci; run this test with mvn verify)");
        }
        return modules;
    }
}
