package io.streamlet.fuzz;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.streamlet.rtmp.ChunkDecoder;
import io.streamlet.rtmp.RtmpMessage;
import io.streamlet.rtmp.RtmpProtocolException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The RTMP chunk stream decoder on arbitrary bytes (seeds: what ffmpeg and Streamlet's test publisher send
 * after the handshake), decoded whole and cut at fuzzed places: both must give the same messages and end
 * the same way, every piece must be consumed, and no message may exceed the configured limit.
 */
class ChunkDecoderFuzzTest {
    private static final int MAX_MESSAGE_SIZE = 64 * 1024;
    private static final int MAX_CUTS = 16;

    /** The messages a decoder gave, and whether it then refused the stream. */
    private record Outcome(List<RtmpMessage> messages, boolean refused, long bytesReceived, int chunkSize) {}

    @FuzzTest
    void decodeWholeOrSplit(FuzzedDataProvider data) {
        int[] cuts = new int[data.consumeInt(0, MAX_CUTS)];
        for (int i = 0; i < cuts.length; i++) cuts[i] = data.consumeInt(0, Integer.MAX_VALUE);
        byte[] stream = data.consumeRemainingAsBytes();
        for (int i = 0; i < cuts.length; i++) cuts[i] = Math.floorMod(cuts[i], stream.length + 1);
        Arrays.sort(cuts);

        Outcome whole = decode(stream, new int[0]);
        Outcome split = decode(stream, cuts);
        assertEquals(whole.refused(), split.refused(), "whole and split decoding end differently");
        assertEquals(whole.messages().size(), split.messages().size(), "whole and split decoding give different message counts");
        for (int i = 0; i < whole.messages().size(); i++) {
            RtmpMessage a = whole.messages().get(i);
            RtmpMessage b = split.messages().get(i);
            assertEquals(a.toString(), b.toString(), "message " + i);
            assertArrayEquals(a.payload(), b.payload(), "payload of message " + i);
        }
        if (!whole.refused()) {
            assertEquals(stream.length, whole.bytesReceived());
            assertEquals(whole.bytesReceived(), split.bytesReceived());
            assertEquals(whole.chunkSize(), split.chunkSize());
        }
    }

    private static Outcome decode(byte[] stream, int[] cuts) {
        ChunkDecoder decoder = new ChunkDecoder(MAX_MESSAGE_SIZE);
        List<RtmpMessage> messages = new ArrayList<>();
        int from = 0;
        try {
            for (int i = 0; i <= cuts.length; i++) {
                int to = i < cuts.length ? cuts[i] : stream.length;
                ByteBuffer piece = ByteBuffer.wrap(stream, from, to - from);
                decoder.decode(piece, message -> {
                    assertTrue(message.payload().length <= MAX_MESSAGE_SIZE, () -> message + " exceeds the limit");
                    messages.add(message);
                });
                assertEquals(0, piece.remaining(), "decode left bytes of its input unconsumed");
                from = to;
            }
        } catch (RtmpProtocolException refused) {
            return new Outcome(messages, true, decoder.bytesReceived(), decoder.chunkSize());
        }
        return new Outcome(messages, false, decoder.bytesReceived(), decoder.chunkSize());
    }
}
