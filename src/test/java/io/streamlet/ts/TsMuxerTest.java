package io.streamlet.ts;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The muxer's bytes against ISO/IEC 13818-1. The PAT and the H.264 + AAC PMT are the ones ffmpeg's MPEG-TS
 * muxer writes for the same PIDs; the other expected values were worked out bit by bit from the spec's
 * syntax tables (2-29 PES, 2-6 adaptation field, 2-30 PAT, 2-33 PMT).
 */
class TsMuxerTest {
    private static final HexFormat HEX = HexFormat.of();

    @Test
    void crcIsMpeg2s() {
        byte[] check = "123456789".getBytes(StandardCharsets.US_ASCII);
        assertEquals(0x0376E6E7, Crc32Mpeg2.of(check, 0, check.length)); // the catalogued check value of CRC-32/MPEG-2
    }

    @Test
    void patAndPmtForH264AndAacAreWhatFfmpegWrites() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        new TsMuxer(StreamType.H264, StreamType.AAC).writeTables(out);
        byte[] ts = out.toByteArray();
        assertEquals(2 * 188, ts.length);
        assertPacket(ts, 0, "474000100000b00d0001c100000001f0002ab104b2");
        assertPacket(ts, 1, "475000100002b0170001c10000e100f0001be100f0000fe101f0002f44b99b");
    }

    @Test
    void pmtOfHevcAndMp3() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        new TsMuxer(StreamType.HEVC, StreamType.MPEG1_AUDIO).writeTables(out);
        assertPacket(out.toByteArray(), 1, "475000100002b0170001c10000e100f00024e100f00003e101f000a66f334e");
    }

    @Test
    void audioOnlyProgramHasItsPcrOnTheAudio() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        new TsMuxer(null, StreamType.AAC).writeTables(out);
        assertPacket(out.toByteArray(), 1, "475000100002b0120001c10000e101f0000fe101f000ece2b094");
    }

    @Test
    void tablesCountTheirOwnContinuity() {
        TsMuxer muxer = new TsMuxer(StreamType.H264, null);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = 0; i < 17; i++) muxer.writeTables(out);
        byte[] ts = out.toByteArray();
        assertEquals(0x10, ts[3]); // first PAT: counter 0
        assertEquals(0x11, ts[2 * 188 + 3]); // second PAT
        assertEquals(0x1F, ts[30 * 188 + 3]); // 16th: 15
        assertEquals(0x10, ts[32 * 188 + 3]); // 17th wrapped to 0
        assertEquals(0x10, ts[33 * 188 + 3]); // and its PMT likewise
    }

    @Test
    void pesHeaderWithPtsAndDts() {
        long dts = (1L << 32) + 0x12345; // the 33rd bit set
        byte[] header = TsMuxer.pesHeader(0xE0, dts, dts + 3003, 100);
        assertEquals("000001e0" + "0071" + "84" + "c0" + "0a" + "3900055e01" + "190005468b", HEX.formatHex(header));
    }

    @Test
    void pesHeaderWithPtsOnlyWhenTheyAreEqual() {
        byte[] header = TsMuxer.pesHeader(0xC0, 900_000, 900_000, 10);
        assertEquals("000001c0" + "0012" + "84" + "80" + "05" + "2100377741", HEX.formatHex(header));
    }

    @Test
    void timestampsWrapAt33Bits() {
        assertArrayEquals(TsMuxer.pesHeader(0xC0, 5, 5, 1), TsMuxer.pesHeader(0xC0, (1L << 33) + 5, (1L << 33) + 5, 1));
    }

    @Test
    void pesLengthIsZeroWhenItDoesNotFit16Bits() {
        byte[] header = TsMuxer.pesHeader(0xE0, 0, 0, 70_000);
        assertEquals(0, header[4]);
        assertEquals(0, header[5]);
    }

    @Test
    void pcrEncoding() {
        byte[] b = new byte[6];
        TsMuxer.writePcr(b, 0, 0x1_2345_6789L);
        assertEquals("91a2b3c4fe00", HEX.formatHex(b));
        TsMuxer.writePcr(b, 0, (1L << 33) - 2);
        assertEquals("ffffffff7e00", HEX.formatHex(b));
    }

    @Test
    void smallKeyframeIsOnePacketWithPcrRandomAccessAndStuffing() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] unit = {0, 0, 0, 1, 9, (byte) 0xF0, 0, 0, 0, 1};
        new TsMuxer(StreamType.H264, StreamType.AAC).writeVideo(out, 9000, 12003, true, unit);
        byte[] p = out.toByteArray();
        assertEquals(188, p.length);
        assertEquals("47410030", HEX.formatHex(p, 0, 4)); // PUSI, PID 0x100, adaptation field + payload, counter 0
        // 19-byte PES header + 10 bytes leave 147 bytes of stuffing after the flags and the PCR.
        assertEquals(1 + 6 + 147, p[4] & 0xFF);
        assertEquals(0x50, p[5]); // random_access_indicator, PCR_flag
        byte[] pcr = new byte[6];
        TsMuxer.writePcr(pcr, 0, 9000);
        assertArrayEquals(pcr, Arrays.copyOfRange(p, 6, 12));
        for (int i = 12; i < 159; i++) assertEquals((byte) 0xFF, p[i], "stuffing byte " + i);
        assertArrayEquals(concat(TsMuxer.pesHeader(0xE0, 9000, 12003, unit.length), unit), Arrays.copyOfRange(p, 159, 188));
    }

    @Test
    void stuffingOfOneByteIsAnEmptyAdaptationField() {
        // Audio beside video: no PCR and no flags. 14-byte header + 353 bytes = 184 + 183: one byte short in packet 2.
        byte[] frame = pattern(353);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        new TsMuxer(StreamType.H264, StreamType.AAC).writeAudio(out, 0, frame);
        byte[] ts = out.toByteArray();
        assertEquals(2 * 188, ts.length);
        assertEquals("47410110", HEX.formatHex(ts, 0, 4)); // payload only, counter 0
        assertEquals("47010131", HEX.formatHex(ts, 188, 192)); // adaptation field + payload, counter 1
        assertEquals(0, ts[188 + 4]); // adaptation_field_length 0
        assertArrayEquals(concat(TsMuxer.pesHeader(0xC0, 0, 0, frame.length), frame), payloads(ts, TsMuxer.AUDIO_PID));
    }

    @Test
    void stuffingOfTwoBytesHasTheFlagsByte() {
        byte[] frame = pattern(352);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        new TsMuxer(StreamType.H264, StreamType.AAC).writeAudio(out, 0, frame);
        byte[] ts = out.toByteArray();
        assertEquals("01" + "00", HEX.formatHex(ts, 192, 194)); // length 1, no flags
        assertArrayEquals(concat(TsMuxer.pesHeader(0xC0, 0, 0, frame.length), frame), payloads(ts, TsMuxer.AUDIO_PID));
    }

    @Test
    void continuityCounterWrapsAcrossFramesAndCountsEveryPacket() {
        TsMuxer muxer = new TsMuxer(StreamType.H264, StreamType.AAC);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = 0; i < 10; i++) muxer.writeAudio(out, i * 1920L, pattern(300)); // 2 packets each
        byte[] ts = out.toByteArray();
        assertEquals(20 * 188, ts.length);
        for (int i = 0; i < 20; i++) assertEquals(i % 16, ts[i * 188 + 3] & 0x0F, "packet " + i);
    }

    @Test
    void largeAccessUnitSurvivesPacketizationWhole() {
        byte[] unit = pattern(100_000);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        new TsMuxer(StreamType.H264, StreamType.AAC).writeVideo(out, 0, 3000, false, unit);
        byte[] ts = out.toByteArray();
        assertEquals(0, ts.length % 188);
        assertArrayEquals(concat(TsMuxer.pesHeader(0xE0, 0, 3000, unit.length), unit), payloads(ts, TsMuxer.VIDEO_PID));
        assertEquals(0x10, ts[5]); // a PCR, no random access: not a keyframe
    }

    @Test
    void audioAloneCarriesThePcrAndRandomAccess() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        new TsMuxer(null, StreamType.AAC).writeAudio(out, 1920, pattern(20));
        byte[] p = out.toByteArray();
        assertEquals(0x50, p[5]);
    }

    @Test
    void rejectsWhatTheProgramDoesNotHave() {
        TsMuxer audioOnly = new TsMuxer(null, StreamType.AAC);
        assertThrows(IllegalStateException.class, () -> audioOnly.writeVideo(new ByteArrayOutputStream(), 0, 0, true, new byte[1]));
        assertThrows(IllegalArgumentException.class, () -> new TsMuxer(StreamType.AAC, null));
        assertThrows(IllegalArgumentException.class, () -> new TsMuxer(null, null));
    }

    @Test
    void mp3VersionPicksTheStreamType() {
        assertEquals(StreamType.MPEG1_AUDIO, StreamType.ofMp3(new byte[] {(byte) 0xFF, (byte) 0xFB, (byte) 0x90, 0}));
        assertEquals(StreamType.MPEG2_AUDIO, StreamType.ofMp3(new byte[] {(byte) 0xFF, (byte) 0xF3, (byte) 0x90, 0}));
        assertThrows(IllegalArgumentException.class, () -> StreamType.ofMp3(new byte[] {0x49, 0x44, 0x33}));
    }

    /** Packet {@code index} starts with {@code hex} and is 0xFF after it. */
    private static void assertPacket(byte[] ts, int index, String hex) {
        byte[] expected = new byte[188];
        Arrays.fill(expected, (byte) 0xFF);
        byte[] start = HEX.parseHex(hex);
        System.arraycopy(start, 0, expected, 0, start.length);
        assertEquals(HEX.formatHex(expected), HEX.formatHex(ts, index * 188, index * 188 + 188));
    }

    /** The payload bytes of every packet of {@code pid}, adaptation fields skipped, checking sync bytes and counters. */
    static byte[] payloads(byte[] ts, int pid) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        List<Integer> counters = new ArrayList<>();
        for (int at = 0; at < ts.length; at += 188) {
            assertEquals(0x47, ts[at]);
            if (((ts[at + 1] & 0x1F) << 8 | ts[at + 2] & 0xFF) != pid) continue;
            int control = (ts[at + 3] >>> 4) & 0x03;
            counters.add(ts[at + 3] & 0x0F);
            int payloadAt = at + 4 + (control == 3 ? 1 + (ts[at + 4] & 0xFF) : 0);
            out.write(ts, payloadAt, at + 188 - payloadAt);
        }
        for (int i = 1; i < counters.size(); i++) assertEquals((counters.get(i - 1) + 1) % 16, counters.get(i));
        return out.toByteArray();
    }

    static byte[] pattern(int length) {
        byte[] b = new byte[length];
        for (int i = 0; i < length; i++) b[i] = (byte) (i * 31 + 7);
        return b;
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
