package io.streamlet.servlet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.streamlet.testing.HttpFlvClient;
import io.streamlet.testing.RtmpTestPublisher;
import io.streamlet.testing.WebContainer;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.AfterParameterizedClassInvocation;
import org.junit.jupiter.params.BeforeParameterizedClassInvocation;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * IP rules through the running webapp, with the test clients on 127.0.0.1: one webapp whose lists (an IPv6
 * and an IPv4 block) leave 127.0.0.1 out, one whose lists let it in, one of them through an IPv4-mapped
 * IPv6 block.
 */
@ParameterizedClass(name = "on {0}")
@EnumSource(WebContainer.Kind.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class IpRulesIT {
    @Parameter
    private WebContainer.Kind container;
    private WebContainer server;
    private WebContainer.Webapp locked;

    @BeforeParameterizedClassInvocation
    void start() throws Exception {
        server = container.start(Map.of(
                "streamlet.auth.publishAllow", "::ffff:127.0.0.0/104",
                "streamlet.auth.playAllow", "2001:db8::/32, 127.0.0.1/32",
                "streamlet.auth.playDeny", "10.0.0.0/8"));
        locked = server.deploy("/locked", Map.of(
                "streamlet.auth.publishAllow", "::1/128, 10.0.0.0/8",
                "streamlet.auth.playDeny", "2001:db8::/32, 127.0.0.0/8"));
    }

    @AfterParameterizedClassInvocation
    void stop() throws Exception {
        server.close();
    }

    private static int status(int port, String path) throws Exception {
        try (HttpFlvClient client = new HttpFlvClient(port, "GET", path)) {
            return client.status;
        }
    }

    @Test
    void anAddressInTheAllowListPublishesAndPlays() throws Exception {
        try (RtmpTestPublisher pub = RtmpTestPublisher.publish("127.0.0.1", server.rtmpPort(), "live", "in")) {
            assertEquals("NetStream.Publish.Start", pub.lastStatusCode(), "an IPv4-mapped IPv6 block matches 127.0.0.1");
            assertEquals(200, status(server.httpPort(), "/live/in.flv"));
            assertEquals(200, status(server.httpPort(), "/metrics"));
        }
    }

    @Test
    void anAddressOutsideTheAllowListOrInTheDenyListGetsNothing() throws Exception {
        try (RtmpTestPublisher pub = RtmpTestPublisher.publish("127.0.0.1", locked.rtmpPort(), "live", "out")) {
            assertEquals("NetStream.Publish.Denied", pub.lastStatusCode());
            assertTrue(pub.awaitClosedByServer());
        }
        try (RtmpTestPublisher pub = RtmpTestPublisher.publish("127.0.0.1", server.rtmpPort(), "live", "out")) {
            assertEquals("NetStream.Publish.Start", pub.lastStatusCode());
            // The locked webapp's play deny list covers 127.0.0.1: refused before any stream is looked up.
            assertEquals(403, status(server.httpPort(), "/locked/live/out.flv"));
            assertEquals(403, status(server.httpPort(), "/locked/metrics"), "what is not a stream is behind the same rules");
        }
    }
}
