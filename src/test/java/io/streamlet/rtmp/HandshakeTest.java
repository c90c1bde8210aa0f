package io.streamlet.rtmp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Random;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The handshake, checked against an independent rendering of the complex handshake here in the test
 * (keys from the public literature, offsets computed from first principles).
 */
class HandshakeTest {
    private static final byte[] KEY_TAIL = HexFormat.of().parseHex(
            "F0EEC24A8068BEE82E00D0D1029E7E576EEC5D2D29806FAB93B8E636CFEB31AE");
    private static final byte[] FP_KEY = concat("Genuine Adobe Flash Player 001".getBytes(StandardCharsets.US_ASCII), KEY_TAIL);
    private static final byte[] FMS_KEY = concat("Genuine Adobe Flash Media Server 001".getBytes(StandardCharsets.US_ASCII), KEY_TAIL);

    private final Random random = new Random(42);

    @Test
    void rejectsAnythingButVersion3() {
        assertThrows(RtmpProtocolException.class, () -> Handshake.checkVersion('G')); // "GET / HTTP/1.1"
        assertThrows(RtmpProtocolException.class, () -> Handshake.checkVersion(6)); // RTMPE
        assertThrows(RtmpProtocolException.class, () -> Handshake.serverResponse(new byte[100]));
    }

    @Test
    void simpleHandshakeEchoesC1() throws RtmpProtocolException {
        byte[] hello = Handshake.clientHello();
        assertEquals(1 + 1536, hello.length);
        assertEquals(3, hello[0]);
        byte[] c1 = Arrays.copyOfRange(hello, 1, hello.length);
        assertArrayEquals(new byte[4], Arrays.copyOfRange(c1, 4, 8), "simple C1 has a zero version");

        byte[] reply = Handshake.serverResponse(c1);
        assertEquals(1 + 2 * 1536, reply.length);
        assertEquals(3, reply[0]);
        assertArrayEquals(new byte[8], Arrays.copyOfRange(reply, 1, 9), "simple S1: zero time and version");
        assertArrayEquals(c1, Arrays.copyOfRange(reply, 1537, 3073), "S2 echoes C1");
        byte[] s1 = Arrays.copyOfRange(reply, 1, 1537);
        assertArrayEquals(s1, Handshake.clientResponse(s1), "C2 echoes S1");
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1})
    void complexHandshakeSignsS1AndS2(int schema) throws Exception {
        byte[] c1 = new byte[1536];
        random.nextBytes(c1);
        c1[4] = 9; // Flash Player 9 and later put their version here
        int c1Offset = digestOffset(c1, schema);
        byte[] c1Digest = digestExcluding(c1, c1Offset, Arrays.copyOf(FP_KEY, 30));
        System.arraycopy(c1Digest, 0, c1, c1Offset, 32);

        byte[] reply = Handshake.serverResponse(c1);
        byte[] s1 = Arrays.copyOfRange(reply, 1, 1537);
        byte[] s2 = Arrays.copyOfRange(reply, 1537, 3073);
        assertTrue(s1[4] >= 3, "S1 version high enough that clients check its digest");
        int s1Offset = digestOffset(s1, schema);
        assertArrayEquals(digestExcluding(s1, s1Offset, Arrays.copyOf(FMS_KEY, 36)),
                Arrays.copyOfRange(s1, s1Offset, s1Offset + 32), "S1 digest under the FMS key");
        byte[] s2Key = hmac(FMS_KEY, c1Digest);
        assertArrayEquals(hmac(s2Key, Arrays.copyOf(s2, 1504)), Arrays.copyOfRange(s2, 1504, 1536),
                "S2 signature keyed by C1's digest");
    }

    @Test
    void aVersionedC1WithoutAValidDigestGetsTheSimpleAnswer() throws RtmpProtocolException {
        byte[] c1 = new byte[1536];
        random.nextBytes(c1);
        c1[4] = 9;
        byte[] reply = Handshake.serverResponse(c1);
        assertArrayEquals(c1, Arrays.copyOfRange(reply, 1537, 3073));
        assertFalse(reply[1 + 4] >= 3);
    }

    private static int digestOffset(byte[] packet, int schema) {
        int block = schema == 0 ? 772 : 8; // schema 0: key block first; schema 1: digest block first
        int sum = 0;
        for (int i = 0; i < 4; i++) sum += packet[block + i] & 0xFF;
        return block + 4 + sum % 728;
    }

    private static byte[] digestExcluding(byte[] packet, int offset, byte[] key) throws Exception {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(key, "HmacSHA256"));
        mac.update(packet, 0, offset);
        mac.update(packet, offset + 32, packet.length - offset - 32);
        return mac.doFinal();
    }

    private static byte[] hmac(byte[] key, byte[] data) throws Exception {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(key, "HmacSHA256"));
        return mac.doFinal(data);
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
