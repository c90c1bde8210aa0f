package io.streamlet.flv;

import java.util.Arrays;
import java.util.Map;

/**
 * What the HTTP API shows of a stream's codecs, read once from each sequence header: video codec,
 * profile, level and picture size (AVC from its AVCDecoderConfigurationRecord and SPS, HEVC from its
 * HEVCDecoderConfigurationRecord, the size of others from {@code onMetaData}); audio codec, profile,
 * sample rate and channels (AAC from its AudioSpecificConfig, legacy formats from the tag header).
 *
 * <p>Names follow SRS's API ({@code H264}, {@code High}, {@code 3.1}; {@code AAC}, {@code LC}). A field
 * the header does not carry is null (text) or 0 (numbers); a malformed header gives what could be read
 * rather than an exception, since these details are informative only.
 */
public final class CodecDetails {
    private CodecDetails() {}

    /** @param width pixels, 0 when unknown */
    public record Video(String codec, String profile, String level, int width, int height) {
        private static final int CONFIG_RECORD_OFFSET = 5;

        /**
         * Details from a video sequence header's tag body (legacy or Enhanced RTMP); the picture size
         * falls back to {@code metadata}'s {@code width}/{@code height} when the header does not give it.
         */
        public static Video parse(byte[] body, Map<String, Object> metadata) {
            String fourCc = MediaInfo.video(body).codec();
            // The record follows the flags byte and either the packet type and 3-byte CTS (legacy) or the FourCC
            // of a plain Enhanced RTMP SequenceStart; multitrack and ModEx headers are not looked into.
            boolean enhanced = (body[0] & 0x80) != 0;
            boolean readable = !enhanced || (body[0] & 0x0F) == 0;
            Video parsed = switch (readable ? fourCc : "") {
                case "avc1" -> avc(body, CONFIG_RECORD_OFFSET);
                case "hvc1" -> hevc(body, CONFIG_RECORD_OFFSET);
                default -> new Video(videoCodecName(fourCc), null, null, 0, 0);
            };
            if (parsed.width > 0 && parsed.height > 0) return parsed;
            return new Video(parsed.codec, parsed.profile, parsed.level,
                    metadataInt(metadata, "width"), metadataInt(metadata, "height"));
        }

        private static Video avc(byte[] b, int at) {
            // AVCDecoderConfigurationRecord: version, profile, compatibility, level, lengthSize, SPS count, SPS length, SPS.
            if (b.length < at + 4) return new Video("H264", null, null, 0, 0);
            int profileIdc = b[at + 1] & 0xFF;
            int constraints = b[at + 2] & 0xFF;
            String profile = avcProfile(profileIdc, constraints);
            String level = levelName((b[at + 3] & 0xFF) / 10.0);
            int width = 0;
            int height = 0;
            if (b.length >= at + 8 && (b[at + 5] & 0x1F) > 0) {
                int spsLength = ((b[at + 6] & 0xFF) << 8) | (b[at + 7] & 0xFF);
                int sps = at + 8;
                if (spsLength > 1 && b.length >= sps + spsLength) {
                    int[] size = AvcSps.pictureSize(b, sps + 1, spsLength - 1); // after the NAL header byte
                    if (size != null) {
                        width = size[0];
                        height = size[1];
                    }
                }
            }
            return new Video("H264", profile, level, width, height);
        }

        private static Video hevc(byte[] b, int at) {
            // HEVCDecoderConfigurationRecord: version, profile space/tier/profile idc, 4 bytes of compatibility
            // flags, 6 of constraint flags, then general_level_idc (30 × the level).
            if (b.length < at + 13) return new Video("H265", null, null, 0, 0);
            int profileIdc = b[at + 1] & 0x1F;
            String profile = switch (profileIdc) {
                case 1 -> "Main";
                case 2 -> "Main10";
                case 3 -> "Main Still Picture";
                case 4 -> "RExt";
                default -> "Other";
            };
            return new Video("H265", profile, levelName((b[at + 12] & 0xFF) / 30.0), 0, 0);
        }

        private static String avcProfile(int profileIdc, int constraints) {
            return switch (profileIdc) {
                case 66 -> (constraints & 0x40) != 0 ? "Constrained Baseline" : "Baseline";
                case 77 -> "Main";
                case 88 -> "Extended";
                case 100 -> "High";
                case 110 -> "High 10";
                case 122 -> "High 4:2:2";
                case 244 -> "High 4:4:4";
                default -> "Other";
            };
        }

