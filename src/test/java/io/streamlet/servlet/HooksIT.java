package io.streamlet.servlet;

import static io.streamlet.testing.SyntheticMedia.sendFrames;
import static io.streamlet.testing.SyntheticMedia.sendHeaders;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.streamlet.live.StreamKey;
import io.streamlet.testing.HookServer;
import io.streamlet.testing.HookServer.Answer;
import io.streamlet.testing.HttpFlvClient;
import io.streamlet.testing.RtmpTestPlayer;
import io.streamlet.testing.RtmpTestPublisher;
import io.streamlet.testing.WebContainer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.AfterParameterizedClassInvocation;
import org.junit.jupiter.params.BeforeParameterizedClassInvocation;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * SRS-style HTTP hooks through the running webapp: a hook backend in the test (the JDK's HTTP server)
 * decides, and the test checks both what the publisher or player got and the JSON the server sent.
 */
@ParameterizedClass(name = "on {0}")
@EnumSource(WebContainer.Kind.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HooksIT {
    private static final long HOOK_TIMEOUT_MS = 1000; // a cold hook client on a busy machine needs more than 300 ms
    @Parameter
    private WebContainer.Kind container;
    private HookServer hooks;
    private WebContainer server;

    @BeforeParameterizedClassInvocation
    void start() throws Exception {
        hooks = new HookServer();
        server = container.start(Map.of(
                "streamlet.hooks.onPublish", hooks.url("/on_publish").toString(),
                "streamlet.hooks.onUnpublish", hooks.url("/on_unpublish").toString(),
                "streamlet.hooks.onPlay", hooks.url("/on_play").toString(),
                "streamlet.hooks.onStop", hooks.url("/on_stop").toString(),
                "streamlet.hooks.timeout", HOOK_TIMEOUT_MS + "ms"));
    }

    @AfterParameterizedClassInvocation
    void stop() throws Exception {
        server.close();
        hooks.close();
    }

    private RtmpTestPublisher publish(String stream) throws Exception {
        return RtmpTestPublisher.publish("127.0.0.1", server.rtmpPort(), "live", stream);
    }

    private boolean mounted(String stream) {
        return server.streamlet().registry().find(new StreamKey("live", stream)) != null;
    }

    /** The next body the hook at {@code path} got about {@code stream}, skipping those about other streams. */
    private JsonNode next(String path, String stream) throws Exception {
        return next(path, stream, 3000);
    }

    private JsonNode next(String path, String stream, long timeoutMs) throws Exception {
        long deadline = System.currentTimeMillis() + timeoutMs;
        for (JsonNode body; (body = hooks.next(path, deadline - System.currentTimeMillis())) != null; ) {
            if (body.get("stream").asText().equals(stream)) return body;
        }
        return null;
    }

    @Test
    void anAllowedPublisherStartsAndTheHooksHearOfItsStartAndEnd() throws Exception {
        JsonNode onPublish;
        try (RtmpTestPublisher pub = publish("allowed?token=abc")) {
            assertEquals("NetStream.Publish.Start", pub.lastStatusCode());
            onPublish = next("/on_publish", "allowed");
            assertNotNull(onPublish);
            assertEquals("on_publish", onPublish.get("action").asText());
            assertEquals("127.0.0.1", onPublish.get("ip").asText());
            assertEquals("__defaultVhost__", onPublish.get("vhost").asText());
            assertEquals("live", onPublish.get("app").asText());
            assertEquals("?token=abc", onPublish.get("param").asText());
            assertEquals("rtmp://127.0.0.1:" + server.rtmpPort() + "/live", onPublish.get("tcUrl").asText());
            assertEquals("/live/allowed", onPublish.get("stream_url").asText());
            assertEquals(onPublish.get("client_id").asText(), onPublish.get("stream_id").asText());
            assertTrue(onPublish.get("server_id").asText().startsWith("vid-"));
            String apiServer = new ObjectMapper().readTree(HttpClient.newHttpClient().send(
                    HttpRequest.newBuilder(URI.create(server.url("/api/v1/versions"))).build(),
                    HttpResponse.BodyHandlers.ofString()).body()).get("server").asText();
            assertEquals(apiServer, onPublish.get("server_id").asText(), "hooks and API name the same server");
            assertTrue(mounted("allowed"));
        }
        JsonNode onUnpublish = next("/on_unpublish", "allowed");
        assertNotNull(onUnpublish, "on_unpublish when the publisher leaves");
        assertEquals("on_unpublish", onUnpublish.get("action").asText());
        assertEquals(onPublish.get("client_id"), onUnpublish.get("client_id"));
    }

    @Test
    void aPublisherIsRefusedUnlessTheHookSaysZero() throws Exception {
        for (Answer answer : List.of(Answer.DENY, Answer.GARBAGE, Answer.EMPTY, Answer.SERVER_ERROR, Answer.HANG)) {
            String stream = "refused-" + answer.name().toLowerCase();
            hooks.answer("/on_publish", stream, answer);
            long start = System.nanoTime();
            try (RtmpTestPublisher pub = publish(stream)) {
                assertEquals("NetStream.Publish.Denied", pub.lastStatusCode(), answer.name());
                assertTrue(pub.awaitClosedByServer(), answer + ": the server closes the connection");
            }
            long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            if (answer == Answer.HANG) assertTrue(tookMs >= HOOK_TIMEOUT_MS, "waited for the hook: " + tookMs + " ms");
            assertTrue(tookMs < 3000, answer + " took " + tookMs + " ms");
            assertNotNull(next("/on_publish", stream), answer.name());
            assertEquals(false, mounted(stream), answer.name());
        }
        assertNull(next("/on_unpublish", "refused-deny", 200), "a publish that never started does not end");
    }

    @Test
    void anAllowedPlayerIsServedAndTheHooksHearOfItsStartAndEnd() throws Exception {
        try (RtmpTestPublisher pub = publish("show")) {
            sendHeaders(pub);
            sendFrames(pub, 0, 0, 30, 500);
            String publisherId = next("/on_publish", "show").get("client_id").asText();
            JsonNode onPlay;
            try (HttpFlvClient player = new HttpFlvClient(server.httpPort(), "GET", "/live/show.flv?token=t1",
                    Map.of("Referer", "https://page.example/watch"))) {
                assertEquals(200, player.status);
                player.readTags(3 + 2, 5000);
                assertTrue(player.flv.tags.size() >= 5, "the player gets the stream after the hook allowed it");
                onPlay = next("/on_play", "show");
                assertEquals("on_play", onPlay.get("action").asText());
                assertEquals("https://page.example/watch", onPlay.get("pageUrl").asText());
                assertEquals("?token=t1", onPlay.get("param").asText());
                assertEquals("/live/show", onPlay.get("stream_url").asText());
                assertEquals(publisherId, onPlay.get("stream_id").asText());
                // The test client's Host header has no port, so the URL it asked for has none either.
                assertEquals("http://127.0.0.1/live", onPlay.get("tcUrl").asText());
                assertNull(next("/on_stop", "show", 200), "no on_stop while the player plays");
            }
            // The server learns that the player left when a write to it fails: keep the stream going meanwhile.
            JsonNode onStop = null;
            for (int second = 0; second < 5 && onStop == null; second++) {
                sendFrames(pub, 1000L * (second + 1), 0, 30, 20_000);
                onStop = next("/on_stop", "show", 1000);
            }
            assertNotNull(onStop, "on_stop when the player leaves");
            assertEquals(onPlay.get("client_id"), onStop.get("client_id"));
        }
    }

    @Test
    void aPlayerIsRefusedUnlessTheHookSaysZeroAndAHangingHookBlocksNoOtherPlayer() throws Exception {
        try (RtmpTestPublisher open = publish("open"); RtmpTestPublisher closed = publish("closed")) {
            sendHeaders(open);
            hooks.answer("/on_play", "closed", Answer.DENY);
            try (HttpFlvClient player = new HttpFlvClient(server.httpPort(), "GET", "/live/closed.flv")) {
                assertEquals(403, player.status);
            }
            assertNotNull(next("/on_play", "closed"));
            hooks.answer("/on_play", "closed", Answer.HANG);
            CompletableFuture<Integer> hanging = CompletableFuture.supplyAsync(() -> {
                try (HttpFlvClient player = new HttpFlvClient(server.httpPort(), "GET", "/live/closed.flv")) {
                    return player.status;
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            assertNotNull(next("/on_play", "closed"), "the hanging hook was asked");
            long start = System.nanoTime();
            try (HttpFlvClient other = new HttpFlvClient(server.httpPort(), "GET", "/live/open.flv")) {
                assertEquals(200, other.status);
                assertTrue(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start) < HOOK_TIMEOUT_MS,
                        "another player is served while a hook hangs");
            }
            assertEquals(403, hanging.get(5, TimeUnit.SECONDS), "the hanging hook's player is refused at the timeout");
        }
    }

    @Test
    void pathTricksCannotReachAStreamTheHookDenies() throws Exception {
        try (RtmpTestPublisher secret = publish("secret"); RtmpTestPublisher open = publish("open2")) {
            sendHeaders(secret);
            sendHeaders(open);
            hooks.answer("/on_play", "secret", Answer.DENY);
            for (String path : List.of("/live/secret.flv", "/live/../live/secret.flv", "/live/./secret.flv",
                    "/x/../live/secret.flv", "/live/%73ecret.flv", "/live/secret.flv;x=1", "/live/secret.flv?sign=x",
                    "/live//secret.flv", "/live%2Fsecret.flv", "/live/secret.flv.flv", "/live/secret.flv/",
                    "/live/secret%2Eflv", "/open2/../live/secret.flv", "/LIVE/secret.flv", "/live/open2.flv/../secret.flv")) {
                try (HttpFlvClient player = new HttpFlvClient(server.httpPort(), "GET", path)) {
                    assertTrue(List.of(400, 403, 404).contains(player.status), path + " gave " + player.status);
                }
            }
            try (HttpFlvClient player = new HttpFlvClient(server.httpPort(), "GET", "/live/open2.flv")) {
                assertEquals(200, player.status, "the same hook lets other streams through");
            }
        }
    }

    @Test
    void anRtmpPlayerIsAskedForAndItsEndTold() throws Exception {
        try (RtmpTestPublisher pub = publish("rtmpshow")) {
            sendHeaders(pub);
            sendFrames(pub, 0, 0, 30, 500);
            String url = "rtmp://127.0.0.1:" + server.rtmpPort() + "/live/rtmpshow?token=r1";
            JsonNode onPlay;
            try (RtmpTestPlayer player = RtmpTestPlayer.play(url)) {
                player.awaitStatus("NetStream.Play.Start");
                onPlay = next("/on_play", "rtmpshow");
                assertEquals("on_play", onPlay.get("action").asText());
                assertEquals("?token=r1", onPlay.get("param").asText());
                assertNull(next("/on_stop", "rtmpshow", 200), "no on_stop while the player plays");
            }
            JsonNode onStop = next("/on_stop", "rtmpshow");
            assertNotNull(onStop, "on_stop when the RTMP player leaves");
            assertEquals(onPlay.get("client_id"), onStop.get("client_id"));

            hooks.answer("/on_play", "rtmpshow", Answer.DENY);
            try (RtmpTestPlayer refused = RtmpTestPlayer.play(url)) {
                refused.awaitEnd(java.time.Duration.ofSeconds(5));
                assertEquals(List.of("NetStream.Play.Failed"), refused.statusCodes(), "the hook said no");
            }
        }
    }
}
