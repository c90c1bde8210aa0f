package io.streamlet.fuzz;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.streamlet.rtmp.Handshake;
import io.streamlet.rtmp.RtmpProtocolException;
import java.util.Arrays;

/**
 * The server side of the RTMP handshake on what a client sends first: C0 (the version byte) and C1
 * (seeds: ffmpeg's digested C1 and a simple one). A wrong version byte or C1 size is refused with
 * {@link RtmpProtocolException}; any C1 of the right size gets S0, S1 and S2 of the right sizes, and a
 * simple-form S2 echoes C1.
 */
class HandshakeFuzzTest {
    @FuzzTest
    void answerC0C1(byte[] c0c1) throws RtmpProtocolException {
        if (c0c1.length == 0) return;
        try {
            Handshake.checkVersion(c0c1[0] & 0xFF);
        } catch (RtmpProtocolException refused) {
            return; // the declared way to refuse a handshake
        }
        byte[] sent = Arrays.copyOfRange(c0c1, 1, c0c1.length);
        if (sent.length != Handshake.PACKET_SIZE) {
            assertThrows(RtmpProtocolException.class, () -> Handshake.serverResponse(sent));
        }
        // Whatever its length, the input's C1 part padded or cut to size: every C1 must get an answer.
        byte[] c1 = Arrays.copyOf(sent, Handshake.PACKET_SIZE);
        byte[] answer = Handshake.serverResponse(c1);
        assertEquals(1 + 2 * Handshake.PACKET_SIZE, answer.length);
        assertEquals(Handshake.VERSION, answer[0]);
        boolean simple = answer[1 + 4] == 0 && answer[1 + 5] == 0 && answer[1 + 6] == 0 && answer[1 + 7] == 0;
        if (simple) {
            assertArrayEquals(c1, Arrays.copyOfRange(answer, 1 + Handshake.PACKET_SIZE, answer.length), "simple S2 echoes C1");
        }
    }
}