        private static String videoCodecName(String fourCc) {
            return switch (fourCc) {
                case "av01" -> "AV1";
                case "vp09", "vp9" -> "VP9";
                case "vp08", "vp8" -> "VP8";
                case "vp6f", "vp6a" -> "VP6";
                case "h263" -> "H263";
                default -> fourCc;
            };
        }
    }

    /** @param sampleRate Hz, 0 when unknown; @param channels 0 when unknown */
    public record Audio(String codec, String profile, int sampleRate, int channels) {
        private static final int[] AAC_SAMPLE_RATES = {
            96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050, 16000, 12000, 11025, 8000, 7350
        };
        private static final int[] FLV_SAMPLE_RATES = {5512, 11025, 22050, 44100};

        /** Details from an audio sequence header's tag body (legacy or Enhanced RTMP). */
        public static Audio parse(byte[] body) {
            String fourCc = MediaInfo.audio(body).codec();
            if ((body[0] & 0xF0) >>> 4 == 9) return new Audio(audioCodecName(fourCc), null, 0, 0); // Enhanced RTMP
            int flvRate = FLV_SAMPLE_RATES[(body[0] >>> 2) & 0x03];
            int flvChannels = (body[0] & 0x01) + 1;
            if (!fourCc.equals("mp4a")) return new Audio(audioCodecName(fourCc), null, flvRate, flvChannels);
            return aac(body, 2, flvRate, flvChannels);
        }

        /** AudioSpecificConfig: 5-bit object type (31: 6 more), 4-bit rate index (15: 24-bit rate), 4-bit channels. */
        private static Audio aac(byte[] b, int at, int flvRate, int flvChannels) {
            if (b.length < at + 2) return new Audio("AAC", null, flvRate, flvChannels);
            BitReader bits = new BitReader(b, at, b.length - at);
            int objectType = bits.bits(5);
            if (objectType == 31) objectType = 32 + bits.bits(6);
            int rateIndex = bits.bits(4);
            int rate = rateIndex == 15 ? bits.bits(24) : rateIndex < AAC_SAMPLE_RATES.length ? AAC_SAMPLE_RATES[rateIndex] : 0;
            int channelConfig = bits.bits(4);
            if (bits.overrun()) return new Audio("AAC", null, flvRate, flvChannels);
            String profile = switch (objectType) {
                case 1 -> "Main";
                case 2 -> "LC";
                case 3 -> "SSR";
                case 5 -> "HE";
                case 29 -> "HEv2";
                default -> "Other";
            };
            // Configuration 7 is 7.1 (8 channels); 0 means the channels are described in the stream itself.
            int channels = channelConfig == 7 ? 8 : channelConfig > 0 && channelConfig < 7 ? channelConfig : flvChannels;
            return new Audio("AAC", profile, rate, channels);
        }

        private static String audioCodecName(String fourCc) {
            return switch (fourCc) {
                case "mp4a" -> "AAC";
                case ".mp3" -> "MP3";
                case "Opus" -> "Opus";
                case "fLaC" -> "FLAC";
                case "ac-3" -> "AC3";
                case "ec-3" -> "EAC3";
                case "spx" -> "Speex";
                case "alaw" -> "G711A";
                case "ulaw" -> "G711U";
                default -> fourCc;
            };
        }
    }

    private static String levelName(double level) {
        return level == Math.rint(level) ? Integer.toString((int) level) : Double.toString(Math.round(level * 10) / 10.0);
    }

    private static int metadataInt(Map<String, Object> metadata, String key) {
        return metadata.get(key) instanceof Number n && n.doubleValue() > 0 && n.doubleValue() < 1 << 16 ? n.intValue() : 0;
    }

    /** The picture size an H.264 sequence parameter set (ITU-T H.264 7.3.2.1.1) declares, after cropping. */
    static final class AvcSps {
        private AvcSps() {}

