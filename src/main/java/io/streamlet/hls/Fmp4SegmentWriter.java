package io.streamlet.hls;

import io.streamlet.mp4.Fmp4Muxer;
import io.streamlet.mp4.Track;
import java.util.ArrayList;
import java.util.List;

/**
 * fMP4 segments: one fragment per segment with a run per track; video is track 1, audio track 2. A
 * sample lasts until the next one of its track; the last of a segment as long as the one before it
 * (the next fragment's decode time corrects any difference).
 */
final class Fmp4SegmentWriter implements SegmentWriter {
    private final Track video;
    private final Track audio;
    private final Segment.InitSegment init;
    private final long[] lastDuration = new long[2];
    private int fragments;

    Fmp4SegmentWriter(CodecConfig video, CodecConfig audio, int initId) {
        this.video = video == null ? null
                : Track.video(1, codec(video.codec()), video.record(), video.width(), video.height());
        this.audio = audio == null ? null
                : Track.audio(video == null ? 1 : 2, codec(audio.codec()), audio.record(), audio.sampleRate(), audio.channels());
        List<Track> tracks = new ArrayList<>(2);
        if (this.video != null) tracks.add(this.video);
        if (this.audio != null) tracks.add(this.audio);
        this.init = new Segment.InitSegment(initId, Fmp4Muxer.initSegment(tracks));
        lastDuration[0] = Track.VIDEO_TIMESCALE / 30;
        if (this.audio != null) lastDuration[1] = this.audio.codec() == Track.Codec.OPUS ? 960 : 1024; // 20 ms; one AAC frame
    }

    /** The track codec for a codec fMP4 can carry, or null. */
    static Track.Codec codec(String codec) {
        return switch (codec) {
            case "avc1" -> Track.Codec.AVC;
            case "hvc1" -> Track.Codec.HEVC;
            case "av01" -> Track.Codec.AV1;
            case "mp4a" -> Track.Codec.AAC;
            case "Opus" -> Track.Codec.OPUS;
            default -> null;
        };
    }

    @Override
    public Segment.InitSegment init() {
        return init;
    }

    @Override
    public byte[] write(List<MediaFrame> frames) {
        List<Fmp4Muxer.Run> runs = new ArrayList<>(2);
        if (video != null) addRun(runs, video, 0, frames, Media.Kind.VIDEO);
        if (audio != null) addRun(runs, audio, 1, frames, Media.Kind.AUDIO);
        return Fmp4Muxer.fragment(++fragments, runs);
    }

    private void addRun(List<Fmp4Muxer.Run> runs, Track track, int slot, List<MediaFrame> frames, Media.Kind kind) {
        List<MediaFrame> own = frames.stream().filter(f -> f.kind() == kind).toList();
        if (own.isEmpty()) return;
        List<Fmp4Muxer.Sample> samples = new ArrayList<>(own.size());
        for (int i = 0; i < own.size(); i++) {
            MediaFrame f = own.get(i);
            if (i + 1 < own.size()) lastDuration[slot] = Math.max(0, time(track, own.get(i + 1).dts()) - time(track, f.dts()));
            boolean sync = kind == Media.Kind.AUDIO || f.keyframe();
            samples.add(new Fmp4Muxer.Sample((int) lastDuration[slot], (int) time(track, f.cts()), sync, f.data()));
        }
        runs.add(new Fmp4Muxer.Run(track, time(track, own.get(0).dts()), samples));
    }

    /** Milliseconds in the track's time scale. */
    private static long time(Track track, long ms) {
        return Math.round(ms * (double) track.timescale() / 1000);
    }
}
