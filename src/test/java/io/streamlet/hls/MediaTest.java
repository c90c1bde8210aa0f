package io.streamlet.hls;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.streamlet.flv.FlvTag;
import java.util.HexFormat;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Reading frames and configurations out of FLV tag bodies, legacy and Enhanced RTMP. */
class MediaTest {
    private static final HexFormat HEX = HexFormat.of();

    private static Media video(String hex) {
        return Media.fromFlvTag(FlvTag.VIDEO, 1000, HEX.parseHex(hex), Map.of("width", 320.0, "height", 240.0));
    }

    private static Media audio(String hex) {
        return Media.fromFlvTag(FlvTag.AUDIO, 1000, HEX.parseHex(hex), Map.of());
    }

    @Test
    void legacyAvcSequenceHeaderWithThePictureSizeFromTheSps() {
        Media m = video("17000000000164001effe1001a6764001eacd940a02ff970110000030001000003003c0f162d96"
                + "01000668ebe3cb22c0fdf8f800");
        CodecConfig config = (CodecConfig) m;
        assertEquals("avc1", config.codec());
        assertEquals(640, config.width());
        assertEquals(360, config.height());
        assertEquals("0164001eff", HEX.formatHex(config.record(), 0, 5));
    }

    @Test
    void legacyAvcFrameWithNegativeCompositionTime() {
        MediaFrame f = (MediaFrame) video("2701fffff6" + "00000002419a");
        assertEquals(new MediaFrame(Media.Kind.VIDEO, "avc1", 1000, -10, false, f.data()), f);
        assertArrayEquals(HEX.parseHex("00000002419a"), f.data());
        assertTrue(((MediaFrame) video("17010000280000000165")).keyframe());
        assertEquals(40, ((MediaFrame) video("17010000280000000165")).cts());
    }

    @Test
    void enhancedHevcCodedFramesCarryACompositionTimeAndCodedFramesXNone() {
        MediaFrame coded = (MediaFrame) video("91" + "68766331" + "000021" + "000000022601");
        assertEquals(33, coded.cts());
        assertEquals("hvc1", coded.codec());
        assertTrue(coded.keyframe());
        assertArrayEquals(HEX.parseHex("000000022601"), coded.data());
        MediaFrame codedX = (MediaFrame) video("a3" + "68766331" + "000000020201");
        assertEquals(0, codedX.cts());
        assertArrayEquals(HEX.parseHex("000000020201"), codedX.data());
    }

    @Test
    void enhancedSequenceStartTakesTheSizeFromMetadataWhereTheRecordLacksIt() {
        CodecConfig config = (CodecConfig) video("90" + "61763031" + "810c0000");
        assertEquals("av01", config.codec());
        assertEquals(320, config.width());
        assertArrayEquals(HEX.parseHex("810c0000"), config.record());
        MediaFrame av1 = (MediaFrame) video("91" + "61763031" + "0a0b");
        assertEquals(0, av1.cts()); // AV1 CodedFrames have no composition time
        assertArrayEquals(HEX.parseHex("0a0b"), av1.data());
    }

    @Test
    void tagsWithoutMediaGiveNothing() {
        assertNull(video("1702000000")); // AVC end of sequence
        assertNull(video("92" + "68766331")); // Enhanced SequenceEnd
        assertNull(video("5701")); // video info / command frame
        assertNull(video("94" + "68766331" + "02")); // Enhanced Metadata
        assertNull(video("22" + "0000")); // Sorenson H.263
        assertNull(video("96" + "00" + "68766331")); // multitrack
        assertNull(Media.fromFlvTag(FlvTag.SCRIPT, 0, new byte[] {2}, Map.of()));
        assertNull(audio("62" + "0000")); // Nellymoser
        assertThrows(IllegalArgumentException.class, () -> video("1701"));
    }

    @Test
    void aacConfigsLegacyAndEnhancedGiveTheRateAndChannels() {
        CodecConfig legacy = (CodecConfig) audio("af00" + "1210");
        assertEquals(new CodecConfig(Media.Kind.AUDIO, "mp4a", legacy.record(), 0, 0, 44100, 2), legacy);
        assertArrayEquals(HEX.parseHex("1210"), legacy.record());
        CodecConfig enhanced = (CodecConfig) audio("90" + "6d703461" + "1188");
        assertEquals(48000, enhanced.sampleRate());
        assertEquals(1, enhanced.channels());
        assertArrayEquals(HEX.parseHex("2101"), ((MediaFrame) audio("af01" + "2101")).data());
    }

    @Test
    void mp3AndOpusFrames() {
        MediaFrame mp3 = (MediaFrame) audio("2f" + "fffb9000");
        assertEquals(".mp3", mp3.codec());
        assertArrayEquals(HEX.parseHex("fffb9000"), mp3.data());
        MediaFrame opus = (MediaFrame) audio("91" + "4f707573" + "fc01");
        assertEquals("Opus", opus.codec());
        assertArrayEquals(HEX.parseHex("fc01"), opus.data());
        assertEquals("Opus", audio("90" + "4f707573" + "4f707573486561640101").codec());
    }
}
