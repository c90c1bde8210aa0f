package io.streamlet.hls;

import io.streamlet.ts.AnnexB;
import io.streamlet.ts.StreamType;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;

/**
 * Cuts a stream into HLS segments. A segment begins at a keyframe and ends at the first keyframe at
 * least {@link Options#fragmentMs} after its start; a stream without video is cut on time alone. A stream
 * whose keyframes are too far apart (or never come again) is cut anyway at {@link Options#maxSegmentMs}
 * or {@link Options#maxSegmentBytes}, at any frame, so that no segment grows without bound; such a
 * segment says so ({@link Segment#cutAtLimit}). Video before the first keyframe is dropped, and so is the
 * audio beside it, since no segment could start with it.
 *
 * <p>The container is MPEG-TS for H.264 with AAC or MP3 and fMP4 for the codecs TS players lack (HEVC,
 * AV1, Opus), unless {@link Options#container} says otherwise. Media of a codec the container cannot
 * carry (VP8, FLAC, or MP3 beside HEVC...) and frames of a codec whose configuration has not come are
 * left out, and so is bad media ({@link #accept} says what with an exception): a frame whose NAL units do not fill
 * it, a configuration record that cannot be read. A change of configuration or of tracks closes the segment, and the next is marked as a
 * discontinuity, as is the first after {@link #discontinuity}.
 *
 * <p>Frames are kept until their segment closes (fMP4 needs each sample's duration, which the next frame
 * gives), then muxed at once and handed to the sink. Not thread-safe: one caller at a time.
 */
public final class Segmenter {
    /** Which container the segments use. */
    public enum Container {
        /** MPEG-TS when every codec allows it (H.264, AAC, MP3), fMP4 otherwise. */
        AUTO,
        MPEG_TS,
        FMP4
    }

    /**
     * @param fragmentMs the shortest segment that a keyframe ends (the target duration)
     * @param maxSegmentMs the longest a segment gets when keyframes do not come
     * @param maxSegmentBytes the most media a segment holds when keyframes do not come
     */
    public record Options(long fragmentMs, long maxSegmentMs, long maxSegmentBytes, Container container) {
        public Options {
            if (fragmentMs <= 0 || maxSegmentMs < fragmentMs || maxSegmentBytes <= 0) {
                throw new IllegalArgumentException("fragment " + fragmentMs + " ms, limits " + maxSegmentMs + " ms, "
                        + maxSegmentBytes + " bytes");
            }
        }

        /** Segments of {@code fragmentMs}; at most 3 times that, or 64 MiB, when keyframes are missing. */
        public static Options of(long fragmentMs) {
            return new Options(fragmentMs, 3 * fragmentMs, 64L << 20, Container.AUTO);
        }
    }

    private static final long DEFAULT_VIDEO_INTERVAL_MS = 33;
    private static final long DEFAULT_AUDIO_INTERVAL_MS = 23;

    private final Options options;
    private final Consumer<Segment> sink;
    private CodecConfig videoConfig;
    private CodecConfig audioConfig;
    /** Checks the NAL units of H.264/HEVC frames against {@link #videoConfig}'s length size; null for other codecs. */
    private AnnexB videoNalUnits;
    /** MPEG-1 or -2 audio, once MP3 frames came: MP3 has no configuration to announce it. */
    private StreamType mp3Type;

    private SegmentWriter writer;
    private Tracks writerTracks;
    private int initSegments;
    private long nextSequence;
    private boolean discontinuity;

    private final List<MediaFrame> frames = new ArrayList<>();
    private boolean open;
    private long segmentStart;
    private long segmentEnd;
    private long segmentBytes;
    private final long[] lastDts = {-1, -1};
    private final long[] interval = {DEFAULT_VIDEO_INTERVAL_MS, DEFAULT_AUDIO_INTERVAL_MS};

    public Segmenter(Options options, Consumer<Segment> sink) {
        this.options = options;
        this.sink = sink;
    }

    /**
     * Takes the next configuration or frame, in decode order.
     * @throws IllegalArgumentException bad media, the message says what was lost: an H.264/HEVC configuration
     *     record that cannot be read or a frame whose NAL units do not fill it is refused and nothing else
     *     changes; media that only the muxer finds it cannot carry (an AAC frame too long for ADTS...), found
     *     when its segment is muxed, loses that segment and the frame that closed it, and the next segment is
     *     a discontinuity
     */
    public void accept(Media media) {
        if (media instanceof CodecConfig config) {
            configure(config);
        } else {
            add((MediaFrame) media);
        }
    }

    /**
     * Closes the open segment; the next one is marked as a discontinuity (a republish, a timestamp reset).
     * @throws IllegalArgumentException the open segment could not be muxed and is lost (as for {@link #accept})
     */
    public void discontinuity() {
        try {
            finish();
        } finally {
            writer = null;
            discontinuity = true;
            Arrays.fill(lastDts, -1);
        }
    }

    /**
     * Closes the open segment, if any: the stream ended.
     * @throws IllegalArgumentException the open segment could not be muxed and is lost (as for {@link #accept})
     */
    public void finish() {
        if (open) close(segmentEnd, false);
    }

    /** The sequence number the next segment will get. */
    public long nextSequence() {
        return nextSequence;
    }

