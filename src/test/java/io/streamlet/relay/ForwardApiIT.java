package io.streamlet.relay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.streamlet.server.Streamlet;
import io.streamlet.server.StreamletConfig;
import io.streamlet.testing.RtmpTestPublisher;
import io.streamlet.testing.SyntheticMedia;
import io.streamlet.testing.WebContainer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** A forward as the webapp shows it: {@code /api/v1/forwards}, the clients list and {@code /metrics}, on both containers. */
class ForwardApiIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @ParameterizedTest(name = "on {0}")
    @EnumSource(WebContainer.Kind.class)
    void theApiListsAForwardAndMetricsCountIt(WebContainer.Kind container) throws Exception {
        try (Streamlet destination = Streamlet.start(StreamletConfig.load(Map.of("streamlet.rtmp.host", "127.0.0.1",
                "streamlet.rtmp.port", "0", "streamlet.hls.enabled", "false")::get));
                WebContainer server = container.start(Map.of("streamlet.hls.enabled", "false", "streamlet.forward.destinations",
                        "rtmp://127.0.0.1:" + destination.rtmpPort() + "/[app]/[stream]?secret=s"));
                RtmpTestPublisher publisher = RtmpTestPublisher.publish("127.0.0.1", server.rtmpPort(), "live", "api")) {
            SyntheticMedia.sendHeaders(publisher);
            SyntheticMedia.sendFrames(publisher, 0, 0, 60, 2000);
            JsonNode forward = null;
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (forward == null || !forward.path("state").asText().equals("forwarding") || forward.path("bytes").asLong() < 50_000) {
                if (System.nanoTime() > deadline) fail("no forward forwarding: " + forward);
                Thread.sleep(100);
                JsonNode forwards = get(server, "/api/v1/forwards").path("forwards");
                forward = forwards.size() == 1 ? forwards.get(0) : null;
            }
            assertEquals("live/api", forward.path("stream").asText());
            assertEquals("rtmp://127.0.0.1:" + destination.rtmpPort() + "/live/api?secret=s", forward.path("destination").asText());
            assertEquals(0, forward.path("reconnects").asInt());
            assertEquals(0, forward.path("skipped").asInt());
            assertEquals(server.streamlet().registry().find(new io.streamlet.live.StreamKey("live", "api")).id(),
                    forward.path("stream_id").asText());
            boolean listedAsClient = false;
            for (JsonNode client : get(server, "/api/v1/clients?count=100").path("clients")) {
                listedAsClient |= client.path("id").asText().equals(forward.path("id").asText())
                        && client.path("type").asText().equals("rtmp-forward");
            }
            assertTrue(listedAsClient, "the forward is among the clients");

            String metrics = HTTP.send(HttpRequest.newBuilder(URI.create(server.url("/metrics"))).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
            assertEquals(1, sample(metrics, "streamlet_forwards"));
            assertEquals(1, sample(metrics, "streamlet_forward_started_total"));
            assertEquals(1, sample(metrics, "streamlet_forward_connects_total"));
            assertEquals(0, sample(metrics, "streamlet_forward_failures_total"));
            assertTrue(sample(metrics, "streamlet_forward_sent_bytes_total") >= 50_000, metrics);
        }
    }

    private static long sample(String metrics, String name) {
        Matcher m = Pattern.compile("(?m)^" + name + " (\\d+)$").matcher(metrics);
        if (!m.find()) fail("no " + name + " in /metrics");
        return Long.parseLong(m.group(1));
    }

    private static JsonNode get(WebContainer server, String path) throws Exception {
        HttpResponse<String> resp = HTTP.send(HttpRequest.newBuilder(URI.create(server.url(path))).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, resp.statusCode(), path + ": " + resp.body());
        return JSON.readTree(resp.body());
    }
}
