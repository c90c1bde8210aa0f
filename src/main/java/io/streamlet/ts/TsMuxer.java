package io.streamlet.ts;

import java.io.ByteArrayOutputStream;

/**
 * An MPEG-2 transport stream muxer (ISO/IEC 13818-1) for one program of at most one video and one audio
 * stream, as HLS segments carry them. It writes 188-byte packets into the caller's buffer: the PAT and
 * PMT ({@link #writeTables}, at the start of every segment), and one PES packet per video access unit or
 * run of audio frames, with PTS/DTS, a PCR on the PCR stream (the video, or the audio when there is no video),
 * the random access indicator on keyframes, and a continuity counter per PID that carries on from one
 * segment to the next.
 *
 * <p>Timestamps are in 90 kHz units and wrap at 2^33 as the fields do. The muxer holds only its counters:
 * no I/O, not thread-safe.
 */
public final class TsMuxer {
    public static final int PACKET_SIZE = 188;
    static final int PAT_PID = 0x0000;
    static final int PMT_PID = 0x1000;
    static final int VIDEO_PID = 0x0100;
    static final int AUDIO_PID = 0x0101;
    private static final int PROGRAM_NUMBER = 1;
    private static final int VIDEO_STREAM_ID = 0xE0;
    private static final int AUDIO_STREAM_ID = 0xC0;
    private static final long TIMESTAMP_MASK = (1L << 33) - 1;
    private static final int HEADER_SIZE = 4;
    private static final int PCR_SIZE = 6;

    private final StreamType video;
    private final StreamType audio;
    private final int pcrPid;
    private int patCounter;
    private int pmtCounter;
    private int videoCounter;
    private int audioCounter;

    /** @param video H.264 or HEVC, or null; @param audio AAC or MPEG audio, or null */
    public TsMuxer(StreamType video, StreamType audio) {
        if (video == null && audio == null) throw new IllegalArgumentException("a program needs a stream");
        if (video != null && !video.video) throw new IllegalArgumentException(video + " is not video");
        if (audio != null && audio.video) throw new IllegalArgumentException(audio + " is not audio");
        this.video = video;
        this.audio = audio;
        this.pcrPid = video != null ? VIDEO_PID : AUDIO_PID;
    }

    /** The Program Association Table and the Program Map Table, one packet each. */
    public void writeTables(ByteArrayOutputStream out) {
        byte[] pat = {
            0x00, // table_id: program_association_section
            (byte) 0xB0, 0x0D, // section_syntax_indicator, '0', reserved, section_length 13
            0x00, 0x01, // transport_stream_id
            (byte) 0xC1, // reserved, version 0, current_next_indicator
            0x00, 0x00, // section_number, last_section_number
            0x00, PROGRAM_NUMBER, (byte) (0xE0 | PMT_PID >>> 8), (byte) PMT_PID,
            0, 0, 0, 0 // CRC_32
        };
        writeSection(out, PAT_PID, patCounter++, pat);
        int streams = (video != null ? 1 : 0) + (audio != null ? 1 : 0);
        int sectionLength = 9 + 5 * streams + 4;
        byte[] pmt = new byte[3 + sectionLength];
        pmt[0] = 0x02; // TS_program_map_section
        pmt[1] = (byte) (0xB0 | sectionLength >>> 8);
        pmt[2] = (byte) sectionLength;
        pmt[4] = PROGRAM_NUMBER;
        pmt[5] = (byte) 0xC1;
        pmt[8] = (byte) (0xE0 | pcrPid >>> 8);
        pmt[9] = (byte) pcrPid;
        pmt[10] = (byte) 0xF0; // reserved, program_info_length 0
        int at = 12;
        if (video != null) at = writeStreamEntry(pmt, at, video, VIDEO_PID);
        if (audio != null) writeStreamEntry(pmt, at, audio, AUDIO_PID);
        writeSection(out, PMT_PID, pmtCounter++, pmt);
    }

    private static int writeStreamEntry(byte[] pmt, int at, StreamType type, int pid) {
        pmt[at] = (byte) type.code;
        pmt[at + 1] = (byte) (0xE0 | pid >>> 8);
        pmt[at + 2] = (byte) pid;
        pmt[at + 3] = (byte) 0xF0; // reserved, ES_info_length 0
        return at + 5;
    }

    /** One packet: pointer_field 0, the section with its CRC filled in, then 0xFF stuffing. */
    private static void writeSection(ByteArrayOutputStream out, int pid, int counter, byte[] section) {
        int crc = Crc32Mpeg2.of(section, 0, section.length - 4);
        for (int i = 0; i < 4; i++) section[section.length - 4 + i] = (byte) (crc >>> (24 - 8 * i));
        byte[] packet = new byte[PACKET_SIZE];
        packet[0] = 0x47;
        packet[1] = (byte) (0x40 | pid >>> 8); // payload_unit_start_indicator
        packet[2] = (byte) pid;
        packet[3] = (byte) (0x10 | counter & 0x0F); // payload only
        System.arraycopy(section, 0, packet, 5, section.length); // after pointer_field 0
        for (int i = 5 + section.length; i < PACKET_SIZE; i++) packet[i] = (byte) 0xFF;
        out.writeBytes(packet);
    }

    /** One video access unit in Annex B form ({@link AnnexB}); {@code dts} and {@code pts} in 90 kHz units. */
    public void writeVideo(ByteArrayOutputStream out, long dts, long pts, boolean keyframe, byte[] accessUnit) {
        if (video == null) throw new IllegalStateException("this program has no video stream");
        byte[] pesHeader = pesHeader(VIDEO_STREAM_ID, dts, pts, accessUnit.length);
        videoCounter = writePes(out, VIDEO_PID, videoCounter, pesHeader, accessUnit, keyframe, dts);
    }

