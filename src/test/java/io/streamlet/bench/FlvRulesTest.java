package io.streamlet.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.streamlet.flv.FlvHeader;
import io.streamlet.flv.FlvTag;
import org.junit.jupiter.api.Test;

class FlvRulesTest {
    private static final byte[] METADATA = {2, 0, 10, 'o', 'n', 'M', 'e', 't', 'a', 'D', 'a', 't', 'a', 8, 0, 0, 0, 0};
    private static final byte[] AVC_HEADER = {0x17, 0, 0, 0, 0, 1, 0x64};
    private static final byte[] AAC_HEADER = {(byte) 0xAF, 0, 0x12, 0x10};
    private static final byte[] KEYFRAME = {0x17, 1, 0, 0, 0, 0, 0, 0, 1};
    private static final byte[] INTER_FRAME = {0x27, 1, 0, 0, 0, 0, 0, 0, 1};
    private static final byte[] AAC_FRAME = {(byte) 0xAF, 1, 0x21, 0x10};

    private final long[] violations = new long[Violation.values().length];
    private final FlvRules rules = new FlvRules(violations);

    @Test
    void aStreamInTheRequiredOrderHasNoViolation() {
        rules.onHeader(FlvHeader.FLAG_AUDIO | FlvHeader.FLAG_VIDEO);
        tag(FlvTag.SCRIPT, 0, METADATA);
        tag(FlvTag.VIDEO, 0, AVC_HEADER);
        tag(FlvTag.AUDIO, 0, AAC_HEADER);
        tag(FlvTag.VIDEO, 0, KEYFRAME);
        tag(FlvTag.AUDIO, 10, AAC_FRAME);
        tag(FlvTag.VIDEO, 33, INTER_FRAME);
        assertEquals(0, total());
    }

    @Test
    void eachBrokenRuleIsCountedByKind() {
        rules.onHeader(FlvHeader.FLAG_VIDEO);
        tag(FlvTag.VIDEO, 40, AVC_HEADER);
        tag(FlvTag.VIDEO, 40, INTER_FRAME);
        tag(FlvTag.VIDEO, 20, INTER_FRAME);
        assertEquals(1, count(Violation.HEADER_FLAGS));
        assertEquals(1, count(Violation.FIRST_TAG_NOT_METADATA));
        assertEquals(1, count(Violation.FIRST_TIMESTAMP_NOT_ZERO));
        assertEquals(1, count(Violation.MISSING_SEQUENCE_HEADER));
        assertEquals(1, count(Violation.FIRST_FRAME_NOT_KEYFRAME));
        assertEquals(1, count(Violation.TIMESTAMP_BACKWARDS));
        assertEquals(6, total());
    }

    private void tag(int type, long timestamp, byte[] body) {
        byte[] padded = new byte[body.length + 4];
        System.arraycopy(body, 0, padded, 2, body.length);
        rules.onTag(type, timestamp, padded, 2, body.length);
    }

    private long count(Violation violation) {
        return violations[violation.ordinal()];
    }

    private long total() {
        long total = 0;
        for (long count : violations) total += count;
        return total;
    }
}