        /** {@code {width, height}}, or null if the SPS is truncated or malformed. */
        static int[] pictureSize(byte[] b, int off, int len) {
            BitReader r = new BitReader(unescape(b, off, len), 0, -1);
            int profileIdc = r.bits(8);
            r.bits(16); // constraint flags, level_idc
            r.ue(); // seq_parameter_set_id
            int chromaFormat = 1;
            boolean separateColourPlanes = false;
            if (hasChromaInfo(profileIdc)) {
                chromaFormat = r.ue();
                if (chromaFormat == 3) separateColourPlanes = r.bit();
                r.ue(); // bit_depth_luma_minus8
                r.ue(); // bit_depth_chroma_minus8
                r.bit(); // qpprime_y_zero_transform_bypass_flag
                if (r.bit()) { // seq_scaling_matrix_present_flag
                    for (int i = 0; i < (chromaFormat == 3 ? 12 : 8); i++) {
                        if (r.bit()) skipScalingList(r, i < 6 ? 16 : 64);
                    }
                }
            }
            r.ue(); // log2_max_frame_num_minus4
            int pocType = r.ue();
            if (pocType == 0) {
                r.ue(); // log2_max_pic_order_cnt_lsb_minus4
            } else if (pocType == 1) {
                r.bit(); // delta_pic_order_always_zero_flag
                r.se(); // offset_for_non_ref_pic
                r.se(); // offset_for_top_to_bottom_field
                int cycle = r.ue();
                if (cycle > 255) return null;
                for (int i = 0; i < cycle; i++) r.se();
            }
            r.ue(); // max_num_ref_frames
            r.bit(); // gaps_in_frame_num_value_allowed_flag
            int widthMbs = r.ue() + 1;
            int heightMapUnits = r.ue() + 1;
            boolean frameMbsOnly = r.bit();
            if (!frameMbsOnly) r.bit(); // mb_adaptive_frame_field_flag
            r.bit(); // direct_8x8_inference_flag
            int cropLeft = 0, cropRight = 0, cropTop = 0, cropBottom = 0;
            if (r.bit()) {
                cropLeft = r.ue();
                cropRight = r.ue();
                cropTop = r.ue();
                cropBottom = r.ue();
            }
            if (r.overrun() || widthMbs > 1024 || heightMapUnits > 1024) return null;
            int fieldFactor = frameMbsOnly ? 1 : 2;
            boolean subsampled = chromaFormat != 0 && !separateColourPlanes;
            int cropUnitX = subsampled && chromaFormat < 3 ? 2 : 1;
            int cropUnitY = (subsampled && chromaFormat == 1 ? 2 : 1) * fieldFactor;
            // In long: crops as large as ue() reads would overflow an int and turn the size positive again.
            long width = widthMbs * 16L - cropUnitX * ((long) cropLeft + cropRight);
            long height = fieldFactor * heightMapUnits * 16L - cropUnitY * ((long) cropTop + cropBottom);
            return width > 0 && height > 0 ? new int[] {(int) width, (int) height} : null;
        }

        private static boolean hasChromaInfo(int profileIdc) {
            return switch (profileIdc) {
                case 100, 110, 122, 244, 44, 83, 86, 118, 128, 138, 139, 134, 135 -> true;
                default -> false;
            };
        }

        private static void skipScalingList(BitReader r, int size) {
            int last = 8;
            int next = 8;
            for (int j = 0; j < size && next != 0; j++) {
                next = (last + r.se() + 256) % 256;
                if (next != 0) last = next;
            }
        }

        /** Removes emulation prevention bytes (the 3 of each 00 00 03). */
        private static byte[] unescape(byte[] b, int off, int len) {
            byte[] out = new byte[len];
            int n = 0;
            int zeros = 0;
            for (int i = off; i < off + len; i++) {
                if (zeros >= 2 && b[i] == 3) {
                    zeros = 0;
                    continue;
                }
                zeros = b[i] == 0 ? zeros + 1 : 0;
                out[n++] = b[i];
            }
            return Arrays.copyOf(out, n);
        }
    }

    /** Reads big-endian bits; reading past the end yields zeros and sets {@link #overrun}. */
    static final class BitReader {
        private final byte[] b;
        private final long endBit;
        private long pos;

        /** @param len bytes to read from {@code off}, or -1 for the rest of the array */
        BitReader(byte[] b, int off, int len) {
            this.b = b;
            this.pos = (long) off * 8;
            this.endBit = (long) (len < 0 ? b.length : off + len) * 8;
        }

        boolean bit() {
            if (pos >= endBit) {
                pos++;
                return false;
            }
            boolean set = ((b[(int) (pos >>> 3)] >>> (7 - (pos & 7))) & 1) != 0;
            pos++;
            return set;
        }

        int bits(int n) {
            int v = 0;
            for (int i = 0; i < n; i++) v = (v << 1) | (bit() ? 1 : 0);
            return v;
        }

        /** Unsigned Exp-Golomb; a code of more than 30 leading zeros (a value past an int) reads as overrun. */
        int ue() {
            int zeros = 0;
            while (!bit()) {
                if (++zeros > 30 || overrun()) {
                    pos = endBit + 1;
                    return 0;
                }
            }
            return (int) ((1L << zeros) - 1 + bits(zeros));
        }

        /** Signed Exp-Golomb. */
        int se() {
            int k = ue();
            return (k & 1) != 0 ? (k + 1) / 2 : -(k / 2);
        }

        boolean overrun() {
            return pos > endBit;
        }
    }
}
