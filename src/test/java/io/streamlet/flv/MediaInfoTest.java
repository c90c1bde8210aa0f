package io.streamlet.flv;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class MediaInfoTest {
    @Test
    void legacyAvcAndHevc() {
        assertEquals(new MediaInfo(false, true, "avc1"), MediaInfo.video(new byte[] {0x17, 0, 0, 0, 0}));
        assertEquals(new MediaInfo(true, false, "avc1"), MediaInfo.video(new byte[] {0x17, 1, 0, 0, 0}));
        assertEquals(new MediaInfo(false, false, "avc1"), MediaInfo.video(new byte[] {0x27, 1, 0, 0, 0}));
        assertEquals(new MediaInfo(false, true, "hvc1"), MediaInfo.video(new byte[] {0x1C, 0, 0, 0, 0}));
        assertEquals(new MediaInfo(true, false, "hvc1"), MediaInfo.video(new byte[] {0x1C, 1, 0, 0, 0}));
        assertEquals(new MediaInfo(true, false, "vp6f"), MediaInfo.video(new byte[] {0x14, 0}));
    }

    @Test
    void enhancedVideo() {
        // isExHeader | keyframe | SequenceStart, FourCC
        assertEquals(new MediaInfo(false, true, "av01"), MediaInfo.video(new byte[] {(byte) 0x90, 'a', 'v', '0', '1', 1}));
        assertEquals(new MediaInfo(true, false, "hvc1"), MediaInfo.video(new byte[] {(byte) 0x93, 'h', 'v', 'c', '1', 1}));
        assertEquals(new MediaInfo(false, false, "vp09"), MediaInfo.video(new byte[] {(byte) 0xA1, 'v', 'p', '0', '9', 1}));
        // ModEx (size 1, one data byte, then the next packet type: CodedFramesX) before the FourCC
        assertEquals(new MediaInfo(true, false, "hvc1"),
                MediaInfo.video(new byte[] {(byte) 0x97, 0, 0x55, 0x03, 'h', 'v', 'c', '1', 1}));
        assertThrows(IllegalArgumentException.class, () -> MediaInfo.video(new byte[] {(byte) 0x90, 'a', 'v'}));
        assertThrows(IllegalArgumentException.class, () -> MediaInfo.video(new byte[] {(byte) 0x97, 9, 1}));
        assertThrows(IllegalArgumentException.class, () -> MediaInfo.video(new byte[0]));
    }

    @Test
    void audio() {
        assertEquals(new MediaInfo(false, true, "mp4a"), MediaInfo.audio(new byte[] {(byte) 0xAF, 0, 0x12, 0x10}));
        assertEquals(new MediaInfo(false, false, "mp4a"), MediaInfo.audio(new byte[] {(byte) 0xAF, 1, 0}));
        assertEquals(new MediaInfo(false, false, ".mp3"), MediaInfo.audio(new byte[] {0x2F, 0}));
        assertEquals(new MediaInfo(false, true, "Opus"), MediaInfo.audio(new byte[] {(byte) 0x90, 'O', 'p', 'u', 's'}));
        assertEquals(new MediaInfo(false, false, "fLaC"), MediaInfo.audio(new byte[] {(byte) 0x91, 'f', 'L', 'a', 'C', 0}));
        assertThrows(IllegalArgumentException.class, () -> MediaInfo.audio(new byte[] {(byte) 0xAF}));
        assertThrows(IllegalArgumentException.class, () -> MediaInfo.audio(new byte[] {(byte) 0x90, 'O'}));
    }

    @Test
    void onlyCodedFramesAreKeyframes() {
        // End of sequence with the key frame type, as ffmpeg's FLV muxer ends a stream: nowhere to join.
        assertEquals(new MediaInfo(false, false, "avc1"), MediaInfo.video(new byte[] {0x17, 2, 0, 0, 0}));
        assertEquals(new MediaInfo(false, false, "hvc1"), MediaInfo.video(new byte[] {0x1C, 2, 0, 0, 0}));
        assertEquals(new MediaInfo(false, false, "hvc1"), MediaInfo.video(new byte[] {(byte) 0x92, 'h', 'v', 'c', '1'}));
        // Metadata (HDR colorInfo) is not a frame either.
        assertEquals(new MediaInfo(false, false, "av01"), MediaInfo.video(new byte[] {(byte) 0x94, 'a', 'v', '0', '1', 2}));
        // MPEG2TSSequenceStart: AV1's configuration in its MPEG-2 TS descriptor form, kept like SequenceStart.
        assertEquals(new MediaInfo(false, true, "av01"), MediaInfo.video(new byte[] {(byte) 0x95, 'a', 'v', '0', '1', (byte) 0x80}));
    }
}
