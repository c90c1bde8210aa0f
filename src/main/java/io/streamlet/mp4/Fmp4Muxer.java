package io.streamlet.mp4;

import java.util.List;

/**
 * A fragmented MP4 muxer (ISO/IEC 14496-12) in the CMAF shape HLS uses: an initialization segment
 * ({@code ftyp} and a {@code moov} whose tracks have no samples, with {@code mvex}) and media fragments
 * ({@code moof} with one {@code traf} per track, then one {@code mdat}). Pure functions over byte arrays.
 */
public final class Fmp4Muxer {
    /** One sample of a fragment: durations and composition offsets count in the track's time scale. */
    public record Sample(int duration, int compositionOffset, boolean sync, byte[] data) {}

    /** A track's samples in a fragment, the first decoding at {@code baseDecodeTime} (track time scale). */
    public record Run(Track track, long baseDecodeTime, List<Sample> samples) {}

    // Sample flags (8.8.3.1): sample_depends_on 2 for a sync sample; 1 and sample_is_non_sync_sample otherwise.
    static final int SYNC_SAMPLE = 0x02000000;
    static final int NON_SYNC_SAMPLE = 0x01010000;
    // trun flags (8.8.8.1)
    private static final int DATA_OFFSET = 0x000001;
    private static final int SAMPLE_DURATION = 0x000100;
    private static final int SAMPLE_SIZE = 0x000200;
    private static final int SAMPLE_FLAGS = 0x000400;
    private static final int SAMPLE_COMPOSITION_OFFSET = 0x000800;
    /** tfhd: data offsets count from the start of the moof (8.8.7.1). */
    private static final int DEFAULT_BASE_IS_MOOF = 0x020000;
    private static final int[] UNITY_MATRIX = {0x00010000, 0, 0, 0, 0x00010000, 0, 0, 0, 0x40000000};
    private static final int MOVIE_TIMESCALE = 1000;

    private Fmp4Muxer() {}

    /** {@code ftyp} + {@code moov} for these tracks. */
    public static byte[] initSegment(List<Track> tracks) {
        if (tracks.isEmpty()) throw new IllegalArgumentException("no tracks");
        BoxWriter w = new BoxWriter();
        w.box("ftyp").ascii("iso6").u32(0).ascii("iso6").ascii("cmfc").end();
        w.box("moov");
        w.fullBox("mvhd", 0, 0).u32(0).u32(0).u32(MOVIE_TIMESCALE).u32(0) // times, duration: unknown, live
                .u32(0x00010000).u16(0x0100).zeros(10); // rate 1.0, volume 1.0, reserved
        matrix(w);
        w.zeros(24).u32(tracks.stream().mapToInt(Track::id).max().getAsInt() + 1).end(); // pre_defined, next_track_ID
        for (Track t : tracks) trak(w, t);
        w.box("mvex");
        for (Track t : tracks) {
            w.fullBox("trex", 0, 0).u32(t.id()).u32(1).u32(0).u32(0).u32(0).end(); // description 1, no defaults
        }
        w.end();
        return w.end().toByteArray();
    }

    private static void trak(BoxWriter w, Track t) {
        w.box("trak");
        w.fullBox("tkhd", 0, 0x000003) // track_enabled, track_in_movie
                .u32(0).u32(0).u32(t.id()).u32(0).u32(0) // creation, modification, track_ID, reserved, duration
                .zeros(8).u16(0).u16(0).u16(t.isVideo() ? 0 : 0x0100).u16(0); // reserved, layer, group, volume
        matrix(w);
        w.u32((long) t.width() << 16).u32((long) t.height() << 16).end();
        w.box("mdia");
        w.fullBox("mdhd", 0, 0).u32(0).u32(0).u32(t.timescale()).u32(0)
                .u16(0x55C4).u16(0).end(); // language "und" (ISO 639-2/T, 5 bits a letter)
        w.fullBox("hdlr", 0, 0).u32(0).ascii(t.isVideo() ? "vide" : "soun").zeros(12)
                .ascii(t.isVideo() ? "VideoHandler" : "SoundHandler").u8(0).end();
        w.box("minf");
        if (t.isVideo()) {
            w.fullBox("vmhd", 0, 1).zeros(8).end(); // graphicsmode copy, opcolor
        } else {
            w.fullBox("smhd", 0, 0).zeros(4).end(); // balance, reserved
        }
        w.box("dinf").fullBox("dref", 0, 0).u32(1).fullBox("url ", 0, 1).end().end().end(); // self-contained
        w.box("stbl");
        w.fullBox("stsd", 0, 0).u32(1);
        sampleEntry(w, t);
        w.end();
        // The samples are in the fragments: every table is empty.
        w.fullBox("stts", 0, 0).u32(0).end();
        w.fullBox("stsc", 0, 0).u32(0).end();
        w.fullBox("stsz", 0, 0).u32(0).u32(0).end();
        w.fullBox("stco", 0, 0).u32(0).end();
        w.end().end().end().end(); // stbl, minf, mdia, trak
    }

