package io.streamlet.ts;

/**
 * Frames raw AAC access units (as FLV and MP4 carry them) in ADTS headers (ISO/IEC 13818-7 6.2, 7 bytes,
 * no CRC), the form MPEG-TS carries. The header's profile, sampling frequency index and channel
 * configuration come from the stream's AudioSpecificConfig (ISO/IEC 14496-3 1.6.2.1).
 */
public final class Adts {
    /** ADTS has 13 bits for the frame length, header included. */
    public static final int MAX_FRAME_LENGTH = 0x1FFF;
    private static final int HEADER_SIZE = 7;
    private static final int SBR = 5;
    private static final int PS = 29;

    private final int profile;
    private final int samplingIndex;
    private final int channels;

    private Adts(int profile, int samplingIndex, int channels) {
        this.profile = profile;
        this.samplingIndex = samplingIndex;
        this.channels = channels;
    }

    /**
     * Reads an AudioSpecificConfig. HE-AAC (SBR, PS) is signalled implicitly in ADTS: the header carries the
     * core object type and the core sampling frequency, as encoders do.
     * @throws IllegalArgumentException a config that ADTS cannot express (object types beyond 4, an explicit frequency)
     */
    public static Adts fromAudioSpecificConfig(byte[] config) {
        if (config.length < 2) throw new IllegalArgumentException("AudioSpecificConfig of " + config.length + " bytes");
        long bits = 0;
        for (int i = 0; i < Math.min(config.length, 8); i++) bits |= (config[i] & 0xFFL) << (56 - 8 * i);
        int objectType = (int) (bits >>> 59);
        int samplingIndex = (int) (bits >>> 55) & 0x0F;
        int channels = (int) (bits >>> 51) & 0x0F;
        if (samplingIndex > 12) throw new IllegalArgumentException("AAC sampling frequency index " + samplingIndex);
        if (channels == 0) throw new IllegalArgumentException("AAC channel configuration 0 (a PCE) is not supported");
        if (objectType == SBR || objectType == PS) {
            // extensionSamplingFrequencyIndex (4 bits), then the core's audioObjectType (5 bits)
            if (config.length < 3) throw new IllegalArgumentException("HE-AAC AudioSpecificConfig of " + config.length + " bytes");
            objectType = (int) (bits >>> 42) & 0x1F;
        }
        if (objectType < 1 || objectType > 4) {
            throw new IllegalArgumentException("AAC object type " + objectType + " cannot be carried in ADTS");
        }
        return new Adts(objectType - 1, samplingIndex, channels);
    }

    /** {@code raw} with its ADTS header. @throws IllegalArgumentException a frame too long for ADTS */
    public byte[] frame(byte[] raw) {
        int length = HEADER_SIZE + raw.length;
        if (length > MAX_FRAME_LENGTH) throw new IllegalArgumentException("AAC frame of " + raw.length + " bytes is too long for ADTS");
        byte[] out = new byte[length];
        out[0] = (byte) 0xFF; // syncword 0xFFF,
        out[1] = (byte) 0xF1; // MPEG-4, layer 0, protection_absent
        out[2] = (byte) (profile << 6 | samplingIndex << 2 | channels >>> 2);
        out[3] = (byte) ((channels & 0x03) << 6 | length >>> 11);
        out[4] = (byte) (length >>> 3);
        out[5] = (byte) ((length & 0x07) << 5 | 0x1F); // buffer fullness 0x7FF: variable bit rate
        out[6] = (byte) 0xFC; // rest of the fullness, one raw data block
        System.arraycopy(raw, 0, out, HEADER_SIZE, raw.length);
        return out;
    }
}
