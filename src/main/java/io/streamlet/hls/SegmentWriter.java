package io.streamlet.hls;

import java.util.List;

/** Turns the frames of one segment into its bytes, in one container; one per run of unchanged tracks. */
interface SegmentWriter {
    /** The fMP4 initialization segment these segments need; null for MPEG-TS. */
    Segment.InitSegment init();

    /** The segment's bytes: {@code frames} in decode order, each of a track this writer was made for. */
    byte[] write(List<MediaFrame> frames);
}