    /**
     * Audio frames, one or more in a row (ADTS for AAC, see {@link Adts}; MP3 frames as they are); {@code pts}
     * of the first in 90 kHz units.
     */
    public void writeAudio(ByteArrayOutputStream out, long pts, byte[] frame) {
        if (audio == null) throw new IllegalStateException("this program has no audio stream");
        byte[] pesHeader = pesHeader(AUDIO_STREAM_ID, pts, pts, frame.length);
        // Without video every audio frame is a place to start decoding, and the audio carries the PCR.
        audioCounter = writePes(out, AUDIO_PID, audioCounter, pesHeader, frame, video == null, pts);
    }

    /** A PES header (2.4.3.6) with PTS, and DTS when it differs; the length is 0 (unbounded) past 16 bits. */
    static byte[] pesHeader(int streamId, long dts, long pts, int payloadLength) {
        boolean withDts = (dts & TIMESTAMP_MASK) != (pts & TIMESTAMP_MASK);
        int headerDataLength = withDts ? 10 : 5;
        int packetLength = 3 + headerDataLength + payloadLength;
        byte[] h = new byte[9 + headerDataLength];
        h[2] = 0x01; // packet_start_code_prefix 00 00 01
        h[3] = (byte) streamId;
        if (packetLength <= 0xFFFF) {
            h[4] = (byte) (packetLength >>> 8);
            h[5] = (byte) packetLength;
        }
        h[6] = (byte) 0x84; // '10', data_alignment_indicator: the payload starts with an access unit
        h[7] = (byte) (withDts ? 0xC0 : 0x80); // PTS_DTS_flags
        h[8] = (byte) headerDataLength;
        writeTimestamp(h, 9, withDts ? 0b0011 : 0b0010, pts);
        if (withDts) writeTimestamp(h, 14, 0b0001, dts);
        return h;
    }

    /** A 33-bit PTS or DTS: 4-bit prefix, then 3 + 15 + 15 bits, each group followed by a marker bit. */
    static void writeTimestamp(byte[] b, int at, int prefix, long timestamp) {
        long t = timestamp & TIMESTAMP_MASK;
        b[at] = (byte) (prefix << 4 | (t >>> 29 & 0x0E) | 1);
        b[at + 1] = (byte) (t >>> 22);
        b[at + 2] = (byte) (t >>> 14 | 1);
        b[at + 3] = (byte) (t >>> 7);
        b[at + 4] = (byte) (t << 1 | 1);
    }

    /** A PCR (2.4.3.5): the 33-bit base in 90 kHz units, 6 reserved bits, a 9-bit extension of 0. */
    static void writePcr(byte[] b, int at, long base) {
        long t = base & TIMESTAMP_MASK;
        b[at] = (byte) (t >>> 25);
        b[at + 1] = (byte) (t >>> 17);
        b[at + 2] = (byte) (t >>> 9);
        b[at + 3] = (byte) (t >>> 1);
        b[at + 4] = (byte) ((t & 1) << 7 | 0x7E);
        b[at + 5] = 0;
    }

    /**
     * Splits the PES packet (header and payload) into TS packets. The first carries the
     * payload_unit_start_indicator and, in its adaptation field, the PCR (on the PCR PID) and the
     * random_access_indicator; the last is padded with adaptation field stuffing. Returns the next
     * continuity counter.
     */
    private int writePes(ByteArrayOutputStream out, int pid, int counter, byte[] header, byte[] payload,
            boolean randomAccess, long pcr) {
        int total = header.length + payload.length;
        byte[] packet = new byte[PACKET_SIZE];
        for (int written = 0; written < total; ) {
            boolean first = written == 0;
            boolean withPcr = first && pid == pcrPid;
            boolean withFlags = withPcr || first && randomAccess;
            // adaptation_field_length counts the bytes after itself: the flags byte and the PCR.
            int fieldLength = withFlags ? 1 + (withPcr ? PCR_SIZE : 0) : -1;
            int room = PACKET_SIZE - HEADER_SIZE - (fieldLength + 1);
            int remaining = total - written;
            if (remaining < room) {
                int stuffing = room - remaining;
                // Without flags, one byte of stuffing is a field of length 0; more adds the flags byte and 0xFFs.
                fieldLength = fieldLength < 0 ? stuffing - 1 : fieldLength + stuffing;
                room = remaining;
            }
            packet[0] = 0x47;
            packet[1] = (byte) ((first ? 0x40 : 0) | pid >>> 8);
            packet[2] = (byte) pid;
            packet[3] = (byte) ((fieldLength >= 0 ? 0x30 : 0x10) | counter & 0x0F);
            counter = (counter + 1) & 0x0F;
            int at = HEADER_SIZE;
            if (fieldLength >= 0) {
                packet[at++] = (byte) fieldLength;
                int fieldEnd = at + fieldLength;
                if (fieldLength > 0) {
                    packet[at++] = (byte) ((first && randomAccess ? 0x40 : 0) | (withPcr ? 0x10 : 0));
                    if (withPcr) {
                        writePcr(packet, at, pcr);
                        at += PCR_SIZE;
                    }
                    while (at < fieldEnd) packet[at++] = (byte) 0xFF;
                }
            }
            int fromHeader = Math.max(0, Math.min(room, header.length - written));
            if (fromHeader > 0) System.arraycopy(header, written, packet, at, fromHeader);
            System.arraycopy(payload, written + fromHeader - header.length, packet, at + fromHeader, room - fromHeader);
            written += room;
            out.write(packet, 0, PACKET_SIZE);
        }
        return counter;
    }
}
