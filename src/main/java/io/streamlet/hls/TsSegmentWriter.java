package io.streamlet.hls;

import io.streamlet.ts.Adts;
import io.streamlet.ts.AnnexB;
import io.streamlet.ts.StreamType;
import io.streamlet.ts.TsMuxer;
import java.io.ByteArrayOutputStream;
import java.util.List;

/**
 * MPEG-TS segments: each opens with the PAT and PMT; video goes out in Annex B form, AAC in ADTS, MP3 as
 * it is. The muxer, and so the continuity counters, carries on from one segment to the next.
 */
final class TsSegmentWriter implements SegmentWriter {
    private static final int MS_TO_90KHZ = 90;

    private final TsMuxer muxer;
    private final AnnexB annexB;
    private final Adts adts;

    /** @param video the video configuration or null; @param audio the audio configuration (null for none, or MP3) */
    TsSegmentWriter(CodecConfig video, StreamType videoType, CodecConfig audio, StreamType audioType) {
        this.muxer = new TsMuxer(videoType, audioType);
        this.annexB = videoType == null ? null : AnnexB.fromRecord(videoType, video.record());
        this.adts = audioType == StreamType.AAC ? Adts.fromAudioSpecificConfig(audio.record()) : null;
    }

    /** The stream type for a codec TS can carry, or null. */
    static StreamType videoType(String codec) {
        return switch (codec) {
            case "avc1" -> StreamType.H264;
            case "hvc1" -> StreamType.HEVC;
            default -> null;
        };
    }

    @Override
    public Segment.InitSegment init() {
        return null;
    }

    @Override
    public byte[] write(List<MediaFrame> frames) {
        int size = 0;
        for (MediaFrame f : frames) size += f.data().length;
        ByteArrayOutputStream out = new ByteArrayOutputStream(size + size / 16 + 2 * TsMuxer.PACKET_SIZE);
        muxer.writeTables(out);
        for (MediaFrame f : frames) {
            long dts = f.dts() * MS_TO_90KHZ;
            if (f.kind() == Media.Kind.VIDEO) {
                muxer.writeVideo(out, dts, dts + (long) f.cts() * MS_TO_90KHZ, f.keyframe(), annexB.accessUnit(f.data(), f.keyframe()));
            } else {
                muxer.writeAudio(out, dts, adts != null ? adts.frame(f.data()) : f.data());
            }
        }
        return out.toByteArray();
    }
}
