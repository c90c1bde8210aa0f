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
    /** How much audio one PES packet holds at most; the PCR must come at least every 100 ms (2.7.2). */
    private static final long MAX_AUDIO_PES_MS = 80;

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
        ByteArrayOutputStream audio = new ByteArrayOutputStream();
        for (int i = 0; i < frames.size(); i++) {
            MediaFrame f = frames.get(i);
            long dts = f.dts() * MS_TO_90KHZ;
            if (f.kind() == Media.Kind.VIDEO) {
                muxer.writeVideo(out, dts, dts + (long) f.cts() * MS_TO_90KHZ, f.keyframe(), annexB.accessUnit(f.data(), f.keyframe()));
                continue;
            }
            // Audio frames in a row share a PES packet (a PES header and a packet's padding per 20 ms frame would
            // add half again to an audio-only stream), as long as the PCR they may carry stays frequent enough.
            audio.reset();
            int next = i;
            do {
                MediaFrame a = frames.get(next++);
                audio.writeBytes(adts != null ? adts.frame(a.data()) : a.data());
            } while (next < frames.size() && frames.get(next).kind() == Media.Kind.AUDIO
                    && frames.get(next).dts() - f.dts() < MAX_AUDIO_PES_MS);
            muxer.writeAudio(out, dts, audio.toByteArray());
            i = next - 1;
        }
        return out.toByteArray();
    }
}
