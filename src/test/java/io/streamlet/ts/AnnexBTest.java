package io.streamlet.ts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/** Length-prefixed samples to Annex B (ITU-T H.264 / H.265 Annex B), with delimiters and parameter sets. */
class AnnexBTest {
    private static final HexFormat HEX = HexFormat.of();
    /** avcC: version 1, High 3.0, 4-byte lengths, one SPS (67 64 00 1e), one PPS (68 eb e3 cb). */
    private static final byte[] AVCC = HEX.parseHex("0164001effe1000467" + "64001e" + "01000468ebe3cb");

    @Test
    void keyframeGetsDelimiterAndParameterSets() {
        byte[] sample = HEX.parseHex("00000003" + "658888" + "00000002" + "0601");
        String annexB = HEX.formatHex(AnnexB.fromRecord(StreamType.H264, AVCC).accessUnit(sample, true));
        assertEquals("0000000109f0" + "0000000167" + "64001e" + "0000000168ebe3cb" + "00000001658888" + "000000010601", annexB);
    }

    @Test
    void otherFramesGetOnlyTheDelimiter() {
        byte[] sample = HEX.parseHex("00000002419a");
        assertEquals("0000000109f0" + "00000001419a",
                HEX.formatHex(AnnexB.fromRecord(StreamType.H264, AVCC).accessUnit(sample, false)));
    }

    @Test
    void inBandParameterSetsAreKeptAndDelimitersNotRepeated() {
        byte[] sample = HEX.parseHex("000000020910" + "000000026799" + "000000026899" + "0000000165");
        assertEquals("0000000109f0" + "000000016799" + "000000016899" + "0000000165",
                HEX.formatHex(AnnexB.fromRecord(StreamType.H264, AVCC).accessUnit(sample, true)));
    }

    @Test
    void twoByteLengths() {
        byte[] avcc = AVCC.clone();
        avcc[4] = (byte) 0xFD; // lengthSizeMinusOne 1
        assertEquals("0000000109f0" + "00000001419a" + "0000000101",
                HEX.formatHex(AnnexB.fromRecord(StreamType.H264, avcc).accessUnit(HEX.parseHex("0002419a" + "000101"), false)));
    }

    @Test
    void hevcDelimiterAndParameterSetsFromHvcC() {
        // hvcC: 22 bytes of profile/tier/level and flags (4-byte lengths), then VPS, SPS and PPS arrays of one NAL each.
        String fixed = "01" + "016000000090000000000000" + "f000fcfdf8f80000" + "0f";
        String arrays = "03" + "a00001" + "0002" + "4001" + "a10001" + "0002" + "4201" + "a20001" + "0002" + "4401";
        AnnexB annexB = AnnexB.fromRecord(StreamType.HEVC, HEX.parseHex(fixed + arrays));
        assertEquals("00000001460150" + "000000014001" + "000000014201" + "000000014401" + "000000012601",
                HEX.formatHex(annexB.accessUnit(HEX.parseHex("000000022601"), true)));
    }

    @Test
    void malformedInputIsRejected() {
        AnnexB annexB = AnnexB.fromRecord(StreamType.H264, AVCC);
        assertThrows(IllegalArgumentException.class, () -> annexB.accessUnit(HEX.parseHex("0000000965"), false));
        assertThrows(IllegalArgumentException.class, () -> annexB.accessUnit(HEX.parseHex("000000"), false));
        annexB.checkSample(HEX.parseHex("0000000165" + "000000024101"));
        assertThrows(IllegalArgumentException.class, () -> annexB.checkSample(HEX.parseHex("0000000165" + "000000034101")));
        assertThrows(IllegalArgumentException.class, () -> annexB.checkSample(HEX.parseHex("0000000165" + "0000")));
        assertThrows(IllegalArgumentException.class, () -> AnnexB.fromRecord(StreamType.H264, HEX.parseHex("0164001effe1000467")));
        assertThrows(IllegalArgumentException.class, () -> AnnexB.fromRecord(StreamType.HEVC, AVCC));
        assertThrows(IllegalArgumentException.class, () -> AnnexB.fromRecord(StreamType.AAC, AVCC));
    }
}
