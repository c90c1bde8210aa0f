package io.streamlet.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.streamlet.auth.HookAnswer;
import io.streamlet.auth.IpRange;
import io.streamlet.auth.UrlSigner;
import java.net.InetAddress;

/**
 * What access control reads from clients and hook backends: the {@code sign} parameter of a URL, IP rules
 * and client addresses, and a hook's JSON answer. None may throw on any text but the IP rule parser, whose
 * declared refusal is {@link IllegalArgumentException}; none may be fooled into agreeing by chance.
 */
class AuthFuzzTest {
    private static final UrlSigner SIGNER = new UrlSigner("fuzzing secret");
    /** The time verify is asked at: a signature expiring at or before it has expired. */
    private static final long NOW = 1_767_225_600L;

    @FuzzTest
    void signedUrl(FuzzedDataProvider data) {
        String streamPath = data.consumeString(100);
        String sign = data.consumeRemainingAsString();
        String refusal = SIGNER.verify(streamPath, sign, NOW);
        if (refusal == null) {
            // Accepted: it must be exactly what the signer itself would produce for a still valid expiry.
            long expiry = Long.parseLong(sign.substring(0, 10));
            assertTrue(expiry > NOW);
            assertEquals(SIGNER.sign(streamPath, expiry), sign.toLowerCase());
        }
    }

    @FuzzTest
    void ipRange(FuzzedDataProvider data) {
        String rule = data.consumeString(100);
        String client = data.consumeRemainingAsString();
        InetAddress address = IpRange.parseAddress(client);
        IpRange range;
        try {
            range = IpRange.parse(rule);
        } catch (IllegalArgumentException refused) {
            return; // declared
        }
        assertNotNull(range.toString());
        if (address != null) range.contains(address);
    }

    @FuzzTest
    void hookAnswer(FuzzedDataProvider data) {
        int status = data.consumeBoolean() ? 200 : data.consumeInt(100, 599);
        String body = data.consumeRemainingAsString();
        String refusal = HookAnswer.refusal(status, body);
        if (refusal == null) {
            assertTrue(status == 200 || status == 201);
            assertTrue(body.trim().startsWith("{") || body.trim().startsWith("0") || body.trim().startsWith("-"),
                    () -> "agreed to " + body);
        } else {
            assertTrue(refusal.length() <= 120, "a refusal quotes at most 80 characters of the body");
        }
    }
}
