package io.streamlet.bench;

import io.streamlet.flv.FlvHeader;
import io.streamlet.flv.FlvTag;
import io.streamlet.flv.MediaInfo;
import java.util.Arrays;

/**
 * Checks one player's FLV stream against what a new player must receive: the header flags, onMetaData
 * first, both sequence headers before any media, a keyframe first, and timestamps starting at 0 and
 * never going backwards. Framing itself is checked by {@link io.streamlet.flv.FlvReader}.
 */
final class FlvRules {
    /** AMF0 string "onMetaData": type marker 2, length 10, the name. */
    private static final byte[] ON_METADATA = {2, 0, 10, 'o', 'n', 'M', 'e', 't', 'a', 'D', 'a', 't', 'a'};
    /** Enough of a media tag for {@link MediaInfo} to classify it, codec headers included. */
    private static final int INSPECTED_BYTES = 32;

    private final long[] violations;
    private boolean firstTagSeen;
    private boolean videoHeaderSeen;
    private boolean audioHeaderSeen;
    private boolean mediaStarted;
    private long lastTimestamp;

    /** Counts each violation into {@code violations}, indexed by {@link Violation#ordinal()}. */
    FlvRules(long[] violations) {
        this.violations = violations;
    }

    void onHeader(int flags) {
        if (flags != (FlvHeader.FLAG_AUDIO | FlvHeader.FLAG_VIDEO)) violate(Violation.HEADER_FLAGS);
    }

    /** Checks a tag; returns what it carries for audio and video, null for anything else. */
    MediaInfo onTag(int type, long timestamp, byte[] body, int offset, int length) {
        if (!firstTagSeen) {
            firstTagSeen = true;
            if (type != FlvTag.SCRIPT || !startsWith(body, offset, length, ON_METADATA)) {
                violate(Violation.FIRST_TAG_NOT_METADATA);
            }
            if (timestamp != 0) violate(Violation.FIRST_TIMESTAMP_NOT_ZERO);
        } else if (timestamp < lastTimestamp) {
            violate(Violation.TIMESTAMP_BACKWARDS);
        }
        lastTimestamp = timestamp;
        if (type != FlvTag.AUDIO && type != FlvTag.VIDEO) return null;

        MediaInfo info;
        try {
            byte[] head = Arrays.copyOfRange(body, offset, offset + Math.min(length, INSPECTED_BYTES));
            info = type == FlvTag.VIDEO ? MediaInfo.video(head) : MediaInfo.audio(head);
        } catch (IllegalArgumentException e) {
            violate(Violation.MALFORMED_MEDIA_TAG);
            return null;
        }
        if (info.sequenceHeader()) {
            if (type == FlvTag.VIDEO) videoHeaderSeen = true;
            else audioHeaderSeen = true;
        } else if (!mediaStarted) {
            mediaStarted = true;
            if (!videoHeaderSeen || !audioHeaderSeen) violate(Violation.MISSING_SEQUENCE_HEADER);
            if (type != FlvTag.VIDEO || !info.keyframe()) violate(Violation.FIRST_FRAME_NOT_KEYFRAME);
        }
        return info;
    }

    void violate(Violation violation) {
        violations[violation.ordinal()]++;
    }

    private static boolean startsWith(byte[] body, int offset, int length, byte[] prefix) {
        return length >= prefix.length
                && Arrays.equals(body, offset, offset + prefix.length, prefix, 0, prefix.length);
    }
}
