package io.streamlet.servlet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.streamlet.testing.EncodedMedia;
import io.streamlet.testing.ExternalTools;
import io.streamlet.testing.TagLoopPublisher;
import io.streamlet.testing.WebContainer;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Why HTTP/2 matters for HTTP-FLV: a browser opens at most 6 HTTP/1.1 connections per host, and each live stream
 * holds one for good, so a page with more than 6 players stalls; over HTTP/2 they are streams of one connection.
 * Real H.264 is published to 16 streams, and Debian's Chromium (headless, driven by playwright-core through
 * src/test/browser/many.cjs) opens one page with a player for each: over https (HTTP/2) all 16 must play at once;
 * the same page over http (HTTP/1.1) plays 6 at most.
 */
class ManyPlayersBrowserIT {
    private static final int STREAMS = 16;
    private static final int HTTP1_CONNECTIONS_PER_HOST = 6;
    private static final int MEDIA_SECONDS = 4;
    /** How long a page may take until all its players show frames; the HTTP/1.1 page always takes all of it. */
    private static final int WAIT_MS = 8_000;

    @ParameterizedTest(name = "on {0}")
    @EnumSource(WebContainer.Kind.class)
    void sixteenPlayersOnOnePagePlayOverHttp2AndSixAtMostOverHttp1(WebContainer.Kind container) throws Exception {
        String node = ExternalTools.require("node", "nodejs");
        String chromium = ExternalTools.require("chromium", "chromium");
        Path modules = npmModules();
        List<String> names = IntStream.range(0, STREAMS).mapToObj(i -> "many" + i).toList();
        try (WebContainer server = container.startWithHttp2(Map.of());
                TagLoopPublisher publisher = new TagLoopPublisher(server.rtmpPort(), "live", names,
                        EncodedMedia.flvTags(true, null, MEDIA_SECONDS), MEDIA_SECONDS * 1000L)) {
            List<JsonNode> pages = runBrowser(node, chromium, modules, server.httpsUrl(""), server.url(""));
            JsonNode h2 = pages.get(0);
            System.out.println(container + ", " + STREAMS + " players over https: " + h2);
            for (JsonNode player : h2.get("players")) {
                assertEquals("h2", player.get("protocol").asText(), "Chromium's protocol for " + player);
                assertTrue(player.get("playing").asBoolean(), "over HTTP/2 every player plays: " + player);
            }
            assertEquals(STREAMS, h2.get("playing").asInt());

            JsonNode http1 = pages.get(1);
            System.out.println(container + ", " + STREAMS + " players over http: " + http1);
            int playing = http1.get("playing").asInt();
            assertTrue(playing > 0 && playing <= HTTP1_CONNECTIONS_PER_HOST,
                    "over HTTP/1.1 the browser's 6 connections per host carry 6 streams at most; " + playing + " play");
            for (JsonNode player : http1.get("players")) {
                if (player.get("protocol").isNull()) continue; // its request never got a connection
                assertEquals("http/1.1", player.get("protocol").asText(), player.toString());
            }
            assertNull(publisher.failure(), "the publisher kept publishing");
        }
    }

    /**
     * Runs many.cjs: the page over each base URL in turn, waiting up to {@link #WAIT_MS} for all its players to show
     * frames; returns the JSON line it prints for each.
     */
    private static List<JsonNode> runBrowser(String node, String chromium, Path modules, String... bases) throws Exception {
        List<String> command = new ArrayList<>(List.of(node, "src/test/browser/many.cjs", "live", "many",
                String.valueOf(STREAMS), String.valueOf(WAIT_MS)));
        command.addAll(List.of(bases));
        ProcessBuilder builder = new ProcessBuilder(command);
        builder.environment().put("NODE_PATH", modules.toString());
        builder.environment().put("CHROMIUM", chromium);
        File log = File.createTempFile("streamlet-browser-", ".log");
        try {
            Process p = builder.redirectErrorStream(true).redirectOutput(log).start();
            if (!p.waitFor(bases.length * (WAIT_MS + 20_000L), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly().waitFor();
                fail("the browser script did not finish:\n" + Files.readString(log.toPath()));
            }
            String output = Files.readString(log.toPath());
            assertEquals(0, p.exitValue(), output);
            ObjectMapper json = new ObjectMapper();
            List<JsonNode> pages = new ArrayList<>();
            for (String line : output.lines().filter(l -> l.startsWith("{")).toList()) pages.add(json.readTree(line));
            assertEquals(bases.length, pages.size(), output);
            return pages;
        } finally {
            Files.deleteIfExists(log.toPath());
        }
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
