package io.streamlet.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.streamlet.testing.ExternalTools;
import io.streamlet.testing.HttpFlvClient;
import io.streamlet.testing.WebContainer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The HTTP API and /metrics through the running webapp while ffmpeg publishes: SRS's JSON shapes, counts
 * that follow players coming and going, kicking a player and the publisher, and the optional Basic auth.
 */
class HttpApiIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    /** One line of the Prometheus text format: a comment, or name{labels} value. */
    private static final Pattern EXPOSITION_LINE = Pattern.compile(
            "# (HELP|TYPE) [a-zA-Z_:][a-zA-Z0-9_:]* .+|([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{[a-zA-Z_][a-zA-Z0-9_]*=\"[^\"]*\"(,[a-zA-Z_][a-zA-Z0-9_]*=\"[^\"]*\")*})? -?[0-9.eE+-]+");

    @ParameterizedTest(name = "on {0}")
    @EnumSource(WebContainer.Kind.class)
    void apiAndMetricsFollowAPublishedStreamItsPlayersAndKicks(WebContainer.Kind container) throws Exception {
        String ffmpeg = ExternalTools.require("ffmpeg", "ffmpeg");
        try (WebContainer server = container.start(Map.of())) {
            Process publisher = ExternalTools.start(List.of(ffmpeg, "-hide_banner", "-loglevel", "error", "-re",
                    "-f", "lavfi", "-i", "testsrc2=size=640x360:rate=30", "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000",
                    "-c:v", "libx264", "-preset", "veryfast", "-tune", "zerolatency", "-profile:v", "main", "-g", "30",
                    "-pix_fmt", "yuv420p", "-c:a", "aac", "-ac", "2", "-t", "40", "-f", "flv",
                    "rtmp://127.0.0.1:" + server.rtmpPort() + "/live/api"));
            try {
                JsonNode stream = await(server, "/api/v1/streams", body -> body.get("streams").size() == 1
                        && !body.get("streams").get(0).get("video").isNull() && !body.get("streams").get(0).get("audio").isNull())
                        .get("streams").get(0);
                assertSrsEnvelope(get(server, "/api/v1/streams"));
                assertEquals("live", stream.get("app").asText());
                assertEquals("api", stream.get("name").asText());
                assertEquals("/live/api", stream.get("url").asText());
                assertEquals("rtmp://127.0.0.1:" + server.rtmpPort() + "/live", stream.get("tcUrl").asText());
                assertTrue(stream.get("publish").get("active").asBoolean());
                assertEquals(1, stream.get("clients").asInt(), "the publisher alone");
                JsonNode video = stream.get("video");
                assertEquals("H264", video.get("codec").asText());
                assertEquals("Main", video.get("profile").asText());
                assertEquals(640, video.get("width").asInt());
                assertEquals(360, video.get("height").asInt());
                JsonNode audio = stream.get("audio");
                assertEquals("AAC", audio.get("codec").asText());
                assertEquals("LC", audio.get("profile").asText());
                assertEquals(48000, audio.get("sample_rate").asInt());
                assertEquals(2, audio.get("channel").asInt());
                for (String field : List.of("id", "vhost", "live_ms", "frames", "send_bytes", "recv_bytes")) {
                    assertTrue(stream.has(field), field);
                }
                String streamId = stream.get("id").asText();
                String publisherId = stream.get("publish").get("cid").asText();

                try (HttpFlvClient first = new HttpFlvClient(server.httpPort(), "GET", "/live/api.flv");
                        HttpFlvClient second = new HttpFlvClient(server.httpPort(), "GET", "/live/api.flv")) {
                    first.readTags(10, 5_000);
                    second.readTags(10, 5_000);
                    stream = await(server, "/api/v1/streams/" + streamId, body -> body.get("stream").get("clients").asInt() == 3)
                            .get("stream");
                    assertEquals(streamId, stream.get("id").asText());
                    assertTrue(stream.get("frames").asLong() > 0, "video frames counted");
                    assertTrue(stream.get("recv_bytes").asLong() > 0 && stream.get("send_bytes").asLong() > 0, stream.toString());
                    assertTrue(stream.get("kbps").get("recv_30s").asLong() > 0, "a stream of ~1 Mbit/s has a receive rate");

                    JsonNode clients = get(server, "/api/v1/clients?count=100").get("clients");
                    assertEquals(3, clients.size(), clients.toString());
                    JsonNode pub = clients.get(0);
                    assertEquals(publisherId, pub.get("id").asText());
                    assertEquals("fmle-publish", pub.get("type").asText());
                    assertTrue(pub.get("publish").asBoolean());
                    assertEquals("rtmp", pub.get("protocol").asText());
                    assertEquals(streamId, pub.get("stream").asText());
                    assertTrue(pub.get("recv_bytes").asLong() > 0);
                    List<String> playerIds = new ArrayList<>();
                    for (JsonNode player : List.of(clients.get(1), clients.get(2))) {
                        assertEquals("flv-play", player.get("type").asText());
                        assertFalse(player.get("publish").asBoolean());
                        assertEquals("http-flv", player.get("protocol").asText());
                        assertEquals("127.0.0.1", player.get("ip").asText());
                        // The URL as the player asked for it (this test client's Host header has no port).
                        assertEquals("http://127.0.0.1/live/api.flv", player.get("url").asText());
                        assertEquals(streamId, player.get("stream").asText());
                        assertTrue(player.get("send_bytes").asLong() > 0);
                        assertTrue(player.get("alive").asDouble() >= 0);
                        for (String field : List.of("vhost", "pageUrl", "tcUrl", "name", "kbps", "skips", "drops", "connected_ms")) {
                            assertTrue(player.has(field), field);
                        }
                        playerIds.add(player.get("id").asText());
                    }
                    JsonNode page = get(server, "/api/v1/clients?start=1&count=1").get("clients");
                    assertEquals(1, page.size());
                    assertEquals(playerIds.get(0), page.get(0).get("id").asText());
                    assertEquals(publisherId, get(server, "/api/v1/clients/" + publisherId).get("client").get("id").asText());

                    Map<String, Double> metrics = scrape(server);
                    assertEquals(1, value(metrics, "streamlet_streams"));
                    assertEquals(1, value(metrics, "streamlet_publishers"));
                    assertEquals(2, value(metrics, "streamlet_players"));
                    assertEquals(2, value(metrics, "streamlet_connections_total{protocol=\"http_flv\"}"));
                    assertTrue(value(metrics, "streamlet_received_bytes_total") > 0);
                    assertTrue(value(metrics, "streamlet_tags_delivered_total") >= 20);
                    double sentBefore = value(metrics, "streamlet_sent_bytes_total");

                    // Kicking a player ends its response (the terminating chunk) and leaves the other playing.
                    assertEquals(0, request(server, "DELETE", "/api/v1/clients/" + playerIds.get(0)).get("code").asInt());
                    assertTrue(first.readToEnd(5_000), "the kicked player's response ended cleanly");
                    await(server, "/api/v1/streams/" + streamId, body -> body.get("stream").get("clients").asInt() == 2);
                    assertEquals(1, scrape(server).get("streamlet_players"));
                    JsonNode gone = request(server, "GET", "/api/v1/clients/" + playerIds.get(0));
                    assertEquals(ApiServlet.CLIENT_NOT_FOUND, gone.get("code").asInt());
                    int before = second.flv.tags.size();
                    second.readTags(before + 5, 5_000);
                    assertTrue(second.flv.tags.size() >= before + 5 && !second.ended(), "the other player still receives");

                    // Kicking the publisher ends the stream: it is unmounted and its player gets end of stream.
                    assertEquals(0, request(server, "DELETE", "/api/v1/clients/" + publisherId).get("code").asInt());
                    assertTrue(second.readToEnd(5_000), "the stream's last player got end of stream");
                    await(server, "/api/v1/streams", body -> body.get("streams").isEmpty());
                    Map<String, Double> after = scrape(server);
                    assertEquals(0, value(after, "streamlet_streams"));
                    assertEquals(0, value(after, "streamlet_players"));
                    assertTrue(value(after, "streamlet_sent_bytes_total") >= sentBefore, "counters keep what gone clients sent");
                    assertEquals(ApiServlet.STREAM_NOT_FOUND, request(server, "GET", "/api/v1/streams/" + streamId).get("code").asInt());
                }
            } finally {
                publisher.destroy();
                publisher.waitFor();
            }
        }
    }

    @Test
    void errorsAreJsonWithACode() throws Exception {
        try (WebContainer server = WebContainer.Kind.JETTY.start(Map.of())) {
            assertError(server, "GET", "/api/v1/streams/nope", 404, ApiServlet.STREAM_NOT_FOUND);
            assertError(server, "GET", "/api/v1/clients/nope", 404, ApiServlet.CLIENT_NOT_FOUND);
            assertError(server, "DELETE", "/api/v1/clients/nope", 404, ApiServlet.CLIENT_NOT_FOUND);
            assertError(server, "GET", "/api/v1/nothing", 404, 404);
            assertError(server, "GET", "/api/v1/streams?count=many", 400, 400);
            assertError(server, "POST", "/api/v1/streams", 405, 405);
            assertError(server, "DELETE", "/api/v1/streams/nope", 405, 405);
            assertError(server, "DELETE", "/api/v1/versions", 405, 405);
            assertError(server, "GET", "/api/v2/", 404, 404);
            assertTrue(request(server, "GET", "/api/v1/clients/nope").get("message").asText().contains("'nope'"),
                    "ids are quoted in messages");

            JsonNode v1 = get(server, "/api/v1/");
            assertSrsEnvelope(v1);
            assertEquals(List.of("versions", "summaries", "streams", "clients", "forwards"), fieldNames(v1.get("urls")));
            for (String endpoint : fieldNames(v1.get("urls"))) {
                assertEquals(0, get(server, "/api/v1/" + endpoint).get("code").asInt(), "listed " + endpoint + " answers");
            }
            assertEquals(fieldNames(v1), fieldNames(get(server, "/api/v1")), "with or without the slash");
            assertTrue(get(server, "/api/").get("urls").has("v1"), "/api/ lists the versions");

            JsonNode versions = get(server, "/api/v1/versions");
            assertSrsEnvelope(versions);
            assertTrue(versions.get("data").get("version").asText().matches("\\d+\\.\\d+\\.\\d+.*"), versions.toString());
            JsonNode summary = get(server, "/api/v1/summaries").get("data");
            assertTrue(summary.get("ok").asBoolean());
            assertTrue(summary.get("self").get("mem_kbyte").asLong() > 0);
            assertTrue(summary.get("self").has("cpu_percent") && summary.get("self").has("srs_uptime"));
            assertEquals(0, summary.get("system").get("conn_srs").asInt());
            assertEquals(0, get(server, "/api/v1/streams/").get("streams").size(), "SRS clients add a trailing slash");
        }
    }

    @Test
    void metricsAreValidPrometheusTextWithOnePrefix() throws Exception {
        try (WebContainer server = WebContainer.Kind.JETTY.start(Map.of())) {
            HttpResponse<String> resp = HTTP.send(HttpRequest.newBuilder(URI.create(server.url("/metrics"))).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, resp.statusCode());
            assertTrue(resp.headers().firstValue("Content-Type").orElse("").startsWith("text/plain; version=0.0.4"));
            Set<String> typed = new HashSet<>();
            for (String line : resp.body().split("\n")) {
                Matcher m = EXPOSITION_LINE.matcher(line);
                assertTrue(m.matches(), "not the exposition format: " + line);
                if (line.startsWith("# TYPE ")) typed.add(line.split(" ")[2]);
                if (m.group(2) != null) {
                    assertTrue(m.group(2).startsWith("streamlet_"), line);
                    assertTrue(typed.contains(m.group(2)), "sample before its TYPE: " + line);
                }
            }
            for (String family : List.of("streamlet_streams", "streamlet_publishers", "streamlet_players",
                    "streamlet_connections_total", "streamlet_connection_errors_total", "streamlet_received_bytes_total",
                    "streamlet_sent_bytes_total", "streamlet_tags_delivered_total", "streamlet_player_skips_total",
                    "streamlet_player_dropped_tags_total", "streamlet_hook_calls_total", "streamlet_hook_failures_total",
                    "streamlet_rtmp_handshake_failures_total", "streamlet_jvm_memory_used_bytes", "streamlet_jvm_threads")) {
                assertTrue(typed.contains(family), family);
            }
            Map<String, Double> metrics = scrape(server);
            assertTrue(value(metrics, "streamlet_jvm_memory_used_bytes{area=\"heap\"}") > 0);
            assertTrue(value(metrics, "streamlet_jvm_threads") > 0);
        }
    }

    @Test
    void basicAuthGuardsTheApiAndMetricsButNotThePlayerPage() throws Exception {
        try (WebContainer server = WebContainer.Kind.JETTY.start(
                Map.of("streamlet.api.username", "admin", "streamlet.api.password", "s3cret"))) {
            for (String path : List.of("/api/v1/versions", "/metrics")) {
                HttpResponse<String> anonymous = send(server, "GET", path, null);
                assertEquals(401, anonymous.statusCode(), path);
                assertTrue(anonymous.headers().firstValue("WWW-Authenticate").orElse("").startsWith("Basic realm="));
                JsonNode refusal = JSON.readTree(anonymous.body());
                assertEquals(401, refusal.get("code").asInt());
                for (String field : List.of("server", "service", "pid")) {
                    assertTrue(refusal.get(field).isTextual(), "a 401 has " + field + " as every answer: " + refusal);
                }
                assertEquals(JSON.readTree(send(server, "GET", "/api/v1/versions", basic("admin", "s3cret")).body()).get("server"),
                        refusal.get("server"), "the same server id as the answers behind the auth");
                assertEquals(401, send(server, "GET", path, basic("admin", "wrong")).statusCode(), path);
                assertEquals(200, send(server, "GET", path, basic("admin", "s3cret")).statusCode(), path);
            }
            assertEquals(200, send(server, "GET", "/", null).statusCode(), "the player page itself is public");
        }
    }

    private static List<String> fieldNames(JsonNode object) {
        List<String> names = new ArrayList<>();
        object.fieldNames().forEachRemaining(names::add);
        return names;
    }

    private static void assertSrsEnvelope(JsonNode body) {
        assertEquals(0, body.get("code").asInt());
        for (String field : List.of("server", "service", "pid")) {
            assertTrue(body.get(field).isTextual() && !body.get(field).asText().isEmpty(), field + " in " + body);
        }
    }

    private static void assertError(WebContainer server, String method, String path, int status, int code) throws Exception {
        HttpResponse<String> resp = send(server, method, path, null);
        assertEquals(status, resp.statusCode(), method + " " + path);
        assertTrue(resp.headers().firstValue("Content-Type").orElse("").startsWith("application/json"));
        JsonNode body = JSON.readTree(resp.body());
        assertEquals(code, body.get("code").asInt(), body.toString());
        assertNotNull(body.get("message"));
    }

    /** Polls {@code path} until {@code done} holds, for up to 10 s. */
    private static JsonNode await(WebContainer server, String path, Predicate<JsonNode> done) throws Exception {
        long deadline = System.currentTimeMillis() + 10_000;
        JsonNode body = get(server, path);
        while (!done.test(body)) {
            assertTrue(System.currentTimeMillis() < deadline, "still " + body + " from " + path);
            Thread.sleep(100);
            body = get(server, path);
        }
        return body;
    }

    private static JsonNode get(WebContainer server, String path) throws Exception {
        HttpResponse<String> resp = send(server, "GET", path, null);
        assertEquals(200, resp.statusCode(), path + ": " + resp.body());
        return JSON.readTree(resp.body());
    }

    private static JsonNode request(WebContainer server, String method, String path) throws Exception {
        return JSON.readTree(send(server, method, path, null).body());
    }

    private static HttpResponse<String> send(WebContainer server, String method, String path, String authorization)
            throws Exception {
        HttpRequest.Builder req = HttpRequest.newBuilder(URI.create(server.url(path))).timeout(Duration.ofSeconds(10))
                .method(method, HttpRequest.BodyPublishers.noBody());
        if (authorization != null) req.header("Authorization", authorization);
        return HTTP.send(req.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String basic(String user, String password) {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    private static double value(Map<String, Double> samples, String name) {
        Double v = samples.get(name);
        assertNotNull(v, name + " in /metrics");
        return v;
    }

    /** The samples of /metrics by name with labels, e.g. {@code streamlet_players} or {@code x{k="v"}}. */
    private static Map<String, Double> scrape(WebContainer server) throws Exception {
        HttpResponse<String> resp = send(server, "GET", "/metrics", null);
        assertEquals(200, resp.statusCode());
        Map<String, Double> samples = new HashMap<>();
        for (String line : resp.body().split("\n")) {
            if (line.startsWith("#") || line.isBlank()) continue;
            int space = line.lastIndexOf(' ');
            samples.put(line.substring(0, space), Double.parseDouble(line.substring(space + 1)));
        }
        return samples;
    }
}
