package io.streamlet.hls;

/**
 * A finished media segment.
 *
 * @param sequence its media sequence number (EXT-X-MEDIA-SEQUENCE counts these), from 0
 * @param data an MPEG-TS segment, or an fMP4 fragment ({@code moof} + {@code mdat}) to play after {@code init}
 * @param startDts the decode time of its first frame, in the stream's milliseconds
 * @param durationMs from its first frame to the next segment's first frame
 * @param discontinuity the first after a republish or a change of codec or tracks (EXT-X-DISCONTINUITY)
 * @param cutAtLimit ended at the size or duration limit, not on a keyframe: the stream sends too few keyframes
 * @param init the fMP4 initialization segment it needs; null for MPEG-TS
 */
public record Segment(long sequence, byte[] data, long startDts, long durationMs, boolean discontinuity,
        boolean cutAtLimit, InitSegment init) {

    /**
     * An fMP4 initialization section (EXT-X-MAP): {@code id} tells apart the ones a stream has had, as codecs
     * or tracks changed; segments with the same id share one.
     */
    public record InitSegment(int id, byte[] data) {}

    public boolean isFmp4() {
        return init != null;
    }
}
