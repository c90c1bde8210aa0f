package io.streamlet.rtmp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ChunkCodecTest {
    private static final int MAX_MESSAGE = 1 << 20;
    private final Random random = new Random(7);

    /** Feeds {@code stream} in random pieces (often a single byte, so headers are split everywhere). */
    private List<RtmpMessage> decodeInRandomSplits(ChunkDecoder decoder, byte[] stream) throws RtmpProtocolException {
        List<RtmpMessage> out = new ArrayList<>();
        for (int pos = 0; pos < stream.length; ) {
            int n = Math.min(stream.length - pos, random.nextBoolean() ? 1 + random.nextInt(3) : 1 + random.nextInt(5000));
            ByteBuffer piece = ByteBuffer.wrap(stream, pos, n);
            decoder.decode(piece, out::add);
            assertEquals(0, piece.remaining(), "decode consumes all its input");
            pos += n;
        }
        return out;
    }

    private static List<RtmpMessage> decodeAtOnce(byte[] stream) throws RtmpProtocolException {
        List<RtmpMessage> out = new ArrayList<>();
        new ChunkDecoder(MAX_MESSAGE).decode(ByteBuffer.wrap(stream), out::add);
        return out;
    }

    private static byte[] bytes(Object... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (Object part : parts) {
            out.writeBytes(part instanceof byte[] b ? b : HexFormat.of().parseHex(((String) part).replace(" ", "")));
        }
        return out.toByteArray();
    }

    private static byte[] payload(int length, int seed) {
        byte[] b = new byte[length];
        new Random(seed).nextBytes(b);
        return b;
    }

    private static void assertMessage(RtmpMessage expected, RtmpMessage actual) {
        assertEquals(expected.csid(), actual.csid(), "csid");
        assertEquals(expected.type(), actual.type(), "type");
        assertEquals(expected.timestamp(), actual.timestamp(), "timestamp");
        assertEquals(expected.streamId(), actual.streamId(), "stream id");
        assertArrayEquals(expected.payload(), actual.payload(), "payload");
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 7, 128, 4096, 60000})
    void roundTripsInRandomSplits(int chunkSize) throws RtmpProtocolException {
        int[] csids = {2, 3, 63, 64, 319, 320, 65599};
        long[] timestamps = {0, 40, 0xFFFFFE, 0xFFFFFF, 0x1000000, 0xFFFFFFFFL};
        int[] streamIds = {0, 1, -1};
        int maxLength = chunkSize == 1 ? 3000 : 150_000;
        ChunkEncoder encoder = new ChunkEncoder();
        ByteArrayOutputStream stream = new ByteArrayOutputStream();
        if (chunkSize != 128) stream.writeBytes(encoder.encode(ProtocolControl.setChunkSize(chunkSize)));
        assertEquals(chunkSize, encoder.chunkSize());
        List<RtmpMessage> sent = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            int length = i % 10 == 0 ? 0 : random.nextInt(i % 3 == 0 ? maxLength : 300);
            RtmpMessage m = new RtmpMessage(csids[i % csids.length], MessageType.VIDEO - i % 2,
                    timestamps[random.nextInt(timestamps.length)], streamIds[i % 3], payload(length, i));
            sent.add(m);
            stream.writeBytes(encoder.encode(m));
        }

        ChunkDecoder decoder = new ChunkDecoder(MAX_MESSAGE);
        List<RtmpMessage> received = decodeInRandomSplits(decoder, stream.toByteArray());
        assertEquals(chunkSize, decoder.chunkSize(), "Set Chunk Size applied, and not passed on");
        assertEquals(sent.size(), received.size());
        for (int i = 0; i < sent.size(); i++) assertMessage(sent.get(i), received.get(i));
        assertEquals(stream.size(), decoder.bytesReceived());
    }

    @Test
    void encoderRepeatsTheExtendedTimestampOnEveryChunk() {
        byte[] encoded = new ChunkEncoder().encode(new RtmpMessage(4, MessageType.AUDIO, 0x01020304L, 1, payload(200, 1)));
        assertArrayEquals(bytes("04 FFFFFF 0000C8 08 01000000 01020304"), Arrays.copyOf(encoded, 16));
        assertArrayEquals(bytes("C4 01020304"), Arrays.copyOfRange(encoded, 16 + 128, 16 + 128 + 5));
        assertEquals(16 + 200 + 5, encoded.length);
    }

    @Test
    void continuationWithoutTheExtendedTimestampIsPayload() throws RtmpProtocolException {
        byte[] body = payload(200, 2);
        body[128] = 0x01; // make the first continuation bytes differ from the extended timestamp
        byte[] stream = bytes("04 FFFFFF 0000C8 08 01000000 01000000", Arrays.copyOf(body, 128),
                "C4", Arrays.copyOfRange(body, 128, 200));
        List<RtmpMessage> out = decodeInRandomSplits(new ChunkDecoder(MAX_MESSAGE), stream);
        assertEquals(1, out.size());
        assertEquals(0x01000000L, out.get(0).timestamp());
        assertArrayEquals(body, out.get(0).payload());
    }

    @Test
    void continuationWithTheExtendedTimestampSkipsIt() throws RtmpProtocolException {
        byte[] body = payload(200, 3);
        byte[] stream = bytes("04 FFFFFF 0000C8 08 01000000 01000000", Arrays.copyOf(body, 128),
                "C4 01000000", Arrays.copyOfRange(body, 128, 200));
        List<RtmpMessage> out = decodeInRandomSplits(new ChunkDecoder(MAX_MESSAGE), stream);
        assertArrayEquals(body, out.get(0).payload());
    }

    @Test
    void timestampDeltasAccumulateAndWrap() throws RtmpProtocolException {
        byte[] stream = bytes(
                "04 FFFFFF 000001 08 01000000 FFFFFFF0 AA", // fmt 0: absolute 0xFFFFFFF0 (extended)
                "84 000020 BB", // fmt 2: +0x20, wraps to 0x10
                "C4 CC", // fmt 3 starting a message: the same delta again, 0x30
                "44 000005 000002 09 DDDD", // fmt 1: +5, new length and type
                "84 FFFFFF FFFFFFFF EE EE"); // fmt 2 with an extended delta of 2^32-1: back by one
        List<RtmpMessage> out = decodeInRandomSplits(new ChunkDecoder(MAX_MESSAGE), stream);
        assertEquals(List.of(0xFFFFFFF0L, 0x10L, 0x30L, 0x35L, 0x34L), out.stream().map(RtmpMessage::timestamp).toList());
        assertEquals(List.of(8, 8, 8, 9, 9), out.stream().map(RtmpMessage::type).toList());
        assertTrue(out.stream().allMatch(m -> m.streamId() == 1), "fmt 1-3 keep the message stream id");
        assertArrayEquals(bytes("EEEE"), out.get(4).payload());
    }

    @Test
    void interleavedChunkStreams() throws RtmpProtocolException {
        byte[] a = payload(300, 4);
        byte[] b = payload(200, 5);
        byte[] stream = bytes(
                "04 000010 00012C 09 01000000", Arrays.copyOfRange(a, 0, 128),
                "06 000020 0000C8 08 01000000", Arrays.copyOfRange(b, 0, 128),
                "C4", Arrays.copyOfRange(a, 128, 256),
                "C6", Arrays.copyOfRange(b, 128, 200),
                "C4", Arrays.copyOfRange(a, 256, 300));
        List<RtmpMessage> out = decodeInRandomSplits(new ChunkDecoder(MAX_MESSAGE), stream);
        assertMessage(new RtmpMessage(6, 8, 0x20, 1, b), out.get(0));
        assertMessage(new RtmpMessage(4, 9, 0x10, 1, a), out.get(1));
    }

    @Test
    void abortDropsThePartialMessage() throws RtmpProtocolException {
        byte[] stream = bytes(
                "04 000010 00012C 09 01000000", payload(128, 6), // 128 of 300 bytes
                "02 000000 000004 02 00000000 00000004", // Abort chunk stream 4
                "04 000020 000002 09 01000000 ABCD");
        List<RtmpMessage> out = decodeAtOnce(stream);
        assertEquals(1, out.size());
        assertMessage(new RtmpMessage(4, 9, 0x20, 1, bytes("ABCD")), out.get(0));
    }

    @Test
    void emptyMessagesAndFmt1OnAFreshChunkStream() throws RtmpProtocolException {
        // librtmp starts its ping responses with fmt 1 on a chunk stream it has not used before
        List<RtmpMessage> out = decodeAtOnce(bytes("42 000000 000006 04 0007 00000D0F", "05 000000 000000 12 00000000"));
        assertMessage(new RtmpMessage(2, 4, 0, 0, bytes("0007 00000D0F")), out.get(0));
        assertMessage(new RtmpMessage(5, 18, 0, 0, new byte[0]), out.get(1));
    }

    @Test
    void badChunkSizes() {
        for (String size : List.of("00000000", "80000000", "01000001", "FFFFFFFF")) {
            RtmpProtocolException e = assertThrows(RtmpProtocolException.class,
                    () -> decodeAtOnce(bytes("02 000000 000004 01 00000000", size)));
            assertTrue(e.getMessage().startsWith("Set Chunk Size"), e.getMessage());
        }
        assertThrows(RtmpProtocolException.class, () -> decodeAtOnce(bytes("02 000000 000002 01 00000000 0001")));
    }

    @Test
    void oversizedMessageFailsOnItsHeader() {
        ChunkDecoder decoder = new ChunkDecoder(1000);
        RtmpProtocolException e = assertThrows(RtmpProtocolException.class,
                () -> decoder.decode(ByteBuffer.wrap(bytes("04 000000 0003E9 09 01000000")), m -> {}));
        assertEquals("message of 1001 bytes on chunk stream 4 exceeds the limit of 1000", e.getMessage());
    }

    @Test
    void headersThatContinueNothing() {
        assertThrows(RtmpProtocolException.class, () -> decodeAtOnce(bytes("C4 00")), "fmt 3 on a fresh csid");
        assertThrows(RtmpProtocolException.class, () -> decodeAtOnce(bytes("84 000001 00")), "fmt 2 on a fresh csid");
        assertThrows(RtmpProtocolException.class, () -> decodeAtOnce(bytes(
                "04 000000 00012C 09 01000000", payload(128, 8),
                "04 000000 000001 09 01000000 00")), "fmt 0 before the previous message ended");
    }

    @Test
    void boundedNumberOfChunkStreams() {
        ChunkDecoder decoder = new ChunkDecoder(MAX_MESSAGE, 4);
        ByteArrayOutputStream stream = new ByteArrayOutputStream();
        ChunkEncoder encoder = new ChunkEncoder();
        for (int csid = 3; csid < 8; csid++) stream.writeBytes(encoder.encode(new RtmpMessage(csid, 9, 0, 1, new byte[1])));
        List<RtmpMessage> out = new ArrayList<>();
        RtmpProtocolException e = assertThrows(RtmpProtocolException.class,
                () -> decoder.decode(ByteBuffer.wrap(stream.toByteArray()), out::add));
        assertEquals(4, out.size());
        assertEquals("more than 4 chunk streams in use", e.getMessage());
    }
}
