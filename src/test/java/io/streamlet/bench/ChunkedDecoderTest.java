package io.streamlet.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.streamlet.bench.ChunkedDecoder.ChunkedFormatException;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class ChunkedDecoderTest {
    private static final byte[] BODY = ("5;ext=1\r\nhello\r\n1A\r\nabcdefghijklmnopqrstuvwxyz\r\n0\r\nX-Trailer: y\r\n\r\n")
            .getBytes(StandardCharsets.US_ASCII);

    @Test
    void decodesInPlaceWhateverTheReadSizes() throws Exception {
        for (int piece = 1; piece <= BODY.length; piece++) {
            ChunkedDecoder decoder = new ChunkedDecoder();
            ByteArrayOutputStream payload = new ByteArrayOutputStream();
            for (int at = 0; at < BODY.length; at += piece) {
                byte[] read = Arrays.copyOfRange(BODY, at, Math.min(BODY.length, at + piece));
                int n = decoder.decode(read, 0, read.length);
                payload.write(read, 0, n);
            }
            assertArrayEquals("helloabcdefghijklmnopqrstuvwxyz".getBytes(StandardCharsets.US_ASCII), payload.toByteArray());
            assertTrue(decoder.done(), "piece size " + piece);
        }
    }

    @Test
    void notDoneBeforeTheTerminatingChunk() throws Exception {
        ChunkedDecoder decoder = new ChunkedDecoder();
        byte[] body = "3\r\nabc\r\n".getBytes(StandardCharsets.US_ASCII);
        decoder.decode(body, 0, body.length);
        assertFalse(decoder.done());
    }

    @Test
    void rejectsMalformedFraming() {
        for (String bad : new String[] {"x\r\n", "3\r\nabcd\r\n", "3\nabc\r\n", "123456789\r\n", "0\r\n\r\nmore"}) {
            byte[] body = bad.getBytes(StandardCharsets.US_ASCII);
            assertThrows(ChunkedFormatException.class, () -> new ChunkedDecoder().decode(body, 0, body.length), bad);
        }
    }
}
