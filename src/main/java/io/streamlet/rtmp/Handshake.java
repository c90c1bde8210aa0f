package io.streamlet.rtmp;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.concurrent.ThreadLocalRandom;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The RTMP handshake: C0/S0 (the version byte) then C1/S1 and C2/S2 (1536 bytes each).
 *
 * <p>The server side answers both forms encoders use. In the simple form (RTMP 1.0 section 5.2) C1's
 * version field is zero and S2 echoes C1. In the complex form (Flash Player 9 and later, ffmpeg, OBS)
 * C1 carries an HMAC-SHA256 digest keyed with the public "Genuine Adobe Flash Player 001" key, at an
 * offset computed from four bytes at the start of the digest block, which comes either second (schema
 * 0: time, version, key block, digest block) or first (schema 1: time, version, digest block, key
 * block). The server then answers with an S1 digested the same way under the Flash Media Server key,
 * and an S2 whose last 32 bytes are keyed by C1's digest. A C1 with a version but no valid digest gets
 * the simple answer, as Adobe's server does.
 */
public final class Handshake {
    public static final int VERSION = 3;
    public static final int PACKET_SIZE = 1536;

    private static final byte[] KEY_TAIL = {
        (byte) 0xF0, (byte) 0xEE, (byte) 0xC2, (byte) 0x4A, (byte) 0x80, (byte) 0x68, (byte) 0xBE, (byte) 0xE8,
        (byte) 0x2E, (byte) 0x00, (byte) 0xD0, (byte) 0xD1, (byte) 0x02, (byte) 0x9E, (byte) 0x7E, (byte) 0x57,
        (byte) 0x6E, (byte) 0xEC, (byte) 0x5D, (byte) 0x2D, (byte) 0x29, (byte) 0x80, (byte) 0x6F, (byte) 0xAB,
        (byte) 0x93, (byte) 0xB8, (byte) 0xE6, (byte) 0x36, (byte) 0xCF, (byte) 0xEB, (byte) 0x31, (byte) 0xAE};
    /** "Genuine Adobe Flash Media Server 001" and the shared tail; S1 digests use only the text part. */
    static final byte[] SERVER_KEY = concat("Genuine Adobe Flash Media Server 001", KEY_TAIL);
    static final int SERVER_KEY_TEXT_LENGTH = 36;
    /** "Genuine Adobe Flash Player 001" and the shared tail; C1 digests use only the text part. */
    static final byte[] CLIENT_KEY = concat("Genuine Adobe Flash Player 001", KEY_TAIL);
    static final int CLIENT_KEY_TEXT_LENGTH = 30;

    private static final int DIGEST_LENGTH = 32;
    private static final int BLOCK_SIZE = 764;
    /** S1's version field: Flash Media Server 4.5.0.1. Clients check S1's digest only if it is 3 or more. */
    private static final byte[] SERVER_VERSION = {4, 5, 0, 1};

    private Handshake() {}

    /** Checks C0 or S0. */
    public static void checkVersion(int version) throws RtmpProtocolException {
        if (version != VERSION) {
            throw new RtmpProtocolException("handshake version byte is 0x" + Integer.toHexString(version)
                    + ", expected 0x03 (encrypted RTMPE and non-RTMP traffic are not supported)");
        }
    }

    /** S0, S1 and S2 in answer to the client's C1. */
    public static byte[] serverResponse(byte[] c1) throws RtmpProtocolException {
        if (c1.length != PACKET_SIZE) throw new RtmpProtocolException("C1 has " + c1.length + " bytes, expected " + PACKET_SIZE);
        byte[] out = new byte[1 + 2 * PACKET_SIZE];
        out[0] = VERSION;
        int schema = readInt(c1, 4) == 0 ? -1 : digestSchema(c1);
        if (schema < 0) {
            randomize(out, 1 + 8, PACKET_SIZE - 8); // S1: time and version zero
            System.arraycopy(c1, 0, out, 1 + PACKET_SIZE, PACKET_SIZE); // S2 echoes C1
            return out;
        }
        byte[] s1 = random(PACKET_SIZE);
        Arrays.fill(s1, 0, 4, (byte) 0);
        System.arraycopy(SERVER_VERSION, 0, s1, 4, 4);
        int s1DigestOffset = digestOffset(s1, schema);
        byte[] s1Digest = digest(s1, s1DigestOffset, SERVER_KEY, SERVER_KEY_TEXT_LENGTH);
        System.arraycopy(s1Digest, 0, s1, s1DigestOffset, DIGEST_LENGTH);

        int c1DigestOffset = digestOffset(c1, schema);
        byte[] s2Key = hmacSha256(SERVER_KEY, SERVER_KEY.length, c1, c1DigestOffset, DIGEST_LENGTH);
        byte[] s2 = random(PACKET_SIZE);
        byte[] signature = hmacSha256(s2Key, s2Key.length, s2, 0, PACKET_SIZE - DIGEST_LENGTH);
        System.arraycopy(signature, 0, s2, PACKET_SIZE - DIGEST_LENGTH, DIGEST_LENGTH);

        System.arraycopy(s1, 0, out, 1, PACKET_SIZE);
        System.arraycopy(s2, 0, out, 1 + PACKET_SIZE, PACKET_SIZE);
        return out;
    }

