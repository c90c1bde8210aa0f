package io.streamlet.ts;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * Turns H.264 / HEVC samples as FLV and MP4 carry them (NAL units each preceded by its length, the
 * parameter sets apart in the {@code avcC} / {@code hvcC} record) into the Annex B byte stream MPEG-TS
 * carries: each access unit opens with an access unit delimiter (TS demuxers split frames on it), every
 * NAL unit follows a start code, and a keyframe carries the parameter sets so that a player can start
 * at any segment.
 */
public final class AnnexB {
    private static final byte[] START_CODE = {0, 0, 0, 1};
    // primary_pic_type 7 (any slice type) + stop bit
    private static final byte[] H264_AUD = {0, 0, 0, 1, 0x09, (byte) 0xF0};
    // NAL header type 35, layer 0, temporal id 1; pic_type 2 (I, P or B) + stop bit
    private static final byte[] HEVC_AUD = {0, 0, 0, 1, 0x46, 0x01, 0x50};

    private final StreamType codec;
    private final int lengthSize;
    /** The record's parameter sets, each with its start code. */
    private final byte[] parameterSets;

    private AnnexB(StreamType codec, int lengthSize, List<byte[]> nalUnits) {
        this.codec = codec;
        this.lengthSize = lengthSize;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] nal : nalUnits) {
            out.writeBytes(START_CODE);
            out.writeBytes(nal);
        }
        this.parameterSets = out.toByteArray();
    }

    /**
     * From an AVCDecoderConfigurationRecord (ISO/IEC 14496-15 5.3.3.1) or an HEVCDecoderConfigurationRecord (8.3.3.1).
     * @throws IllegalArgumentException a record that is truncated or of another codec
     */
    public static AnnexB fromRecord(StreamType codec, byte[] record) {
        return switch (codec) {
            case H264 -> fromAvcC(record);
            case HEVC -> fromHvcC(record);
            default -> throw new IllegalArgumentException(codec + " is not a video codec");
        };
    }

    private static AnnexB fromAvcC(byte[] r) {
        if (r.length < 7 || r[0] != 1) throw new IllegalArgumentException("not an avcC record (" + r.length + " bytes)");
        List<byte[]> nals = new ArrayList<>();
        int at = readNalUnits(r, 6, r[5] & 0x1F, nals, "SPS");
        if (at >= r.length) throw new IllegalArgumentException("avcC record without a PPS count");
        readNalUnits(r, at + 1, r[at] & 0xFF, nals, "PPS");
        return new AnnexB(StreamType.H264, (r[4] & 0x03) + 1, nals);
    }

    private static AnnexB fromHvcC(byte[] r) {
        if (r.length < 23 || r[0] != 1) throw new IllegalArgumentException("not an hvcC record (" + r.length + " bytes)");
        List<byte[]> nals = new ArrayList<>();
        int at = 23;
        for (int array = 0; array < (r[22] & 0xFF); array++) {
            if (at + 3 > r.length) throw new IllegalArgumentException("hvcC record truncated in array " + array);
            at = readNalUnits(r, at + 3, u16(r, at + 1), nals, "hvcC array " + array);
        }
        return new AnnexB(StreamType.HEVC, (r[21] & 0x03) + 1, nals);
    }

    /** Reads {@code count} NAL units, each after a 16-bit length, into {@code out}; returns the offset after them. */
    private static int readNalUnits(byte[] r, int at, int count, List<byte[]> out, String what) {
        for (int i = 0; i < count; i++) {
            if (at + 2 > r.length || at + 2 + u16(r, at) > r.length) {
                throw new IllegalArgumentException("configuration record truncated in " + what);
            }
            int length = u16(r, at);
            byte[] nal = new byte[length];
            System.arraycopy(r, at + 2, nal, 0, length);
            out.add(nal);
            at += 2 + length;
        }
        return at;
    }

    /**
     * One access unit in Annex B form. The record's parameter sets go before a keyframe unless the sample
     * brings its own (an encoder that repeats them in band may have changed them); delimiters already in
     * the sample are dropped, since one is written first.
     * @throws IllegalArgumentException a NAL unit length that runs past the end of the sample
     */
    public byte[] accessUnit(byte[] sample, boolean keyframe) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(sample.length + parameterSets.length + 32);
        out.writeBytes(codec == StreamType.HEVC ? HEVC_AUD : H264_AUD);
        if (keyframe && !hasParameterSets(sample)) out.writeBytes(parameterSets);
        for (int at = 0; at < sample.length; ) {
            int length = nalLength(sample, at);
            int nal = at + lengthSize;
            if (length > 0 && !isDelimiter(sample[nal])) {
                out.writeBytes(START_CODE);
                out.write(sample, nal, length);
            }
            at = nal + length;
        }
        return out.toByteArray();
    }

    /**
     * Checks that a sample's NAL units, each after its length, fill it exactly, as {@link #accessUnit} needs.
     * @throws IllegalArgumentException a NAL unit length that runs past the end of the sample
     */
    public void checkSample(byte[] sample) {
        for (int at = 0; at < sample.length; ) at += lengthSize + nalLength(sample, at);
    }

    private boolean hasParameterSets(byte[] sample) {
        for (int at = 0; at < sample.length; ) {
            int length = nalLength(sample, at);
            int nal = at + lengthSize;
            if (length > 0 && isSps(sample[nal])) return true;
            at = nal + length;
        }
        return false;
    }

    private int nalLength(byte[] sample, int at) {
        if (at + lengthSize > sample.length) throw new IllegalArgumentException("NAL unit length truncated at " + at);
        long length = 0;
        for (int i = 0; i < lengthSize; i++) length = (length << 8) | (sample[at + i] & 0xFF);
        if (length > sample.length - at - lengthSize) {
            throw new IllegalArgumentException("NAL unit of " + length + " bytes at " + at + " runs past the "
                    + sample.length + "-byte sample");
        }
        return (int) length;
    }

    private boolean isDelimiter(byte header) {
        return codec == StreamType.HEVC ? (header >>> 1 & 0x3F) == 35 : (header & 0x1F) == 9;
    }

    private boolean isSps(byte header) {
        return codec == StreamType.HEVC ? (header >>> 1 & 0x3F) == 33 : (header & 0x1F) == 7;
    }

    private static int u16(byte[] b, int at) {
        return (b[at] & 0xFF) << 8 | b[at + 1] & 0xFF;
    }
}
