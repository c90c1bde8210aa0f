package io.streamlet.mp4;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Box layouts (ISO/IEC 14496-12 and -14, -15; Opus in ISOBMFF) of the init segment and of fragments. */
class Fmp4MuxerTest {
    private static final HexFormat HEX = HexFormat.of();
    private static final byte[] AVCC = HEX.parseHex("0164001effe1000467" + "64001e" + "01000468ebe3cb");
    private static final byte[] ASC = HEX.parseHex("1210");
    private static final Track VIDEO = Track.video(1, Track.Codec.AVC, AVCC, 640, 360);
    private static final Track AUDIO = Track.audio(2, Track.Codec.AAC, ASC, 44100, 2);

    /** Boxes whose body is made of boxes (after {@code skip} bytes of their own fields). */
    private static final Map<String, Integer> CONTAINERS = Map.ofEntries(Map.entry("moov", 0), Map.entry("trak", 0),
            Map.entry("mdia", 0), Map.entry("minf", 0), Map.entry("dinf", 0), Map.entry("stbl", 0), Map.entry("mvex", 0),
            Map.entry("moof", 0), Map.entry("traf", 0), Map.entry("dref", 8), Map.entry("stsd", 8), Map.entry("avc1", 78),
            Map.entry("hvc1", 78), Map.entry("av01", 78), Map.entry("mp4a", 28), Map.entry("Opus", 28));

    record Box(String type, int start, int size, List<Box> children) {
        int body() {
            return start + 8;
        }

        Box find(String path) {
            Box box = this;
            for (String type : path.split("/")) {
                box = box.children.stream().filter(c -> c.type.equals(type)).findFirst()
                        .orElseThrow(() -> new AssertionError("no " + type + " in " + this));
            }
            return box;
        }

        @Override
        public String toString() {
            return children.isEmpty() ? type : type + children;
        }
    }

    /** Parses boxes from {@code from} to {@code to}, checking that each fits its parent exactly. */
    static List<Box> parse(byte[] b, int from, int to) {
        List<Box> boxes = new ArrayList<>();
        int at = from;
        while (at < to) {
            int size = u32(b, at);
            String type = new String(b, at + 4, 4, StandardCharsets.US_ASCII);
            if (size < 8 || at + size > to) throw new AssertionError(type + " of " + size + " bytes at " + at + " overruns " + to);
            Integer skip = CONTAINERS.get(type);
            boxes.add(new Box(type, at, size, skip == null ? List.of() : parse(b, at + 8 + skip, at + size)));
            at += size;
        }
        return boxes;
    }

    static Box root(byte[] b) {
        return new Box("file", -8, b.length + 8, parse(b, 0, b.length));
    }

    @Test
    void initSegmentLayout() {
        byte[] init = Fmp4Muxer.initSegment(List.of(VIDEO, AUDIO));
        String track = "mdhd, hdlr, minf[%s, dinf[dref[url ]], stbl[stsd[%s], stts, stsc, stsz, stco]]";
        assertEquals("[ftyp, moov[mvhd, trak[tkhd, mdia[" + track.formatted("vmhd", "avc1[avcC]") + "]], trak[tkhd, mdia["
                + track.formatted("smhd", "mp4a[esds]") + "]], mvex[trex, trex]]]", root(init).children.toString());
        Box moov = root(init).find("moov");
        // ftyp: major brand iso6, minor version 0, compatible iso6 and cmfc (CMAF)
        assertEquals("00000018" + "66747970" + "69736f36" + "00000000" + "69736f36" + "636d6663", HEX.formatHex(init, 0, 24));
        Box mvhd = moov.find("mvhd");
        assertEquals(108, mvhd.size);
        assertEquals(1000, u32(init, mvhd.body() + 12)); // version 0: timescale after creation and modification
        assertEquals(3, u32(init, mvhd.start + mvhd.size - 4)); // next_track_ID
        Box tkhd = moov.find("trak/tkhd");
        assertEquals(92, tkhd.size);
        assertEquals(0x00000003, u32(init, tkhd.body())); // version 0, enabled and in movie
        assertEquals(640 << 16, u32(init, tkhd.start + 84));
        assertEquals(360 << 16, u32(init, tkhd.start + 88));
        Box mdhd = moov.find("trak/mdia/mdhd");
        assertEquals(32, mdhd.size);
        assertEquals(90000, u32(init, mdhd.body() + 12));
        assertEquals(0x55C4, u16(init, mdhd.body() + 20)); // "und"
        Box avc1 = moov.find("trak/mdia/minf/stbl/stsd/avc1");
        assertEquals(86 + 8 + AVCC.length, avc1.size);
        assertEquals(640, u16(init, avc1.body() + 24));
        assertEquals(360, u16(init, avc1.body() + 26));
        Box avcC = avc1.find("avcC");
        assertArrayEquals(AVCC, Arrays.copyOfRange(init, avcC.body(), avcC.start + avcC.size));
        Box trex = moov.find("mvex/trex");
        assertEquals(32, trex.size);
        assertEquals("00000000" + "00000001" + "00000001" + "00000000" + "00000000" + "00000000",
                HEX.formatHex(init, trex.body(), trex.start + trex.size));
    }

