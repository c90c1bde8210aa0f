package io.streamlet.testing;

import io.streamlet.flv.FlvReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Three seconds of real media from ffmpeg, split into the frames a container carries and with the
 * codec configuration that MP4 and Enhanced RTMP put first: HEVC or AV1 video of {@code testsrc2} (30 fps,
 * a keyframe every 30 frames) with {@code hvcC} built from the VPS/SPS/PPS or {@code av1C} from the
 * sequence header OBU; Opus audio of a sine tone (20 ms packets) with its ID header ({@code OpusHead}).
 *
 * <p>{@link #flvTags} gives H.264 with AAC or MP3 as tags of ffmpeg's FLV muxer.
 *
 * <p>ffmpeg writes a raw bitstream (HEVC Annex B, AV1 low-overhead OBUs) or Ogg for Opus; it is kept in
 * the build directory, so only the first run of a build encodes.
 */
public final class EncodedMedia {
    private static final int SECONDS = 3;
    private static final int VIDEO_FRAME_RATE = 30;

    /** The codecs, with the ffmpeg encoder and output format that produce them. */
    public enum Codec {
        HEVC("hvc1", "hevc", VIDEO_FRAME_RATE, List.of("-c:v", "libx265", "-preset", "ultrafast", "-x265-params",
                "keyint=30:min-keyint=30:bframes=0:open-gop=0:scenecut=0:log-level=error")),
        AV1("av01", "obu", VIDEO_FRAME_RATE, List.of("-c:v", "libaom-av1", "-usage", "realtime",
                "-cpu-used", "8", "-g", "30", "-keyint_min", "30")),
        OPUS("Opus", "ogg", 50, List.of("-c:a", "libopus", "-b:a", "64k", "-frame_duration", "20"));

        public final String fourCc;
        private final String format;
        private final int framesPerSecond;
        private final List<String> encoderOptions;

        Codec(String fourCc, String format, int framesPerSecond, List<String> encoderOptions) {
            this.fourCc = fourCc;
            this.format = format;
            this.framesPerSecond = framesPerSecond;
            this.encoderOptions = encoderOptions;
        }
    }

    /**
     * One frame as MP4 samples and E-RTMP coded frames hold it. HEVC: an access unit's NAL units, each with
     * a 4-byte length, without parameter sets and delimiters; AV1: a temporal unit's OBUs without the
     * temporal delimiter; Opus: one packet (never a keyframe: audio has none).
     */
    public record Frame(boolean keyframe, byte[] data) {}

    private static final Map<String, EncodedMedia> ENCODED = new HashMap<>();

    public final Codec codec;
    /** {@code hvcC}, {@code av1C} or {@code OpusHead}. */
    public final byte[] configurationRecord;
    public final List<Frame> frames;

    private EncodedMedia(Codec codec, byte[] configurationRecord, List<Frame> frames) {
        this.codec = codec;
        this.configurationRecord = configurationRecord;
        this.frames = List.copyOf(frames);
    }

    /** HEVC or AV1 video, encoded by ffmpeg on first use (needs ffmpeg: fails under CI, skips elsewhere without it). */
    public static EncodedMedia video(Codec codec, int width, int height) throws IOException, InterruptedException {
        if (codec == Codec.OPUS) throw new IllegalArgumentException("Opus is audio");
        return encoded(codec, width + "x" + height,
                List.of("-f", "lavfi", "-i", "testsrc2=size=" + width + "x" + height + ":rate=" + VIDEO_FRAME_RATE,
                        "-frames:v", String.valueOf(SECONDS * VIDEO_FRAME_RATE), "-pix_fmt", "yuv420p"));
    }

    /** Opus audio (48 kHz mono), encoded by ffmpeg on first use. */
    public static EncodedMedia opus() throws IOException, InterruptedException {
        return encoded(Codec.OPUS, "sine", List.of("-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000",
                "-t", String.valueOf(SECONDS)));
    }

    /** Milliseconds from the first frame to frame {@code index}, rounded down as FLV timestamps are. */
    public long timeOf(int index) {
        return index * 1000L / codec.framesPerSecond;
    }

    private static synchronized EncodedMedia encoded(Codec codec, String variant, List<String> input)
            throws IOException, InterruptedException {
        String name = codec.name().toLowerCase(Locale.ROOT) + "-" + variant + "." + codec.format;
        EncodedMedia media = ENCODED.get(name);
        if (media == null) {
            List<String> arguments = new ArrayList<>(input);
            arguments.addAll(codec.encoderOptions);
            arguments.addAll(List.of("-f", codec.format));
            byte[] encoded = Files.readAllBytes(encode(name, arguments));
            media = switch (codec) {
                case HEVC -> parseHevc(encoded);
                case AV1 -> parseAv1(encoded);
                case OPUS -> parseOggOpus(encoded);
            };
            ENCODED.put(name, media);
        }
        return media;
    }

    /**
     * H.264 ({@code libx264}, B-frames, a keyframe every second) and/or AAC or MP3 as ffmpeg's FLV muxer writes
     * them, {@code seconds} long: the tags an encoder publishes over RTMP (script data included), encoded on
     * first use. A 640x360 {@code testsrc2} at 30 fps; a 440 Hz tone, 44.1 kHz stereo.
     *
     * @param audioEncoder {@code aac}, {@code libmp3lame}, or null for none; {@code video} false for none
     */
    public static List<FlvCollector.Tag> flvTags(boolean video, String audioEncoder, int seconds)
            throws IOException, InterruptedException {
        List<String> arguments = new ArrayList<>();
        if (video) arguments.addAll(List.of("-f", "lavfi", "-i", "testsrc2=size=640x360:rate=" + VIDEO_FRAME_RATE));
        if (audioEncoder != null) arguments.addAll(List.of("-f", "lavfi", "-i", "sine=frequency=440:sample_rate=44100"));
        arguments.addAll(List.of("-t", String.valueOf(seconds)));
        if (video) {
            arguments.addAll(List.of("-c:v", "libx264", "-preset", "veryfast", "-bf", "2", "-g", "30", "-keyint_min", "30",
                    "-sc_threshold", "0", "-pix_fmt", "yuv420p"));
        }
        if (audioEncoder != null) arguments.addAll(List.of("-c:a", audioEncoder, "-ac", "2", "-b:a", "128k"));
        arguments.addAll(List.of("-f", "flv"));
        String name = "h264-" + video + "-" + audioEncoder + "-" + seconds + "s.flv";
        FlvCollector collector = new FlvCollector();
        byte[] flv;
        synchronized (EncodedMedia.class) {
            flv = Files.readAllBytes(encode(name, arguments));
        }
        try {
            collector.feed(flv, 0, flv.length);
        } catch (FlvReader.FlvFormatException e) {
            throw new IOException("ffmpeg wrote a malformed " + name, e);
        }
        return collector.tags;
    }

    /** Runs ffmpeg with {@code arguments} (inputs, encoders, {@code -f} format) into {@code name} in the cache. */
    private static Path encode(String name, List<String> arguments) throws IOException, InterruptedException {
        Path cached = cacheDirectory().resolve(name);
        if (Files.exists(cached)) return cached;
        String ffmpeg = ExternalTools.require("ffmpeg", "ffmpeg");
        Files.createDirectories(cached.getParent());
        Path partial = Files.createTempFile(cached.getParent(), name, ".part");
        List<String> command = new ArrayList<>(List.of(ffmpeg, "-hide_banner", "-loglevel", "error", "-y"));
        command.addAll(arguments);
        command.add(partial.toString());
        ExternalTools.Result result = ExternalTools.run(command, 120);
        if (result.exitCode() != 0) throw new IOException("ffmpeg failed to encode " + name + ": " + result.output());
        return Files.move(partial, cached, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /** {@code <build dir>/encoded-media}: next to the test classes, so {@code mvn clean} removes it. */
    private static Path cacheDirectory() {
        try {
            Path testClasses = Path.of(EncodedMedia.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            return testClasses.resolveSibling("encoded-media");
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    // ---- HEVC (ITU-T H.265 Annex B; ISO/IEC 14496-15 8.3.3 for hvcC) ----

    private static final int HEVC_VPS = 32;
    private static final int HEVC_SPS = 33;
    private static final int HEVC_PPS = 34;
    private static final int HEVC_AUD = 35;
    private static final int HEVC_PREFIX_SEI = 39;

    private static EncodedMedia parseHevc(byte[] annexB) {
        Map<Integer, byte[]> parameterSets = new LinkedHashMap<>(); // the first of each type
        List<Frame> frames = new ArrayList<>();
        ByteArrayOutputStream unit = new ByteArrayOutputStream();
        boolean unitHasPicture = false;
        boolean unitIsKey = false;
        for (byte[] nal : splitAnnexB(annexB)) {
            int type = (nal[0] >>> 1) & 0x3F;
            boolean picture = type <= 31;
            // A new access unit begins with a parameter set, delimiter or prefix SEI, or a picture's first slice.
            boolean startsUnit = type >= HEVC_VPS && type <= HEVC_AUD || type == HEVC_PREFIX_SEI
                    || picture && (nal[2] & 0x80) != 0;
            if (startsUnit && unitHasPicture) {
                frames.add(new Frame(unitIsKey, unit.toByteArray()));
                unit.reset();
                unitHasPicture = unitIsKey = false;
            }
            if (type >= HEVC_VPS && type <= HEVC_PPS) {
                parameterSets.putIfAbsent(type, nal);
                continue; // in hvcC, not in the samples
            }
            if (type == HEVC_AUD) continue;
            unitHasPicture |= picture;
            unitIsKey |= type >= 16 && type <= 23; // IRAP: BLA, IDR, CRA
            writeUint(unit, nal.length, 4);
            unit.writeBytes(nal);
        }
        if (unitHasPicture) frames.add(new Frame(unitIsKey, unit.toByteArray()));
        return new EncodedMedia(Codec.HEVC, hvcC(parameterSets), frames);
    }

    /** NAL units between Annex B start codes (00 00 01, or 00 00 00 01), with trailing zeros removed. */
    private static List<byte[]> splitAnnexB(byte[] b) {
        List<byte[]> nals = new ArrayList<>();
        int start = -1;
        for (int i = 0; i + 2 < b.length; i++) {
            if (b[i] == 0 && b[i + 1] == 0 && b[i + 2] == 1) {
                if (start >= 0) nals.add(trimTrailingZeros(b, start, i));
                start = i + 3;
                i += 2;
            }
        }
        if (start >= 0) nals.add(trimTrailingZeros(b, start, b.length));
        return nals;
    }

    private static byte[] trimTrailingZeros(byte[] b, int from, int to) {
        while (to > from && b[to - 1] == 0) to--;
        return Arrays.copyOfRange(b, from, to);
    }

    private static byte[] hvcC(Map<Integer, byte[]> parameterSets) {
        byte[] sps = parameterSets.get(HEVC_SPS);
        if (sps == null || !parameterSets.containsKey(HEVC_VPS) || !parameterSets.containsKey(HEVC_PPS)) {
            throw new IllegalStateException("HEVC stream without VPS, SPS and PPS: " + parameterSets.keySet());
        }
        BitReader r = new BitReader(unescape(sps, 2));
        r.skip(4); // sps_video_parameter_set_id
        int maxSubLayersMinus1 = r.bits(3);
        int temporalIdNesting = r.bits(1);
        if (maxSubLayersMinus1 != 0) throw new IllegalStateException("SPS with sub-layers: not handled here");
        byte[] profileTierLevel = r.bytes(12); // general_profile_space .. general_level_idc: the same 12 bytes as in hvcC
        r.ue(); // sps_seq_parameter_set_id
        int chromaFormat = r.ue();
        if (chromaFormat == 3) r.skip(1); // separate_colour_plane_flag
        r.ue(); // pic_width_in_luma_samples
        r.ue(); // pic_height_in_luma_samples
        if (r.bits(1) == 1) for (int i = 0; i < 4; i++) r.ue(); // conformance window offsets
        int bitDepthLumaMinus8 = r.ue();
        int bitDepthChromaMinus8 = r.ue();

        ByteArrayOutputStream c = new ByteArrayOutputStream();
        c.write(1); // configurationVersion
        c.writeBytes(profileTierLevel);
        writeUint(c, 0xF000, 2); // reserved | min_spatial_segmentation_idc 0
        c.write(0xFC); // reserved | parallelismType 0 (unknown)
        c.write(0xFC | chromaFormat);
        c.write(0xF8 | bitDepthLumaMinus8);
        c.write(0xF8 | bitDepthChromaMinus8);
        writeUint(c, 0, 2); // avgFrameRate: unspecified
        // constantFrameRate 0, numTemporalLayers, temporalIdNested, lengthSizeMinusOne 3 (4-byte NAL lengths)
        c.write((maxSubLayersMinus1 + 1) << 3 | temporalIdNesting << 2 | 3);
        c.write(parameterSets.size());
        parameterSets.forEach((type, nal) -> {
            c.write(0x80 | type); // array_completeness: these are all the parameter sets of that type
            writeUint(c, 1, 2);
            writeUint(c, nal.length, 2);
            c.writeBytes(nal);
        });
        return c.toByteArray();
    }

    /** The RBSP of a NAL unit from {@code from}: emulation prevention bytes (00 00 03) removed. */
    private static byte[] unescape(byte[] nal, int from) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int zeros = 0;
        for (int i = from; i < nal.length; i++) {
            int b = nal[i] & 0xFF;
            if (zeros >= 2 && b == 3) {
                zeros = 0;
                continue;
            }
            zeros = b == 0 ? zeros + 1 : 0;
            out.write(b);
        }
        return out.toByteArray();
    }

    // ---- AV1 (AV1 bitstream spec section 5; AV1-ISOBMFF for av1C) ----

    private static final int OBU_SEQUENCE_HEADER = 1;
    private static final int OBU_TEMPORAL_DELIMITER = 2;
    private static final int OBU_FRAME_HEADER = 3;
    private static final int OBU_FRAME = 6;

    private static EncodedMedia parseAv1(byte[] obus) {
        byte[] sequenceHeader = null;
        boolean reducedStillPictureHeader = false;
        List<Frame> frames = new ArrayList<>();
        ByteArrayOutputStream unit = new ByteArrayOutputStream();
        Boolean unitIsKey = null; // decided by the unit's first frame header
        int at = 0;
        while (at < obus.length) {
            int header = obus[at] & 0xFF;
            int type = (header >>> 3) & 0x0F;
            boolean extension = (header & 0x04) != 0;
            if ((header & 0x02) == 0) throw new IllegalStateException("OBU without a size field at " + at);
            int sizeAt = at + (extension ? 2 : 1);
            long[] size = readLeb128(obus, sizeAt);
            int payloadAt = sizeAt + (int) size[1];
            int end = payloadAt + (int) size[0];
            byte[] obu = Arrays.copyOfRange(obus, at, end);
            at = end;
            if (type == OBU_TEMPORAL_DELIMITER) {
                if (unit.size() > 0) frames.add(new Frame(Boolean.TRUE.equals(unitIsKey), unit.toByteArray()));
                unit.reset();
                unitIsKey = null;
                continue; // not part of a sample
            }
            if (type == OBU_SEQUENCE_HEADER && sequenceHeader == null) {
                sequenceHeader = obu;
                reducedStillPictureHeader = (obus[payloadAt] & 0x08) != 0;
            }
            if ((type == OBU_FRAME_HEADER || type == OBU_FRAME) && unitIsKey == null) {
                BitReader frameHeader = new BitReader(Arrays.copyOfRange(obus, payloadAt, end));
                boolean showExistingFrame = !reducedStillPictureHeader && frameHeader.bits(1) == 1;
                unitIsKey = reducedStillPictureHeader || !showExistingFrame && frameHeader.bits(2) == 0; // KEY_FRAME
            }
            unit.writeBytes(obu);
        }
        if (unit.size() > 0) frames.add(new Frame(Boolean.TRUE.equals(unitIsKey), unit.toByteArray()));
        if (sequenceHeader == null) throw new IllegalStateException("AV1 stream without a sequence header");
        return new EncodedMedia(Codec.AV1, av1C(sequenceHeader), frames);
    }

    /** {value, bytes read} of the leb128 at {@code at}. */
    private static long[] readLeb128(byte[] b, int at) {
        long value = 0;
        for (int i = 0; i < 8; i++) {
            int byteValue = b[at + i] & 0xFF;
            value |= (long) (byteValue & 0x7F) << (7 * i);
            if ((byteValue & 0x80) == 0) return new long[] {value, i + 1};
        }
        throw new IllegalStateException("leb128 longer than 8 bytes at " + at);
    }

    /** The 4 fixed bytes of av1C, read from the sequence header, followed by the sequence header OBU itself. */
    private static byte[] av1C(byte[] sequenceHeaderObu) {
        int payloadAt = 1 + (int) readLeb128(sequenceHeaderObu, 1)[1]; // the encoders used write no extension
        BitReader r = new BitReader(Arrays.copyOfRange(sequenceHeaderObu, payloadAt, sequenceHeaderObu.length));
        int profile = r.bits(3);
        r.skip(1); // still_picture
        boolean reduced = r.bits(1) == 1;
        int level;
        int tier = 0;
        if (reduced) {
            level = r.bits(5);
        } else {
            if (r.bits(1) == 1) throw new IllegalStateException("sequence header with timing info: not handled here");
            boolean initialDisplayDelay = r.bits(1) == 1;
            int operatingPoints = r.bits(5) + 1;
            level = -1;
            for (int i = 0; i < operatingPoints; i++) {
                r.skip(12); // operating_point_idc
                int pointLevel = r.bits(5);
                int pointTier = pointLevel > 7 ? r.bits(1) : 0;
                if (initialDisplayDelay && r.bits(1) == 1) r.skip(4);
                if (i == 0) {
                    level = pointLevel;
                    tier = pointTier;
                }
            }
        }
        int widthBits = r.bits(4) + 1;
        int heightBits = r.bits(4) + 1;
        r.skip(widthBits + heightBits); // max_frame_width_minus_1, max_frame_height_minus_1
        if (!reduced && r.bits(1) == 1) r.skip(4 + 3); // frame id number lengths
        r.skip(3); // use_128x128_superblock, enable_filter_intra, enable_intra_edge_filter
        if (!reduced) {
            r.skip(4); // interintra_compound, masked_compound, warped_motion, dual_filter
            boolean orderHint = r.bits(1) == 1;
            if (orderHint) r.skip(2); // jnt_comp, ref_frame_mvs
            int forceScreenContentTools = r.bits(1) == 1 ? 2 : r.bits(1); // seq_choose_screen_content_tools
            if (forceScreenContentTools > 0 && r.bits(1) == 0) r.skip(1); // seq_choose_integer_mv, seq_force_integer_mv
            if (orderHint) r.skip(3); // order_hint_bits_minus_1
        }
        r.skip(3); // enable_superres, enable_cdef, enable_restoration
        // color_config
        int highBitdepth = r.bits(1);
        int twelveBit = profile == 2 && highBitdepth == 1 ? r.bits(1) : 0;
        int monochrome = profile == 1 ? 0 : r.bits(1);
        boolean srgb = false;
        if (r.bits(1) == 1) { // color_description_present_flag
            int primaries = r.bits(8);
            int transfer = r.bits(8);
            int matrix = r.bits(8);
            srgb = primaries == 1 && transfer == 13 && matrix == 0;
        }
        int subsamplingX = 1;
        int subsamplingY = 1;
        int chromaSamplePosition = 0;
        if (monochrome == 0) {
            if (srgb) {
                subsamplingX = subsamplingY = 0;
            } else {
                r.skip(1); // color_range
                if (profile == 1) {
                    subsamplingX = subsamplingY = 0;
                } else if (profile == 2) {
                    subsamplingX = twelveBit == 1 ? r.bits(1) : 1;
                    subsamplingY = twelveBit == 1 && subsamplingX == 1 ? r.bits(1) : 0;
                }
                if (subsamplingX == 1 && subsamplingY == 1) chromaSamplePosition = r.bits(2);
            }
        }
        ByteArrayOutputStream c = new ByteArrayOutputStream();
        c.write(0x81); // marker, version 1
        c.write(profile << 5 | level);
        c.write(tier << 7 | highBitdepth << 6 | twelveBit << 5 | monochrome << 4 | subsamplingX << 3 | subsamplingY << 2
                | chromaSamplePosition);
        c.write(0); // no initial_presentation_delay
        c.writeBytes(sequenceHeaderObu); // configOBUs
        return c.toByteArray();
    }

    // ---- Opus in Ogg (RFC 3533 pages, RFC 7845 Ogg Opus) ----

    private static EncodedMedia parseOggOpus(byte[] ogg) {
        List<byte[]> packets = new ArrayList<>();
        ByteArrayOutputStream packet = new ByteArrayOutputStream(); // a packet may continue on the next page
        int at = 0;
        while (at < ogg.length) {
            if (ogg[at] != 'O' || ogg[at + 1] != 'g' || ogg[at + 2] != 'g' || ogg[at + 3] != 'S') {
                throw new IllegalStateException("no Ogg page at " + at);
            }
            int segments = ogg[at + 26] & 0xFF;
            int data = at + 27 + segments;
            for (int i = 0; i < segments; i++) {
                int lacing = ogg[at + 27 + i] & 0xFF;
                packet.write(ogg, data, lacing);
                data += lacing;
                if (lacing < 255) { // a lacing value under 255 ends the packet
                    packets.add(packet.toByteArray());
                    packet.reset();
                }
            }
            at = data;
        }
        if (packets.size() < 3 || !new String(packets.get(0), 0, 8, StandardCharsets.US_ASCII).equals("OpusHead")) {
            throw new IllegalStateException("not Ogg Opus: " + packets.size() + " packets");
        }
        // Packet 0 is the ID header (the E-RTMP SequenceStart), 1 the comment header (metadata, not sent).
        List<Frame> frames = packets.subList(2, packets.size()).stream().map(p -> new Frame(false, p)).toList();
        return new EncodedMedia(Codec.OPUS, packets.get(0), frames);
    }

    static void writeUint(ByteArrayOutputStream out, long value, int bytes) {
        for (int i = bytes - 1; i >= 0; i--) out.write((int) (value >>> (8 * i)));
    }

    /** MSB-first bit reader with Exp-Golomb, over a byte array. */
    private static final class BitReader {
        private final byte[] data;
        private long position;

        BitReader(byte[] data) {
            this.data = data;
        }

        int bits(int n) {
            int value = 0;
            for (int i = 0; i < n; i++) {
                int at = (int) (position >>> 3);
                if (at >= data.length) throw new IllegalStateException("read past the end of a " + data.length + "-byte header");
                value = value << 1 | (data[at] >>> (7 - (position & 7))) & 1;
                position++;
            }
            return value;
        }

        void skip(int n) {
            position += n;
        }

        byte[] bytes(int n) {
            byte[] out = new byte[n];
            for (int i = 0; i < n; i++) out[i] = (byte) bits(8);
            return out;
        }

        /** Unsigned Exp-Golomb code. */
        int ue() {
            int leadingZeros = 0;
            while (bits(1) == 0) leadingZeros++;
            return (1 << leadingZeros) - 1 + bits(leadingZeros);
        }
    }
}
