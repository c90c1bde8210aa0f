package io.streamlet.record;

import io.streamlet.flv.FlvHeader;
import io.streamlet.flv.FlvTag;
import io.streamlet.live.LiveTag;
import java.io.IOException;
import java.io.OutputStream;

/**
 * Writes what one lossless cursor yields as FLV files, each playable alone: the FLV header, the metadata and
 * sequence headers, media from a keyframe, timestamps from 0. The first file is byte for byte what
 * {@link io.streamlet.output.FlvEncoder} gives a player of the same cursor; each later file (the segment plan)
 * starts with the header, metadata and sequence headers current at its cut again, then the keyframe it was
 * cut at.
 *
 * <p>One cursor serves every file of a recording, so no tag is lost or repeated at a cut; a new cursor per
 * file would join at the source's newest keyframe, not where the last file stopped.
 */
final class FlvFileWriter {
    private final DvrConfig.Plan plan;
    private final long segmentMs;
    private final boolean audio;
    private final boolean video;
    private final byte[] tagHeader = new byte[FlvTag.HEADER_SIZE];

    // The latest of each, re-sent at the start of every file after the first.
    private LiveTag metadata;
    private LiveTag videoHeader;
    private LiveTag audioHeader;

    /** The cursor time of the current file's first media tag (its time 0); -1 before that tag. */
    private long base = -1;
    private long lastTimestamp;

    /** @param audio @param video the stream's tracks, as the cursor gives them once started */
    FlvFileWriter(DvrConfig.Plan plan, long segmentMs, boolean audio, boolean video) {
        this.plan = plan;
        this.segmentMs = segmentMs;
        this.audio = audio;
        this.video = video;
    }

    /**
     * Whether {@code tag} opens a new file: under the segment plan, the first point a player can start from
     * (a video keyframe; any audio frame of an audio-only stream) once the current file holds a segment's length.
     */
    boolean cutsBefore(LiveTag tag, int timestamp) {
        if (plan != DvrConfig.Plan.SEGMENT || base < 0 || tag.isHeader()) return false;
        boolean startPoint = video ? tag.type() == FlvTag.VIDEO && tag.isKeyframe() : tag.type() == FlvTag.AUDIO;
        return startPoint && timestamp - base >= segmentMs;
    }

    /** Starts a new file on {@code out}: the FLV header, then the metadata and sequence headers seen so far. */
    void begin(OutputStream out) throws IOException {
        base = -1;
        lastTimestamp = 0;
        out.write(FlvHeader.of(audio, video));
        for (LiveTag header : new LiveTag[] {metadata, videoHeader, audioHeader}) {
            if (header != null) write(header, 0, out);
        }
    }

    /** Appends {@code tag} (at the cursor's {@code timestamp}) to the current file. */
    void write(LiveTag tag, int timestamp, OutputStream out) throws IOException {
        if (tag.isHeader()) {
            switch (tag.type()) {
                case FlvTag.AUDIO -> audioHeader = tag;
                case FlvTag.VIDEO -> videoHeader = tag;
                default -> metadata = tag;
            }
        } else if (base < 0) {
            base = timestamp;
        }
        long time = base < 0 ? 0 : Math.max(0, timestamp - base);
        lastTimestamp = Math.max(lastTimestamp, time);
        byte[] frame = tag.flvFrame(); // shared with every other consumer: the timestamp goes in a copy of the header
        System.arraycopy(frame, 0, tagHeader, 0, FlvTag.HEADER_SIZE);
        FlvTag.writeTimestamp(tagHeader, 0, (int) time);
        out.write(tagHeader);
        out.write(frame, FlvTag.HEADER_SIZE, frame.length - FlvTag.HEADER_SIZE);
    }

    /** The timestamp of the current file's last tag: its media duration so far, in ms. */
    long durationMs() {
        return lastTimestamp;
    }
}
