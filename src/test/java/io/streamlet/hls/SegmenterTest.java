package io.streamlet.hls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.streamlet.hls.Segmenter.Container;
import io.streamlet.hls.Segmenter.Options;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Where segments are cut, what they are marked with, and which container they get. */
class SegmenterTest {
    private static final byte[] AVCC = HexFormat.of().parseHex("0164001effe1000467" + "64001e" + "01000468ebe3cb");
    /** 22 bytes of profile, level and flags (4-byte lengths), then a VPS, an SPS and a PPS. */
    private static final byte[] HVCC = HexFormat.of().parseHex("01" + "016000000090000000000000" + "f000fcfdf8f80000" + "0f"
            + "03" + "a00001" + "0002" + "4001" + "a10001" + "0002" + "4201" + "a20001" + "0002" + "4401");
    private static final CodecConfig AVC = new CodecConfig(Media.Kind.VIDEO, "avc1", AVCC, 640, 360, 0, 0);
    private static final CodecConfig AAC = new CodecConfig(Media.Kind.AUDIO, "mp4a", new byte[] {0x12, 0x10}, 0, 0, 44100, 2);
    private static final int VIDEO_PID = 0x100;

    private final List<Segment> segments = new ArrayList<>();

    private Segmenter segmenter(Options options, CodecConfig... configs) {
        Segmenter segmenter = new Segmenter(options, segments::add);
        for (CodecConfig c : configs) segmenter.accept(c);
        return segmenter;
    }

    private static MediaFrame video(long dts, boolean key) {
        return new MediaFrame(Media.Kind.VIDEO, "avc1", dts, 0, key, new byte[] {0, 0, 0, 2, (byte) (key ? 0x65 : 0x41), 0x11});
    }

    private static MediaFrame audio(long dts) {
        return new MediaFrame(Media.Kind.AUDIO, "mp4a", dts, 0, false, new byte[] {0x21, 0x10, 0x05});
    }

    /** Video every 100 ms from {@code from} until before {@code to}, a keyframe every {@code keyEvery} ms. */
    private static void feedVideo(Segmenter s, long from, long to, long keyEvery) {
        for (long t = from; t < to; t += 100) s.accept(video(t, keyEvery > 0 && t % keyEvery == 0));
    }

    @Test
    void cutsOnTheFirstKeyframeAfterTheFragment() {
        Segmenter s = segmenter(Options.of(2000), AVC);
        feedVideo(s, 0, 6000, 1500);
        s.finish();
        assertEquals(List.of(0L, 3000L), segments.stream().map(Segment::startDts).toList());
        assertEquals(List.of(3000L, 3000L), segments.stream().map(Segment::durationMs).toList());
        assertEquals(List.of(0L, 1L), segments.stream().map(Segment::sequence).toList());
        assertEquals(30, pesStarts(segments.get(0).data(), VIDEO_PID));
        assertEquals(2, s.nextSequence());
        assertTrue(segments.stream().noneMatch(seg -> seg.discontinuity() || seg.cutAtLimit()));
    }

    @Test
    void startsAtTheFirstKeyframe() {
        Segmenter s = segmenter(Options.of(2000), AVC, AAC);
        s.accept(audio(0));
        s.accept(video(0, false));
        s.accept(video(100, true));
        s.accept(audio(120));
        s.finish();
        assertEquals(1, segments.size());
        assertEquals(100, segments.get(0).startDts());
        assertEquals(1, pesStarts(segments.get(0).data(), VIDEO_PID));
        assertEquals(1, pesStarts(segments.get(0).data(), 0x101));
    }

    @Test
    void audioOnlyIsCutOnTime() {
        Segmenter s = segmenter(Options.of(2000), AAC);
        for (long t = 0; t < 6000; t += 23) s.accept(audio(t));
        s.finish();
        assertEquals(List.of(0L, 2001L, 4002L), segments.stream().map(Segment::startDts).toList());
        assertEquals(2001, segments.get(0).durationMs());
        // 87 frames of 23 ms, four to a PES packet (each packet's audio starts within 80 ms of its first frame)
        assertEquals(22, pesStarts(segments.get(0).data(), 0x101));
    }