    /** C0 and a simple-form C1 (zero version, so servers answer with the simple form). */
    public static byte[] clientHello() {
        byte[] out = new byte[1 + PACKET_SIZE];
        out[0] = VERSION;
        randomize(out, 1 + 8, PACKET_SIZE - 8);
        return out;
    }

    /** C2 for the server's S1: its echo. */
    public static byte[] clientResponse(byte[] s1) throws RtmpProtocolException {
        if (s1.length != PACKET_SIZE) throw new RtmpProtocolException("S1 has " + s1.length + " bytes, expected " + PACKET_SIZE);
        return s1.clone();
    }

    /** The schema (0 or 1) under which C1 carries a valid client digest, or -1. */
    static int digestSchema(byte[] c1) {
        for (int schema : new int[] {1, 0}) { // ffmpeg and librtmp use schema 1; try it first
            int offset = digestOffset(c1, schema);
            byte[] expected = digest(c1, offset, CLIENT_KEY, CLIENT_KEY_TEXT_LENGTH);
            if (MessageDigest.isEqual(expected, Arrays.copyOfRange(c1, offset, offset + DIGEST_LENGTH))) return schema;
        }
        return -1;
    }

    /** Where the digest sits: four bytes at the digest block's start, summed, choose it within the block. */
    static int digestOffset(byte[] packet, int schema) {
        int block = schema == 0 ? 8 + BLOCK_SIZE : 8;
        int sum = (packet[block] & 0xFF) + (packet[block + 1] & 0xFF) + (packet[block + 2] & 0xFF) + (packet[block + 3] & 0xFF);
        return block + 4 + sum % (BLOCK_SIZE - DIGEST_LENGTH - 4);
    }

    /** The HMAC of the whole packet except the 32 digest bytes at {@code offset}. */
    static byte[] digest(byte[] packet, int offset, byte[] key, int keyLength) {
        byte[] rest = new byte[packet.length - DIGEST_LENGTH];
        System.arraycopy(packet, 0, rest, 0, offset);
        System.arraycopy(packet, offset + DIGEST_LENGTH, rest, offset, packet.length - offset - DIGEST_LENGTH);
        return hmacSha256(key, keyLength, rest, 0, rest.length);
    }

    /**
     * Loads the JDK's HMAC provider, whose first use reads the crypto policy files (a few hundred ms on a busy
     * machine): a server calls it before its I/O thread serves anyone, so no connection waits for it.
     */
    public static void loadCrypto() {
        hmacSha256(new byte[] {0}, 1, new byte[0], 0, 0);
    }

    static byte[] hmacSha256(byte[] key, int keyLength, byte[] data, int offset, int length) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, 0, keyLength, "HmacSHA256"));
            mac.update(data, offset, length);
            return mac.doFinal();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is required of every JDK", e);
        }
    }

    private static int readInt(byte[] b, int offset) {
        return (int) ProtocolControl.readUint32(b, offset);
    }

    private static byte[] random(int size) {
        byte[] b = new byte[size];
        randomize(b, 0, size);
        return b;
    }

    /** Handshake filler only needs to look random; nothing secret depends on it. */
    private static void randomize(byte[] b, int offset, int length) {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        for (int i = offset; i < offset + length; i++) b[i] = (byte) random.nextInt();
    }

    private static byte[] concat(String text, byte[] tail) {
        byte[] head = text.getBytes(StandardCharsets.US_ASCII);
        byte[] out = Arrays.copyOf(head, head.length + tail.length);
        System.arraycopy(tail, 0, out, head.length, tail.length);
        return out;
    }
}