    private static void sampleEntry(BoxWriter w, Track t) {
        w.box(t.codec().sampleEntry).zeros(6).u16(1); // reserved, data_reference_index
        if (t.isVideo()) {
            // VisualSampleEntry (12.1.3): pre_defined/reserved, size, 72 dpi, frame_count 1, no compressor name, depth 24
            w.zeros(16).u16(t.width()).u16(t.height()).u32(0x00480000).u32(0x00480000).u32(0).u16(1).zeros(32)
                    .u16(0x0018).u16(0xFFFF);
            w.box(t.codec().configBox).bytes(t.config()).end();
        } else {
            // AudioSampleEntry (12.2.3): reserved, channelcount, samplesize 16, pre_defined, reserved, samplerate 16.16
            // A rate past 16 bits (88.2, 96 kHz) does not fit: 0 there, the configuration record has the real one.
            int rate = t.sampleRate() <= 0xFFFF ? t.sampleRate() : 0;
            w.zeros(8).u16(t.channels()).u16(16).u16(0).u16(0).u32((long) rate << 16);
            if (t.codec() == Track.Codec.AAC) {
                esds(w, t);
            } else {
                dOps(w, t.config());
            }
        }
        w.end();
    }

    /** ES_Descriptor (ISO/IEC 14496-1 7.2.6.5) with the AudioSpecificConfig as DecoderSpecificInfo. */
    private static void esds(BoxWriter w, Track t) {
        byte[] asc = t.config();
        w.fullBox("esds", 0, 0);
        descriptor(w, 0x03, 3 + 2 + 13 + 2 + asc.length + 2 + 1);
        w.u16(t.id()).u8(0); // ES_ID, no stream dependence / URL / OCR
        descriptor(w, 0x04, 13 + 2 + asc.length);
        w.u8(0x40).u8(0x15) // objectTypeIndication: MPEG-4 Audio; streamType 5 (audio) << 2 | reserved 1
                .u24(0).u32(0).u32(0); // bufferSizeDB, maxBitrate, avgBitrate: unknown
        descriptor(w, 0x05, asc.length);
        w.bytes(asc);
        descriptor(w, 0x06, 1);
        w.u8(0x02); // SLConfigDescriptor predefined: MP4
        w.end();
    }

    /** A descriptor tag and a one-byte size (every descriptor here is under 128 bytes, checked). */
    private static void descriptor(BoxWriter w, int tag, int size) {
        if (size > 127) throw new IllegalArgumentException("descriptor of " + size + " bytes: AudioSpecificConfig too long");
        w.u8(tag).u8(size);
    }

    /**
     * The Opus-in-ISOBMFF {@code dOps} box from an OpusHead: the same fields, but big-endian and without the
     * magic signature, version 0.
     */
    private static void dOps(BoxWriter w, byte[] head) {
        int family = head[18] & 0xFF;
        int mappingLength = family == 0 ? 0 : 2 + (head[9] & 0xFF);
        if (head.length < 19 + mappingLength) throw new IllegalArgumentException("OpusHead without its channel mapping table");
        w.box("dOps").u8(0).u8(head[9] & 0xFF).u16(le16(head, 10)).u32(le32(head, 12)).u16(le16(head, 16)).u8(family);
        for (int i = 0; i < mappingLength; i++) w.u8(head[19 + i]);
        w.end();
    }

    private static int le16(byte[] b, int at) {
        return b[at] & 0xFF | (b[at + 1] & 0xFF) << 8;
    }

    private static long le32(byte[] b, int at) {
        return le16(b, at) | (long) le16(b, at + 2) << 16;
    }

    private static void matrix(BoxWriter w) {
        for (int v : UNITY_MATRIX) w.u32(v);
    }

    /** {@code moof} + {@code mdat}: each run's samples in one chunk, in the order of {@code runs}. */
    public static byte[] fragment(int sequenceNumber, List<Run> runs) {
        BoxWriter w = new BoxWriter();
        w.box("moof");
        w.fullBox("mfhd", 0, 0).u32(sequenceNumber).end();
        int[] dataOffsetAt = new int[runs.size()];
        for (int r = 0; r < runs.size(); r++) {
            Run run = runs.get(r);
            boolean offsets = run.track().isVideo();
            w.box("traf");
            w.fullBox("tfhd", 0, DEFAULT_BASE_IS_MOOF).u32(run.track().id()).end();
            w.fullBox("tfdt", 1, 0).u64(run.baseDecodeTime()).end();
            int flags = DATA_OFFSET | SAMPLE_DURATION | SAMPLE_SIZE | SAMPLE_FLAGS | (offsets ? SAMPLE_COMPOSITION_OFFSET : 0);
            // Version 1: signed composition offsets, so that B-frames need no edit list.
            w.fullBox("trun", offsets ? 1 : 0, flags).u32(run.samples().size());
            dataOffsetAt[r] = w.size();
            w.u32(0);
            for (Sample s : run.samples()) {
                w.u32(s.duration()).u32(s.data().length).u32(s.sync() ? SYNC_SAMPLE : NON_SYNC_SAMPLE);
                if (offsets) w.u32(s.compositionOffset());
            }
            w.end().end();
        }
        w.end();
        int dataStart = w.size() + 8; // after the mdat header
        int mdatSize = 8;
        for (Run run : runs) for (Sample s : run.samples()) mdatSize += s.data().length;
        for (int r = 0; r < runs.size(); r++) {
            w.putInt(dataOffsetAt[r], dataStart);
            for (Sample s : runs.get(r).samples()) dataStart += s.data().length;
        }
        w.u32(mdatSize).ascii("mdat");
        for (Run run : runs) for (Sample s : run.samples()) w.bytes(s.data());
        return w.toByteArray();
    }
}