    @Test
    void missingKeyframesAreCutAtTheDurationLimit() {
        Segmenter s = segmenter(new Options(2000, 3000, 1 << 20, Container.AUTO), AVC);
        s.accept(video(0, true));
        feedVideo(s, 100, 10_000, 0);
        s.finish();
        assertEquals(List.of(0L, 3000L, 6000L, 9000L), segments.stream().map(Segment::startDts).toList());
        assertEquals(List.of(true, true, true, false), segments.stream().map(Segment::cutAtLimit).toList());
    }

    @Test
    void missingKeyframesAreCutAtTheSizeLimit() {
        Segmenter s = segmenter(new Options(2000, 60_000, 18, Container.AUTO), AVC); // three 6-byte frames
        s.accept(video(0, true));
        feedVideo(s, 100, 1000, 0);
        s.finish();
        assertEquals(List.of(0L, 300L, 600L, 900L), segments.stream().map(Segment::startDts).toList());
        assertTrue(segments.get(0).cutAtLimit());
    }

    @Test
    void aNewConfigurationClosesTheSegmentAndTheNextIsADiscontinuity() {
        Segmenter s = segmenter(Options.of(2000), AVC);
        feedVideo(s, 0, 2500, 1000);
        s.accept(new CodecConfig(Media.Kind.VIDEO, "avc1", AVCC.clone(), 640, 360, 0, 0)); // the same again: ignored
        assertEquals(1, segments.size());
        byte[] changed = AVCC.clone();
        changed[3] = 0x1F; // another level
        s.accept(new CodecConfig(Media.Kind.VIDEO, "avc1", changed, 640, 360, 0, 0));
        assertEquals(2, segments.size());
        assertEquals(500, segments.get(1).durationMs());
        feedVideo(s, 2500, 3000, 500);
        s.finish();
        assertEquals(List.of(false, false, true), segments.stream().map(Segment::discontinuity).toList());
    }

    @Test
    void discontinuityMarksTheNextSegmentAndKeepsCounting() {
        Segmenter s = segmenter(Options.of(2000), AVC);
        feedVideo(s, 0, 1000, 1000);
        s.discontinuity();
        feedVideo(s, 0, 1000, 1000); // a republish: timestamps start again
        s.finish();
        assertEquals(List.of(0L, 1L), segments.stream().map(Segment::sequence).toList());
        assertEquals(List.of(false, true), segments.stream().map(Segment::discontinuity).toList());
    }

    @Test
    void h264AndAacGoToMpegTsAndHevcToFmp4() {
        Segmenter ts = segmenter(Options.of(1000), AVC, AAC);
        feedVideo(ts, 0, 1000, 1000);
        ts.finish();
        assertNull(segments.get(0).init());
        assertEquals(0x47, segments.get(0).data()[0]);

        segments.clear();
        CodecConfig hevc = new CodecConfig(Media.Kind.VIDEO, "hvc1", HVCC, 320, 240, 0, 0);
        Segmenter fmp4 = segmenter(Options.of(1000), hevc, AAC);
        for (long t = 0; t < 3000; t += 100) {
            fmp4.accept(new MediaFrame(Media.Kind.VIDEO, "hvc1", t, 0, t % 1000 == 0, new byte[] {0, 0, 0, 1, 0x26}));
            fmp4.accept(audio(t));
        }
        fmp4.finish();
        assertEquals(3, segments.size());
        assertSame(segments.get(0).init(), segments.get(2).init());
        assertEquals("ftyp", new String(segments.get(0).init().data(), 4, 4, StandardCharsets.US_ASCII));
        assertEquals("moof", new String(segments.get(1).data(), 4, 4, StandardCharsets.US_ASCII));
    }

