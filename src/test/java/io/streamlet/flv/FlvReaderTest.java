package io.streamlet.flv;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.streamlet.testing.FlvCollector;
import java.io.ByteArrayOutputStream;
import java.util.Random;
import org.junit.jupiter.api.Test;

class FlvReaderTest {
    private static byte[] stream(int tags) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(FlvHeader.of(true, true));
        for (int i = 0; i < tags; i++) {
            byte[] tag = FlvTag.frame(i % 2 == 0 ? FlvTag.VIDEO : FlvTag.AUDIO, new byte[i * 37 % 500 + 2]);
            FlvTag.writeTimestamp(tag, 0, i * 0x01_00_00_07); // exercises the extended timestamp byte
            out.writeBytes(tag);
        }
        return out.toByteArray();
    }

    @Test
    void parsesAnySplitOfTheStream() throws Exception {
        byte[] bytes = stream(50);
        Random random = new Random(3);
        for (int round = 0; round < 20; round++) {
            FlvCollector got = new FlvCollector();
            for (int at = 0; at < bytes.length; ) {
                int n = Math.min(bytes.length - at, 1 + random.nextInt(round == 0 ? 1 : 700));
                got.feed(bytes, at, n);
                at += n;
            }
            assertEquals(FlvHeader.FLAG_AUDIO | FlvHeader.FLAG_VIDEO, got.headerFlags);
            assertEquals(50, got.tags.size());
            for (int i = 0; i < 50; i++) {
                assertEquals(i * 0x01_00_00_07L & 0xFFFF_FFFFL, got.tags.get(i).timestamp());
                assertEquals(i * 37 % 500 + 2, got.tags.get(i).body().length);
            }
        }
    }

    @Test
    void rejectsBrokenFraming() {
        byte[] bytes = stream(3);
        byte[] badPrevious = bytes.clone();
        badPrevious[FlvHeader.SIZE + 11 + 2 + 3] ^= 1;
        assertThrows(FlvReader.FlvFormatException.class, () -> new FlvCollector().feed(badPrevious, 0, badPrevious.length));
        byte[] badSignature = bytes.clone();
        badSignature[0] = 'G';
        assertThrows(FlvReader.FlvFormatException.class, () -> new FlvCollector().feed(badSignature, 0, badSignature.length));
    }
}
