package io.streamlet.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.net.URI;
import org.junit.jupiter.api.Test;

class UrlSignerTest {
    private static final long NOW = 1_767_000_000L;
    private static final long EXPIRY = 1_767_225_600L;
    private final UrlSigner signer = new UrlSigner("s3cret");

    @Test
    void signsTheDocumentedStringAsOpensslDoes() {
        // printf '%s%s' /live/livestream 1767225600 | openssl dgst -sha256 -hmac s3cret
        assertEquals("1767225600-fb680be3f3a28a9b942f29f8b7ca4d1c710ac1a8b52dc84485352408d290cd7a",
                signer.sign("/live/livestream", EXPIRY));
    }

    @Test
    void acceptsItsOwnSignatureUntilItExpires() {
        String sign = signer.sign("/live/livestream", EXPIRY);
        assertNull(signer.verify("/live/livestream", sign, NOW));
        assertNull(signer.verify("/live/livestream", sign.toUpperCase(), NOW), "hex case does not matter");
        assertEquals("signature expired", signer.verify("/live/livestream", sign, EXPIRY));
    }

    @Test
    void refusesForgedMissingAndMalformedSignatures() {
        String sign = signer.sign("/live/livestream", EXPIRY);
        String flipped = sign.substring(0, sign.length() - 1) + (sign.endsWith("0") ? "1" : "0");
        assertEquals("bad signature", signer.verify("/live/livestream", flipped, NOW));
        assertEquals("bad signature", signer.verify("/live/other", sign, NOW), "a signature names one stream");
        assertEquals("bad signature", signer.verify("/other/livestream", sign, NOW));
        assertEquals("bad signature", new UrlSigner("other").verify("/live/livestream", sign, NOW));
        assertEquals("bad signature", signer.verify("/live/livestream", "1999999999" + sign.substring(10), NOW),
                "the expiry is signed too: extending it breaks the signature");
        assertEquals("missing signature", signer.verify("/live/livestream", null, NOW));
        assertEquals("missing signature", signer.verify("/live/livestream", "", NOW));
        for (String malformed : new String[] {"1767225600", "1767225600-abc", "x-" + sign.substring(11),
                "1767225600-" + "g".repeat(64), sign + "0"}) {
            assertEquals("malformed signature", signer.verify("/live/livestream", malformed, NOW), malformed);
        }
    }

    @Test
    void pathAndExpiryCannotBeResplit() {
        // Signed "/live/cam2024" + "1767225600"; the same bytes read as "/live/cam202" + "41767225600" would
        // name another stream with a far later expiry. The fixed-width expiry makes that unreadable.
        String sign = signer.sign("/live/cam2024", EXPIRY);
        String resplit = "41767225600" + sign.substring(10);
        assertEquals("malformed signature", signer.verify("/live/cam202", resplit, NOW));
        assertThrows(IllegalArgumentException.class, () -> signer.sign("/live/x", 41_767_225_600L));
    }

    @Test
    void theCommandSignsTheStreamPathOfPlayAndPublishUrls() {
        assertEquals("/live/s", UrlSigner.streamPathOf(URI.create("rtmp://h/live/s")));
        assertEquals("/live/s", UrlSigner.streamPathOf(URI.create("http://h:8080/live/s.flv")));
        assertEquals("/live/s", UrlSigner.streamPathOf(URI.create("http://h:8080/ctx/live/s.flv?x=1")));
        assertEquals("/live/s", UrlSigner.streamPathOf(URI.create("http://h:8080/live/s.m3u8")));
        assertThrows(IllegalArgumentException.class, () -> UrlSigner.streamPathOf(URI.create("http://h/s.flv")));
    }
}