    @Test
    void codecsTheContainerCannotCarryAreLeftOut() {
        CodecConfig opus = new CodecConfig(Media.Kind.AUDIO, "Opus", "OpusHead\1\1\0\0\0\0\0\0\0\0\0".getBytes(StandardCharsets.US_ASCII), 0, 0, 48000, 1);
        Segmenter s = segmenter(new Options(1000, 3000, 1 << 20, Container.MPEG_TS), AVC, opus);
        s.accept(video(0, true));
        s.accept(new MediaFrame(Media.Kind.AUDIO, "Opus", 0, 0, false, new byte[] {1}));
        s.finish();
        assertEquals(1, pesStarts(segments.get(0).data(), VIDEO_PID));
        assertEquals(0, pesStarts(segments.get(0).data(), 0x101));

        segments.clear();
        CodecConfig vp9 = new CodecConfig(Media.Kind.VIDEO, "vp09", new byte[4], 0, 0, 0, 0);
        Segmenter audioOnly = segmenter(Options.of(1000), vp9, AAC);
        audioOnly.accept(new MediaFrame(Media.Kind.VIDEO, "vp09", 0, 0, true, new byte[1]));
        for (long t = 0; t < 2100; t += 100) audioOnly.accept(audio(t));
        assertEquals(2, segments.size()); // cut on time, as audio alone
    }

    @Test
    void mp3NeedsNoConfiguration() {
        Segmenter s = segmenter(Options.of(1000), AVC);
        s.accept(video(0, true));
        s.accept(new MediaFrame(Media.Kind.AUDIO, ".mp3", 0, 0, false, new byte[] {(byte) 0xFF, (byte) 0xFB, (byte) 0x90, 0}));
        s.finish();
        assertEquals(1, pesStarts(segments.get(0).data(), 0x101));
    }

    @Test
    void aFrameWhoseNalUnitsDoNotFillItIsRefusedAndNothingElseIsLost() {
        Segmenter s = segmenter(Options.of(1000), AVC);
        feedVideo(s, 0, 500, 1000);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> s.accept(new MediaFrame(Media.Kind.VIDEO, "avc1", 500, 0, false, new byte[] {0, 0, 0, 9, 0x41})));
        assertEquals("avc1 frame at 500 ms left out: NAL unit of 9 bytes at 0 runs past the 5-byte sample", e.getMessage());
        feedVideo(s, 600, 2000, 1000);
        s.finish();
        assertEquals(List.of(0L, 1000L), segments.stream().map(Segment::startDts).toList());
        assertEquals(9, pesStarts(segments.get(0).data(), VIDEO_PID), "the frames around it are all there");
        assertTrue(segments.stream().noneMatch(Segment::discontinuity));
    }

    @Test
    void aConfigurationThatCannotBeReadIsRefusedAndTheOldOneStays() {
        Segmenter s = segmenter(Options.of(1000), AVC);
        feedVideo(s, 0, 500, 1000);
        assertThrows(IllegalArgumentException.class,
                () -> s.accept(new CodecConfig(Media.Kind.VIDEO, "avc1", new byte[] {1, 0x64, 0, 0x1e, (byte) 0xff, (byte) 0xe1, 0, 9}, 0, 0, 0, 0)));
        feedVideo(s, 500, 1000, 1000);
        s.finish();
        assertEquals(1, segments.size());
        assertEquals(10, pesStarts(segments.get(0).data(), VIDEO_PID));
    }

    @Test
    void mediaTheMuxerRefusesLosesItsSegmentAndTheNextIsADiscontinuity() {
        Segmenter s = segmenter(Options.of(1000), AVC, AAC);
        s.accept(video(0, true));
        s.accept(new MediaFrame(Media.Kind.AUDIO, "mp4a", 10, 0, false, new byte[9000])); // too long for ADTS
        // The segment is muxed when the next keyframe closes it: the error comes then, and both frames are lost.
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> s.accept(video(1000, true)));
        assertTrue(e.getMessage().startsWith("segment 0 (2 frames from 0 ms) dropped: "), e.getMessage());
        assertTrue(segments.isEmpty());
        feedVideo(s, 1100, 2100, 1000);
        s.finish();
        assertEquals(1, segments.size());
        assertTrue(segments.get(0).discontinuity());
        assertEquals(0, segments.get(0).sequence());
        assertEquals(2000, segments.get(0).startDts());
    }

    /** PES packets that begin in {@code ts} on {@code pid}. */
    private static int pesStarts(byte[] ts, int pid) {
        int starts = 0;
        for (int at = 0; at < ts.length; at += 188) {
            boolean unitStart = (ts[at + 1] & 0x40) != 0;
            if (unitStart && ((ts[at + 1] & 0x1F) << 8 | ts[at + 2] & 0xFF) == pid) starts++;
        }
        return starts;
    }
}
