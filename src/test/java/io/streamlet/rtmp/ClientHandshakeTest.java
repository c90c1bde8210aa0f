package io.streamlet.rtmp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The client handshake against Streamlet's own server side, on bytes. */
class ClientHandshakeTest {
    private static final byte[] CHUNK_AFTER_S2 = {0x02, 0x00, 0x00, 0x00};

    @Test
    void helloIsC0AndASimpleC1() {
        byte[] hello = new ClientHandshake().hello();
        assertEquals(1 + Handshake.PACKET_SIZE, hello.length);
        assertEquals(Handshake.VERSION, hello[0]);
        assertArrayEquals(new byte[4], Arrays.copyOfRange(hello, 5, 9), "a zero version asks for the simple form");
    }

    @ParameterizedTest(name = "server answer split every {0} bytes")
    @ValueSource(ints = {1, 2, 7, 1536, 1537, 3072, 3073, 4000})
    void answersS1WithItsEchoWhateverTheSplit(int split) throws RtmpProtocolException {
        ClientHandshake handshake = new ClientHandshake();
        byte[] c1 = Arrays.copyOfRange(handshake.hello(), 1, 1 + Handshake.PACKET_SIZE);
        byte[] answer = Handshake.serverResponse(c1);
        byte[] wire = Arrays.copyOf(answer, answer.length + CHUNK_AFTER_S2.length);
        System.arraycopy(CHUNK_AFTER_S2, 0, wire, answer.length, CHUNK_AFTER_S2.length);

        byte[] c2 = null;
        ByteBuffer rest = null;
        for (int at = 0; at < wire.length && c2 == null; at += split) {
            ByteBuffer piece = ByteBuffer.wrap(wire, at, Math.min(split, wire.length - at));
            c2 = handshake.receive(piece);
            assertEquals(c2 != null, handshake.isDone());
            rest = piece;
        }
        assertArrayEquals(Arrays.copyOfRange(answer, 1, 1 + Handshake.PACKET_SIZE), c2, "C2 echoes S1");
        assertTrue(handshake.isDone());
        assertEquals(answer.length, rest.position(), "consumed up to the end of S2, and what follows is left for the chunk decoder");
        assertThrows(IllegalStateException.class, () -> handshake.receive(ByteBuffer.allocate(1)));
    }

    @Test
    void refusesAServerThatIsNotRtmpAtItsFirstByte() throws RtmpProtocolException {
        ClientHandshake handshake = new ClientHandshake();
        assertNull(handshake.receive(ByteBuffer.allocate(0)));
        RtmpProtocolException e = assertThrows(RtmpProtocolException.class,
                () -> handshake.receive(ByteBuffer.wrap("HTTP/1.1 400".getBytes())));
        assertTrue(e.getMessage().contains("0x48"), e.getMessage());
        assertFalse(handshake.isDone());
    }
}
