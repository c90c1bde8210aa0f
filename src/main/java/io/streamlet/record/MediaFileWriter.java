package io.streamlet.record;

import io.streamlet.flv.FlvTag;
import io.streamlet.live.LiveTag;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Path;

/**
 * Writes what one lossless cursor yields as files, each playable alone: the metadata and sequence headers,
 * media from a keyframe, timestamps from 0. Under the segment plan each later file starts with the metadata
 * and sequence headers current at its cut again, then the keyframe it was cut at. The format is the
 * subclass's: FLV ({@link FlvFileWriter}) or fragmented MP4 ({@link Mp4FileWriter}).
 *
 * <p>One cursor serves every file of a recording, so no tag is lost or repeated at a cut; a new cursor per
 * file would join at the source's newest keyframe, not where the last file stopped.
 */
abstract sealed class MediaFileWriter permits FlvFileWriter, Mp4FileWriter {
    private final DvrConfig.Plan plan;
    private final long segmentMs;
    protected final boolean audio;
    protected final boolean video;

    // The latest of each, written again at the start of every file after the first.
    protected LiveTag metadata;
    protected LiveTag videoHeader;
    protected LiveTag audioHeader;

    /** The cursor time of the current file's first media tag (its time 0); -1 before that tag. */
    private long base = -1;
    private long lastTimestamp;

    /** @param audio @param video the stream's tracks, as the cursor gives them once started */
    MediaFileWriter(DvrConfig.Plan plan, long segmentMs, boolean audio, boolean video) {
        this.plan = plan;
        this.segmentMs = segmentMs;
        this.audio = audio;
        this.video = video;
    }

    /** The writer for the format {@code config}'s path names. */
    static MediaFileWriter of(DvrConfig config, boolean audio, boolean video) {
        return config.path().isMp4()
                ? new Mp4FileWriter(config.plan(), config.segmentMs(), audio, video)
                : new FlvFileWriter(config.plan(), config.segmentMs(), audio, video);
    }

    /**
     * Whether {@code tag} opens a new file: under the segment plan, the first point a player can start from
     * (a video keyframe; any audio frame of an audio-only stream) once the current file holds a segment's length.
     */
    boolean cutsBefore(LiveTag tag, int timestamp) {
        if (plan != DvrConfig.Plan.SEGMENT || !hasMedia() || tag.isHeader()) return false;
        boolean startPoint = video ? tag.type() == FlvTag.VIDEO && tag.isKeyframe() : tag.type() == FlvTag.AUDIO;
        return startPoint && timestamp - base >= segmentMs;
    }

    /** Whether the current file has had a media tag. */
    protected final boolean hasMedia() {
        return base >= 0;
    }

    /** Starts a new file on {@code out}, with the metadata and sequence headers seen so far. */
    final void begin(OutputStream out) throws IOException {
        base = -1;
        lastTimestamp = 0;
        start(out);
    }

    /** Appends {@code tag} (at the cursor's {@code timestamp}) to the current file. */
    final void write(LiveTag tag, int timestamp, OutputStream out) throws IOException {
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
        append(tag, time, out);
    }

    /** Writes what the current file still holds back, before it is closed. */
    void end(OutputStream out) throws IOException {}

    /** Amends the closed file, now {@code bytes} long, where its format wants its length told at its start. */
    void closed(Path file, long bytes) throws IOException {}

    /** The timestamp of the current file's last tag: its media duration so far, in ms. */
    long durationMs() {
        return lastTimestamp;
    }

    /** Writes the start of a file: its header, then the metadata and sequence headers kept. */
    protected abstract void start(OutputStream out) throws IOException;

    /** Writes {@code tag} at {@code time}, in ms from the file's start. */
    protected abstract void append(LiveTag tag, long time, OutputStream out) throws IOException;
}
