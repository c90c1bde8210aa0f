package io.streamlet.ts;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/** ADTS headers (ISO/IEC 13818-7 6.2.1) from AudioSpecificConfigs, field by field. */
class AdtsTest {
    private static final HexFormat HEX = HexFormat.of();

    @Test
    void lcStereo44kAsFfmpegWritesIt() {
        // ASC 12 10: object type 2 (LC), frequency index 4, 2 channels. 100 bytes + 7 = 107 = 0b0000001101011.
        byte[] framed = Adts.fromAudioSpecificConfig(HEX.parseHex("1210")).frame(new byte[100]);
        assertEquals(107, framed.length);
        // FFF sync, MPEG-4, layer 0, no CRC | profile 1, index 4, private 0, channels 0b010 | length 107 | fullness 7FF | 1 block
        assertEquals("fff150800d7ffc", HEX.formatHex(framed, 0, 7));
    }

    @Test
    void fieldsOfMono48k() {
        byte[] header = Arrays.copyOf(Adts.fromAudioSpecificConfig(HEX.parseHex("1188")).frame(new byte[0]), 7);
        assertEquals(1, (header[2] & 0xC0) >>> 6, "profile: object type - 1");
        assertEquals(3, (header[2] & 0x3C) >>> 2, "sampling frequency index");
        assertEquals(1, (header[2] & 0x01) << 2 | (header[3] & 0xC0) >>> 6, "channel configuration");
        assertEquals(7, (header[3] & 0x03) << 11 | (header[4] & 0xFF) << 3 | (header[5] & 0xE0) >>> 5, "frame length");
    }

    @Test
    void heAacIsSignalledImplicitlyWithItsCore() {
        // object type 5 (SBR), index 6 (24 kHz core), 2 channels, extension index 3 (48 kHz), core object type 2
        byte[] header = Adts.fromAudioSpecificConfig(HEX.parseHex("2b1188")).frame(new byte[0]);
        assertEquals((byte) (1 << 6 | 6 << 2), header[2]);
        assertEquals((byte) (2 << 6), header[3]);
    }

    @Test
    void carriesTheRawFrameAfterTheHeader() {
        byte[] raw = {1, 2, 3};
        byte[] framed = Adts.fromAudioSpecificConfig(HEX.parseHex("1210")).frame(raw);
        assertArrayEquals(raw, Arrays.copyOfRange(framed, 7, 10));
    }

    @Test
    void rejectsWhatAdtsCannotSay() {
        assertThrows(IllegalArgumentException.class, () -> Adts.fromAudioSpecificConfig(HEX.parseHex("12")));
        // object type 31 + 6 bits: 32 + 10 = 42 (USAC)
        assertThrows(IllegalArgumentException.class, () -> Adts.fromAudioSpecificConfig(HEX.parseHex("f94400")));
        // frequency index 15: an explicit 24-bit frequency
        assertThrows(IllegalArgumentException.class, () -> Adts.fromAudioSpecificConfig(HEX.parseHex("178000000000")));
        // channel configuration 0: channels in a program config element
        assertThrows(IllegalArgumentException.class, () -> Adts.fromAudioSpecificConfig(HEX.parseHex("1200")));
        Adts adts = Adts.fromAudioSpecificConfig(HEX.parseHex("1210"));
        assertEquals(Adts.MAX_FRAME_LENGTH, adts.frame(new byte[Adts.MAX_FRAME_LENGTH - 7]).length);
        assertThrows(IllegalArgumentException.class, () -> adts.frame(new byte[Adts.MAX_FRAME_LENGTH - 6]));
    }
}
