package io.streamlet.servlet;

import static io.streamlet.testing.SyntheticMedia.sendHeaders;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.streamlet.testing.HttpFlvClient;
import io.streamlet.testing.RtmpTestPublisher;
import io.streamlet.testing.WebContainer;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.AfterParameterizedClassInvocation;
import org.junit.jupiter.params.BeforeParameterizedClassInvocation;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/** CORS through the running webapp: the default ({@code *}) at the root, a list of origins at /listed. */
@ParameterizedClass(name = "on {0}")
@EnumSource(WebContainer.Kind.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CorsIT {
    private static final Map<String, String> PREFLIGHT = Map.of("Access-Control-Request-Method", "GET",
            "Access-Control-Request-Headers", "range", "Access-Control-Request-Private-Network", "true");
    @Parameter
    private WebContainer.Kind container;
    private WebContainer server;
    private WebContainer.Webapp listed;

    @BeforeParameterizedClassInvocation
    void start() throws Exception {
        server = container.start(Map.of());
        listed = server.deploy("/listed", Map.of("streamlet.cors.allowOrigins", "https://good.example, https://also.example/"));
    }

    @AfterParameterizedClassInvocation
    void stop() throws Exception {
        server.close();
    }

    private HttpFlvClient request(String method, String path, Map<String, String> headers) throws Exception {
        return new HttpFlvClient(server.httpPort(), method, path, headers);
    }

    private static Map<String, String> with(Map<String, String> headers, String origin) {
        Map<String, String> all = new LinkedHashMap<>(headers);
        all.put("Origin", origin);
        return all;
    }

    @Test
    void aPreflightIsAnsweredWithoutReachingTheStream() throws Exception {
        try (HttpFlvClient preflight = request("OPTIONS", "/live/nobody.flv", with(PREFLIGHT, "https://any.example"))) {
            assertEquals(204, preflight.status, "answered by CORS, not a 404 from the stream servlet");
            assertEquals("*", preflight.header("Access-Control-Allow-Origin"));
            for (String method : new String[] {"GET", "HEAD", "OPTIONS", "POST", "DELETE"}) {
                assertTrue(preflight.header("Access-Control-Allow-Methods").contains(method), method);
            }
            assertTrue(preflight.header("Access-Control-Allow-Headers").contains("Range"));
            assertEquals("true", preflight.header("Access-Control-Allow-Private-Network"));
            assertTrue(preflight.header("Access-Control-Expose-Headers").contains("Content-Length"));
        }
    }

    @Test
    void simpleRequestsGetCorsHeadersOnlyWithAnOrigin() throws Exception {
        try (RtmpTestPublisher pub = RtmpTestPublisher.publish("127.0.0.1", server.rtmpPort(), "live", "cors")) {
            sendHeaders(pub);
            try (HttpFlvClient player = request("GET", "/live/cors.flv", Map.of("Origin", "https://any.example"))) {
                assertEquals(200, player.status);
                assertEquals("*", player.header("Access-Control-Allow-Origin"));
                assertTrue(player.header("Access-Control-Expose-Headers").contains("Content-Type"));
                assertNull(player.header("Access-Control-Allow-Methods"), "methods are for preflights");
            }
            try (HttpFlvClient player = request("GET", "/live/cors.flv", Map.of())) {
                assertEquals(200, player.status);
                assertNull(player.header("Access-Control-Allow-Origin"), "no Origin, no CORS headers");
            }
        }
        try (HttpFlvClient missing = request("GET", "/live/nobody.flv", Map.of("Origin", "https://any.example"))) {
            assertEquals(404, missing.status);
            assertEquals("*", missing.header("Access-Control-Allow-Origin"), "a page can read a 404 too");
        }
    }

    @Test
    void withAListOnlyListedOriginsGetHeadersAndResponsesVaryByOrigin() throws Exception {
        try (RtmpTestPublisher pub = RtmpTestPublisher.publish("127.0.0.1", listed.rtmpPort(), "live", "listed")) {
            sendHeaders(pub);
            try (HttpFlvClient good = request("GET", "/listed/live/listed.flv", Map.of("Origin", "https://good.example"))) {
                assertEquals(200, good.status);
                assertEquals("https://good.example", good.header("Access-Control-Allow-Origin"));
                assertTrue(good.header("Vary").contains("Origin"));
            }
            try (HttpFlvClient none = request("GET", "/listed/live/listed.flv", Map.of())) {
                assertNull(none.header("Access-Control-Allow-Origin"));
                assertTrue(none.header("Vary").contains("Origin"), "a cache must not reuse it for a request with an Origin");
            }
        }
        try (HttpFlvClient also = request("OPTIONS", "/listed/live/x.flv", with(PREFLIGHT, "https://also.example"))) {
            assertEquals(204, also.status);
            assertEquals("https://also.example", also.header("Access-Control-Allow-Origin"), "listed with a trailing slash");
        }
        try (HttpFlvClient evil = request("GET", "/listed/live/nobody.flv", Map.of("Origin", "https://evil.example"))) {
            assertEquals(404, evil.status);
            assertNull(evil.header("Access-Control-Allow-Origin"));
        }
        try (HttpFlvClient evil = request("OPTIONS", "/listed/live/x.flv", with(PREFLIGHT, "https://evil.example"))) {
            assertEquals(204, evil.status);
            assertNull(evil.header("Access-Control-Allow-Origin"));
            assertNull(evil.header("Access-Control-Allow-Methods"));
            assertNull(evil.header("Access-Control-Allow-Private-Network"));
        }
    }
}
