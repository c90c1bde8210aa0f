package io.streamlet.auth;

import io.streamlet.EventLog;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.streamlet.config.ConfigReader;
import io.streamlet.metrics.Metrics;
import io.streamlet.live.StreamKey;
import io.streamlet.testing.HookServer;
import io.streamlet.testing.HookServer.Answer;
import java.net.ServerSocket;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The policy with a real hook backend (the JDK's HTTP server) and real signatures. */
class AccessPolicyTest {
    private static final long NOW = 1_767_000_000L;
    private final HookServer hooks = new HookServer();
    private final Metrics metrics = new Metrics();
    private AccessPolicy policy;

    AccessPolicyTest() throws Exception {}

    @AfterEach
    void close() {
        if (policy != null) policy.close();
        hooks.close();
    }

    private AccessPolicy policy(Map<String, String> knobs) {
        Map<String, String> all = new HashMap<>(knobs);
        all.putIfAbsent("streamlet.hooks.timeout", "1s"); // short for the hang cases, long enough for a cold client on a busy machine
        policy = new AccessPolicy(AuthConfig.read(new ConfigReader(all::get)), metrics,
                Clock.fixed(Instant.ofEpochSecond(NOW), ZoneOffset.UTC), EventLog.inline());
        return policy;
    }

    private static AccessRequest publisher(String stream, Map<String, String> params) {
        return new AccessRequest("c1", "127.0.0.1", new StreamKey("live", stream), params,
                "rtmp://127.0.0.1/live", null, "c1");
    }

    private static Decision await(CompletableFuture<Decision> decision) throws Exception {
        return decision.get(5, TimeUnit.SECONDS);
    }

    @Test
    void withNoKnobsEverythingIsAllowedAtOnce() throws Exception {
        awaitNoHookThreads(); // those of policies that earlier tests closed
        CompletableFuture<Decision> decision = policy(Map.of()).authorizePublish(publisher("s", Map.of()));
        assertTrue(decision.isDone());
        assertTrue(decision.join().allowed());
        assertTrue(policy.authorizePlay(publisher("s", Map.of())).join().allowed());
        assertFalse(hookThreadsAlive(), "without hook URLs there is no hook client");
    }

    @Test
    void onPublishGetsSrsFieldsAndItsAnswerDecides() throws Exception {
        policy(Map.of("streamlet.hooks.onPublish", hooks.url("/on_publish").toString()));
        hooks.answer("/on_publish", "yes-json", Answer.ALLOW_JSON).answer("/on_publish", "no", Answer.DENY);

        assertTrue(await(policy.authorizePublish(publisher("yes", Map.of("token", "a b")))).allowed());
        JsonNode body = hooks.next("/on_publish", 1000);
        assertEquals("on_publish", body.get("action").asText());
        assertEquals("c1", body.get("client_id").asText());
        assertEquals("127.0.0.1", body.get("ip").asText());
        assertEquals("__defaultVhost__", body.get("vhost").asText());
        assertEquals("live", body.get("app").asText());
        assertEquals("yes", body.get("stream").asText());
        assertEquals("?token=a+b", body.get("param").asText());
        assertEquals("rtmp://127.0.0.1/live", body.get("tcUrl").asText());
        assertEquals("/live/yes", body.get("stream_url").asText());
        assertEquals("c1", body.get("stream_id").asText());
        assertTrue(body.get("server_id").asText().startsWith("vid-"));
        assertFalse(body.has("pageUrl"), "SRS sends pageUrl to on_play only");

        assertTrue(await(policy.authorizePublish(publisher("yes-json", Map.of()))).allowed(), "201 {\"code\":0}");
        Decision no = await(policy.authorizePublish(publisher("no", Map.of())));
        assertFalse(no.allowed());
        assertEquals("on_publish hook answered {\"code\": 403}", no.reason());
        assertEquals(Map.of("on_publish", 3L), metrics.hookCalls());
        assertEquals(Map.of("on_publish", 1L), metrics.hookFailures());
    }

    @Test
    void anyAnswerButZeroDenies() throws Exception {
        policy(Map.of("streamlet.hooks.onPlay", hooks.url("/on_play").toString()));
        hooks.answer("/on_play", "garbage", Answer.GARBAGE).answer("/on_play", "empty", Answer.EMPTY)
                .answer("/on_play", "error", Answer.SERVER_ERROR);
        assertEquals("on_play hook answered something that is not JSON: <html>oops</html>",
                await(policy.authorizePlay(publisher("garbage", Map.of()))).reason());
        assertEquals("on_play hook answered an empty body", await(policy.authorizePlay(publisher("empty", Map.of()))).reason());
        assertEquals("on_play hook answered HTTP 500", await(policy.authorizePlay(publisher("error", Map.of()))).reason());
    }

    @Test
    void aHangingOrAbsentBackendDeniesAfterTheTimeout() throws Exception {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0)) {
            closedPort = s.getLocalPort();
        }
        policy(Map.of("streamlet.hooks.onPublish", hooks.url("/on_publish").toString(),
                "streamlet.hooks.onPlay", "http://127.0.0.1:" + closedPort + "/on_play"));
        hooks.answer("/on_publish", "hang", Answer.HANG);

        long start = System.nanoTime();
        CompletableFuture<Decision> hanging = policy.authorizePublish(publisher("hang", Map.of()));
        assertFalse(hanging.isDone(), "the caller is not held while the hook is asked");
        Decision decision = await(hanging);
        long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertEquals("on_publish hook no answer: timed out after 1000 ms", decision.reason());
        assertTrue(tookMs >= 250 && tookMs < 2000, "took " + tookMs + " ms");

        assertEquals("on_play hook no answer: connection refused", await(policy.authorizePlay(publisher("s", Map.of()))).reason());
    }

    @Test
    void everyUrlMustAgreeInOrder() throws Exception {
        policy(Map.of("streamlet.hooks.onPublish", hooks.url("/first") + ", " + hooks.url("/second")));
        assertTrue(await(policy.authorizePublish(publisher("s", Map.of()))).allowed());
        assertNotNull(hooks.next("/first", 1000));
        assertNotNull(hooks.next("/second", 1000));

        hooks.answer("/first", "no", Answer.DENY);
        assertFalse(await(policy.authorizePublish(publisher("no", Map.of()))).allowed());
        assertNotNull(hooks.next("/first", 1000));
        assertNull(hooks.next("/second", 300), "after a no, the next hook is not asked");
    }

    @Test
    void ipRulesAndSignatureComeBeforeTheHooks() throws Exception {
        String sign = new UrlSigner("pub").sign("/live/s", NOW + 60);
        policy(Map.of("streamlet.hooks.onPublish", hooks.url("/on_publish").toString(),
                "streamlet.auth.publishSecret", "pub", "streamlet.auth.publishDeny", "10.0.0.0/8"));

        assertEquals("missing signature", await(policy.authorizePublish(publisher("s", Map.of()))).reason());
        AccessRequest fromDenied = new AccessRequest("c2", "10.1.2.3", new StreamKey("live", "s"), Map.of("sign", sign),
                "", null, "c2");
        assertEquals("address 10.1.2.3 is denied by 10.0.0.0/8", await(policy.authorizePublish(fromDenied)).reason());
        assertNull(hooks.next("/on_publish", 300), "no hook is asked about a request already denied");

        assertTrue(await(policy.authorizePublish(publisher("s", Map.of("sign", sign)))).allowed());
        assertNotNull(hooks.next("/on_publish", 1000));
        assertTrue(await(policy.authorizePlay(publisher("s", Map.of()))).allowed(), "the play side has its own knobs");
    }

    @Test
    void endHooksAreToldWithoutWaiting() throws Exception {
        policy(Map.of("streamlet.hooks.onUnpublish", hooks.url("/on_unpublish").toString(),
                "streamlet.hooks.onStop", hooks.url("/on_stop").toString()));
        hooks.answer("/on_unpublish", "s", Answer.HANG).answer("/on_stop", "s", Answer.HANG); // a backend that never answers does not hold the caller
        policy.publishEnded(publisher("s", Map.of()));
        AccessRequest player = new AccessRequest("p1", "::1", new StreamKey("live", "s"), Map.of(),
                "http://h/live", "http://page", "c1");
        policy.playEnded(player);
        assertEquals("on_unpublish", hooks.next("/on_unpublish", 1000).get("action").asText());
        JsonNode stop = hooks.next("/on_stop", 1000);
        assertEquals("on_stop", stop.get("action").asText());
        assertEquals("p1", stop.get("client_id").asText());
        assertEquals("http://page", stop.get("pageUrl").asText());
    }

    @Test
    void closeEndsTheHookThreads() throws Exception {
        // A first call starts the client's threads; on a loaded machine that can take longer than the usual 300 ms.
        policy(Map.of("streamlet.hooks.onPlay", hooks.url("/on_play").toString(), "streamlet.hooks.timeout", "5s"));
        assertTrue(await(policy.authorizePlay(publisher("s", Map.of()))).allowed());
        policy.close();
        awaitNoHookThreads();
        assertFalse(hookThreadsAlive(), "a stopped webapp leaves no hook thread behind");
    }

    private static void awaitNoHookThreads() throws InterruptedException {
        long deadline = System.currentTimeMillis() + 2000;
        while (hookThreadsAlive() && System.currentTimeMillis() < deadline) Thread.sleep(20);
    }

    private static boolean hookThreadsAlive() {
        return Thread.getAllStackTraces().keySet().stream().anyMatch(t -> t.getName().startsWith("streamlet-hooks-") && t.isAlive());
    }
}
