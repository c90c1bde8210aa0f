package io.streamlet.fuzz;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.streamlet.flv.CodecDetails;
import io.streamlet.flv.FlvReader;
import io.streamlet.flv.MediaInfo;
import io.streamlet.flv.ScriptData;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * The FLV reader (an edge's upstream, the tests' players) and the codec inspection every published tag
 * goes through: {@link MediaInfo}, {@link CodecDetails} (AVC, HEVC and AV1 configuration records, the AVC
 * SPS, AudioSpecificConfig) and {@link ScriptData}. Seeds: ffmpeg's FLV and its H.264/AAC headers, HEVC,
 * AV1 and Opus in Enhanced RTMP tags. Each returns a value or throws its declared exception.
 */
class FlvFuzzTest {
    private static final int MAX_TAG_SIZE = 64 * 1024;
    private static final int MAX_CUTS = 16;
    /** What the SPS parser accepts: 1024 macroblocks across, 1024 map units (2048 rows when interlaced) down. */
    private static final int MAX_WIDTH = 1024 * 16;
    private static final int MAX_HEIGHT = 2 * 1024 * 16;

    /** One tag as the reader reported it. */
    private record Tag(int type, long timestamp, byte[] body) {
        @Override
        public boolean equals(Object o) {
            return o instanceof Tag t && t.type == type && t.timestamp == timestamp && Arrays.equals(t.body, body);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(body);
        }
    }

    @FuzzTest
    void reader(FuzzedDataProvider data) {
        int[] cuts = new int[data.consumeInt(0, MAX_CUTS)];
        for (int i = 0; i < cuts.length; i++) cuts[i] = data.consumeInt(0, Integer.MAX_VALUE);
        byte[] stream = data.consumeRemainingAsBytes();
        for (int i = 0; i < cuts.length; i++) cuts[i] = Math.floorMod(cuts[i], stream.length + 1);
        Arrays.sort(cuts);

        List<Tag> whole = new ArrayList<>();
        boolean wholeRefused = read(stream, new int[0], whole);
        List<Tag> split = new ArrayList<>();
        boolean splitRefused = read(stream, cuts, split);
        assertEquals(wholeRefused, splitRefused, "whole and split reading end differently");
        assertEquals(whole, split, "whole and split reading give different tags");
    }

    private static boolean read(byte[] stream, int[] cuts, List<Tag> into) {
        FlvReader reader = new FlvReader(new FlvReader.Handler() {
            @Override
            public void onHeader(int flags) {}

            @Override
            public void onTag(int type, long timestamp, byte[] body, int offset, int length) {
                assertTrue(length <= MAX_TAG_SIZE, "tag of " + length + " bytes passed the limit");
                into.add(new Tag(type, timestamp, Arrays.copyOfRange(body, offset, offset + length)));
            }
        }, MAX_TAG_SIZE);
        int from = 0;
        try {
            for (int i = 0; i <= cuts.length; i++) {
                int to = i < cuts.length ? cuts[i] : stream.length;
                reader.feed(stream, from, to - from);
                from = to;
            }
        } catch (FlvReader.FlvFormatException refused) {
            return true;
        }
        return false;
    }

    @FuzzTest
    void videoTag(byte[] body) {
        MediaInfo info;
        try {
            info = MediaInfo.video(body);
        } catch (IllegalArgumentException tooShort) {
            return; // declared: the source refuses the tag
        }
        assertFalse(info.keyframe() && info.sequenceHeader(), "a tag is a keyframe or a configuration, not both");
        if (info.sequenceHeader()) {
            CodecDetails.Video details = CodecDetails.Video.parse(body, Map.of());
            assertTrue(details.width() >= 0 && details.width() <= MAX_WIDTH, "width " + details.width());
            assertTrue(details.height() >= 0 && details.height() <= MAX_HEIGHT, "height " + details.height());
        }
    }

    @FuzzTest
    void audioTag(byte[] body) {
        MediaInfo info;
        try {
            info = MediaInfo.audio(body);
        } catch (IllegalArgumentException tooShort) {
            return;
        }
        assertFalse(info.keyframe(), "audio has no keyframes");
        if (info.sequenceHeader()) {
            CodecDetails.Audio details = CodecDetails.Audio.parse(body);
            assertTrue(details.sampleRate() >= 0 && details.channels() >= 0 && details.channels() <= 8, details::toString);
        }
    }

    @FuzzTest
    void scriptData(byte[] payload) {
        ScriptData data;
        try {
            data = ScriptData.parse(payload);
        } catch (IllegalArgumentException refused) {
            return; // declared: not AMF0 starting with a handler name
        }
        assertTrue(data.name() != null);
        if (data.isMetadata()) {
            assertFalse(data.properties().containsKey("duration"), "live metadata keeps no duration");
            assertArrayEquals(data.body(), ScriptData.parse(data.body()).body(), "normalising metadata twice changes it");
        }
    }
}
