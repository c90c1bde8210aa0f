package io.streamlet.flv;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.HexFormat;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Sequence headers as ffmpeg (libx264, its AAC encoder) writes them into FLV, and hand-made edge cases. */
class CodecDetailsTest {
    private static final HexFormat HEX = HexFormat.of();

    /** 640x360 High: the SPS codes 368 lines and crops 8, which the size must account for. */
    @Test
    void avcHighWithCroppingGivesTheDisplayedSize() {
        byte[] body = HEX.parseHex("17000000000164001effe1001a6764001eacd940a02ff970110000030001000003003c0f162d96"
                + "01000668ebe3cb22c0fdf8f800");
        assertEquals(new CodecDetails.Video("H264", "High", "3", 640, 360), CodecDetails.Video.parse(body, Map.of()));
    }

    @Test
    void avcMainFullHd() {
        byte[] body = HEX.parseHex("1700000000014d4028ffe1001a674d4028eca03c0113f2e022000003000200000300781e30632c"
                + "01000568ebe3cb20");
        assertEquals(new CodecDetails.Video("H264", "Main", "4", 1920, 1080), CodecDetails.Video.parse(body, Map.of()));
    }

    @Test
    void avcConstrainedBaselineWithFractionalLevel() {
        byte[] body = HEX.parseHex("17000000000142c00dffe100186742c00dd90141fb0110000003001000000303c0f142a48001000568cb83cb20");
        assertEquals(new CodecDetails.Video("H264", "Constrained Baseline", "1.3", 320, 240),
                CodecDetails.Video.parse(body, Map.of()));
    }

    @Test
    void enhancedRtmpAvcSequenceStartHasTheRecordRightAfterTheFourCc() {
        byte[] record = HEX.parseHex("0164001effe1001a6764001eacd940a02ff970110000030001000003003c0f162d96"
                + "01000668ebe3cb22c0fdf8f800");
        byte[] body = new byte[5 + record.length];
        body[0] = (byte) 0x90; // ex-header, key frame, SequenceStart
        System.arraycopy("avc1".getBytes(), 0, body, 1, 4);
        System.arraycopy(record, 0, body, 5, record.length);
        assertEquals(new CodecDetails.Video("H264", "High", "3", 640, 360), CodecDetails.Video.parse(body, Map.of()));
    }

    @Test
    void hevcProfileAndLevelFromItsRecordAndTheSizeFromMetadata() {
        byte[] body = HEX.parseHex("9068766331" // ex-header SequenceStart, "hvc1"
                + "01" + "01" + "60000000" + "b00000000000" + "5d" + "f000fcfdf8f800000f");
        assertEquals(new CodecDetails.Video("H265", "Main", "3.1", 1280, 720),
                CodecDetails.Video.parse(body, Map.of("width", 1280.0, "height", 720.0)));
    }

    @Test
    void truncatedAvcRecordGivesTheCodecAndWhatMetadataSays() {
        byte[] body = HEX.parseHex("1700000000");
        assertEquals(new CodecDetails.Video("H264", null, null, 320, 180),
                CodecDetails.Video.parse(body, Map.of("width", 320.0, "height", 180.0)));
    }

    @Test
    void truncatedSpsIsIgnoredNotThrown() {
        byte[] body = HEX.parseHex("17000000000164001effe1000a6764001eacd940a02ff9");
        assertEquals(new CodecDetails.Video("H264", "High", "3", 0, 0), CodecDetails.Video.parse(body, Map.of()));
    }

    @Test
    void aacLcMono48k() {
        assertEquals(new CodecDetails.Audio("AAC", "LC", 48000, 1), CodecDetails.Audio.parse(HEX.parseHex("af00118856e500")));
    }

    @Test
    void aacHeStereo44k() {
        // object type 5 (SBR), rate index 4 (44100), 2 channels: 00101 0100 0010 ...
        assertEquals(new CodecDetails.Audio("AAC", "HE", 44100, 2), CodecDetails.Audio.parse(HEX.parseHex("af002a10")));
    }

    @Test
    void legacyMp3TakesRateAndChannelsFromTheTagHeader() {
        // sound format 2 (MP3), rate 3 (44 kHz), 16-bit, stereo
        assertEquals(new CodecDetails.Audio("MP3", null, 44100, 2), CodecDetails.Audio.parse(HEX.parseHex("2fff")));
    }

    @Test
    void enhancedOpusNamesTheCodec() {
        assertEquals(new CodecDetails.Audio("Opus", null, 0, 0), CodecDetails.Audio.parse(HEX.parseHex("904f707573")));
    }
}