    private void configure(CodecConfig config) {
        boolean video = config.kind() == Media.Kind.VIDEO;
        CodecConfig old = video ? videoConfig : audioConfig;
        if (old != null && old.codec().equals(config.codec()) && Arrays.equals(old.record(), config.record())) return;
        StreamType nalCodec = video ? TsSegmentWriter.videoType(config.codec()) : null;
        AnnexB nalUnits;
        try {
            nalUnits = nalCodec == null ? null : AnnexB.fromRecord(nalCodec, config.record());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(config.codec() + " configuration left out: " + e.getMessage(), e);
        }
        if (writer != null || open) { // the tracks change under segments already made
            finish();
            writer = null;
            discontinuity = true;
        }
        if (video) {
            videoConfig = config;
            videoNalUnits = nalUnits;
        } else {
            audioConfig = config;
        }
    }

    private void add(MediaFrame f) {
        boolean video = f.kind() == Media.Kind.VIDEO;
        if (!carried(f)) return;
        if (video && videoNalUnits != null) {
            try {
                videoNalUnits.checkSample(f.data());
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(f.codec() + (f.keyframe() ? " keyframe" : " frame") + " at " + f.dts()
                        + " ms left out: " + e.getMessage(), e);
            }
        }
        if (!video && f.codec().equals(".mp3") && mp3Type == null) mp3Type = StreamType.ofMp3(f.data());
        boolean hasVideo = videoConfig != null && carriedVideo(videoConfig.codec());
        boolean boundary = hasVideo ? video && f.keyframe() : !video;
        if (!open) {
            if (!boundary) return;
        } else {
            long elapsed = f.dts() - segmentStart;
            if (boundary && elapsed >= options.fragmentMs()) {
                close(f.dts(), false);
            } else if (elapsed >= options.maxSegmentMs() || segmentBytes + f.data().length > options.maxSegmentBytes()) {
                close(f.dts(), true);
            }
        }
        if (!open) {
            open = true;
            segmentStart = f.dts();
            segmentEnd = f.dts();
        }
        int slot = video ? 0 : 1;
        if (lastDts[slot] >= 0 && f.dts() > lastDts[slot]) interval[slot] = f.dts() - lastDts[slot];
        lastDts[slot] = f.dts();
        segmentEnd = Math.max(segmentEnd, f.dts() + interval[slot]);
        segmentBytes += f.data().length;
        frames.add(f);
    }

    /** Whether the frame's track goes into the segments: its configuration came, and a container carries it. */
    private boolean carried(MediaFrame f) {
        if (f.kind() == Media.Kind.VIDEO) {
            return videoConfig != null && f.codec().equals(videoConfig.codec()) && carriedVideo(f.codec());
        }
        if (f.codec().equals(".mp3")) return audioConfig == null && options.container() != Container.FMP4;
        return audioConfig != null && f.codec().equals(audioConfig.codec()) && carriedAudio(f.codec());
    }

    private boolean carriedVideo(String codec) {
        return switch (options.container()) {
            case MPEG_TS -> TsSegmentWriter.videoType(codec) != null;
            case FMP4, AUTO -> Fmp4SegmentWriter.codec(codec) != null;
        };
    }

    private boolean carriedAudio(String codec) {
        return switch (options.container()) {
            case MPEG_TS -> codec.equals("mp4a");
            case FMP4, AUTO -> Fmp4SegmentWriter.codec(codec) != null;
        };
    }

    private void close(long endDts, boolean cutAtLimit) {
        List<MediaFrame> segmentFrames = List.copyOf(frames);
        frames.clear();
        open = false;
        segmentBytes = 0;
        SegmentWriter current;
        byte[] data;
        try {
            current = writer();
            data = current.write(segmentFrames.stream().filter(writerTracks::contains).toList());
        } catch (IllegalArgumentException e) {
            writer = null;
            discontinuity = true;
            throw new IllegalArgumentException("segment " + nextSequence + " (" + segmentFrames.size() + " frames from "
                    + segmentStart + " ms) dropped: " + e.getMessage(), e);
        }
        Segment segment = new Segment(nextSequence++, data, segmentStart, Math.max(0, endDts - segmentStart),
                discontinuity, cutAtLimit, current.init());
        discontinuity = false;
        sink.accept(segment);
    }

    /** The writer for the tracks the stream has now; a new one (and a discontinuity) when they changed. */
    private SegmentWriter writer() {
        boolean hasVideo = videoConfig != null && carriedVideo(videoConfig.codec());
        CodecConfig video = hasVideo ? videoConfig : null;
        CodecConfig audio = audioConfig != null && carriedAudio(audioConfig.codec()) ? audioConfig : null;
        StreamType videoType = video == null ? null : TsSegmentWriter.videoType(video.codec());
        StreamType audioType = audio != null ? StreamType.AAC : mp3Type;
        boolean ts = switch (options.container()) {
            case MPEG_TS -> true;
            case FMP4 -> false;
            case AUTO -> (video == null || videoType == StreamType.H264) && (audio == null || audioType == StreamType.AAC);
        };
        Tracks tracks = new Tracks(ts, video, audio, ts ? audioType : null); // MP3 in fMP4 is not done
        if (writer != null && tracks.equals(writerTracks)) return writer;
        if (writer != null) discontinuity = true;
        writer = ts ? new TsSegmentWriter(video, videoType, audio, audioType)
                : new Fmp4SegmentWriter(video, audio, initSegments++);
        writerTracks = tracks;
        return writer;
    }

    /** What a writer was made for: the container, the configurations, and the TS audio stream type. */
    private record Tracks(boolean ts, CodecConfig video, CodecConfig audio, StreamType audioType) {
        boolean contains(MediaFrame f) {
            if (f.kind() == Media.Kind.VIDEO) return video != null;
            return f.codec().equals(".mp3") ? audioType != null && audio == null : audio != null;
        }
    }
}