    @Test
    void aacSampleEntryAndEsds() {
        byte[] init = Fmp4Muxer.initSegment(List.of(AUDIO));
        Box mp4a = root(init).find("moov/trak/mdia/minf/stbl/stsd/mp4a");
        // reserved, data_reference_index 1, reserved, 2 channels, 16 bits, pre_defined, reserved, 44100 << 16
        assertEquals("000000000000" + "0001" + "0000000000000000" + "0002" + "0010" + "0000" + "0000" + "ac440000",
                HEX.formatHex(init, mp4a.body(), mp4a.body() + 28));
        Box esds = mp4a.find("esds");
        assertEquals("00000000" // version, flags
                + "0319" + "0002" + "00" // ES_Descriptor of 25 bytes: ES_ID 2, no flags
                + "0411" + "40" + "15" + "000000" + "00000000" + "00000000" // DecoderConfigDescriptor: MPEG-4 audio
                + "0502" + "1210" // DecoderSpecificInfo: the AudioSpecificConfig
                + "060102", // SLConfigDescriptor predefined 2
                HEX.formatHex(init, esds.body(), esds.start + esds.size));
    }

    @Test
    void opusSampleEntryAndDops() {
        // OpusHead: version 1, 2 channels, pre-skip 312, input 44100 Hz, gain 0, mapping family 0 (little-endian)
        byte[] head = HEX.parseHex("4f70757348656164" + "01" + "02" + "3801" + "44ac0000" + "0000" + "00");
        Track opus = Track.audio(1, Track.Codec.OPUS, head, 0, 0);
        assertEquals(48000, opus.timescale());
        assertEquals(2, opus.channels());
        byte[] init = Fmp4Muxer.initSegment(List.of(opus));
        Box dOps = root(init).find("moov/trak/mdia/minf/stbl/stsd/Opus/dOps");
        assertEquals("00" + "02" + "0138" + "0000ac44" + "0000" + "00", HEX.formatHex(init, dOps.body(), dOps.start + dOps.size));
        assertThrows(IllegalArgumentException.class, () -> Track.audio(1, Track.Codec.OPUS, ASC, 48000, 2));
    }

    @Test
    void fragmentLayoutAndDataOffsets() {
        byte[] key = {1, 2, 3, 4, 5};
        byte[] inter = {6, 7};
        byte[] aac = {8, 9, 10};
        List<Fmp4Muxer.Run> runs = List.of(
                new Fmp4Muxer.Run(VIDEO, 180_000, List.of(new Fmp4Muxer.Sample(3000, 6000, true, key),
                        new Fmp4Muxer.Sample(3000, -3000, false, inter))),
                new Fmp4Muxer.Run(AUDIO, 88_200, List.of(new Fmp4Muxer.Sample(1024, 0, true, aac))));
        byte[] fragment = Fmp4Muxer.fragment(7, runs);
        Box root = root(fragment);
        assertEquals("[moof[mfhd, traf[tfhd, tfdt, trun], traf[tfhd, tfdt, trun]], mdat]", root.children.toString());
        Box moof = root.find("moof");
        assertEquals(7, u32(fragment, moof.find("mfhd").body() + 4));
        Box videoTraf = moof.children.get(1);
        Box audioTraf = moof.children.get(2);
        assertEquals("00020000" + "00000001", hex(fragment, videoTraf.find("tfhd"))); // default-base-is-moof, track 1
        assertEquals("01000000" + "000000000002bf20", hex(fragment, videoTraf.find("tfdt"))); // version 1, 180000
        int videoData = moof.size + 8;
        assertEquals("01000f01" + "00000002" + String.format("%08x", videoData)
                + "00000bb8" + "00000005" + "02000000" + "00001770" // 3000, 5 bytes, sync, +6000
                + "00000bb8" + "00000002" + "01010000" + "fffff448", // 3000, 2 bytes, non-sync, -3000
                hex(fragment, videoTraf.find("trun")));
        assertEquals("00000701" + "00000001" + String.format("%08x", videoData + 7) + "00000400" + "00000003" + "02000000",
                hex(fragment, audioTraf.find("trun")));
        Box mdat = root.find("mdat");
        assertEquals(moof.size, mdat.start);
        assertArrayEquals(new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, Arrays.copyOfRange(fragment, mdat.body(), mdat.start + mdat.size));
    }

    private static String hex(byte[] b, Box box) {
        return HEX.formatHex(b, box.body(), box.start + box.size);
    }

    private static int u32(byte[] b, int at) {
        return (b[at] & 0xFF) << 24 | (b[at + 1] & 0xFF) << 16 | (b[at + 2] & 0xFF) << 8 | b[at + 3] & 0xFF;
    }

    private static int u16(byte[] b, int at) {
        return (b[at] & 0xFF) << 8 | b[at + 1] & 0xFF;
    }
}
