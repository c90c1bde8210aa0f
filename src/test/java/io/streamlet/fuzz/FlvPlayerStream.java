package io.streamlet.fuzz;

import io.streamlet.flv.FlvHeader;
import io.streamlet.flv.FlvReader;
import io.streamlet.flv.FlvTag;
import io.streamlet.flv.MediaInfo;

/**
 * Checks, as its bytes arrive in pieces of any size, that one player's FLV stream keeps the rules of
 * shared/DESIGN.md whatever the publisher sent: a well-framed FLV (signature, header size, PreviousTagSize0,
 * every PreviousTagSize = 11 + DataSize, StreamID 0, via {@link FlvReader}), audio and video only when the
 * header's flags announce them, the first tag at 0, timestamps never going backwards, and video starting
 * at a keyframe (sequence headers may come before it). A broken rule throws {@link AssertionError}.
 *
 * <p>Independent of how the bytes are produced, so it checks any FLV output (a consumer, an encoder).
 */
final class FlvPlayerStream implements FlvReader.Handler {
    private final FlvReader reader = new FlvReader(this);
    private int flags = -1;
    private boolean firstTagSeen;
    private long lastTimestamp;
    private boolean videoFrameSeen;

    /** Checks the next {@code length} bytes of the stream. */
    void feed(byte[] bytes, int offset, int length) {
        try {
            reader.feed(bytes, offset, length);
        } catch (FlvReader.FlvFormatException e) {
            throw new AssertionError("player stream is not well-framed FLV: " + e.getMessage(), e);
        }
    }

    /** Tags checked so far. */
    long tags() {
        return reader.tags();
    }

    @Override
    public void onHeader(int headerFlags) {
        if ((headerFlags & ~(FlvHeader.FLAG_AUDIO | FlvHeader.FLAG_VIDEO)) != 0) {
            throw new AssertionError("FLV header flags 0x" + Integer.toHexString(headerFlags) + " set reserved bits");
        }
        flags = headerFlags;
    }

    @Override
    public void onTag(int type, long timestamp, byte[] body, int offset, int length) {
        if (type != FlvTag.AUDIO && type != FlvTag.VIDEO && type != FlvTag.SCRIPT) {
            throw new AssertionError("tag " + reader.tags() + " has type " + type);
        }
        if (!firstTagSeen) {
            firstTagSeen = true;
            if (timestamp != 0) throw new AssertionError("first tag at " + timestamp + " ms, not 0");
        } else if (timestamp < lastTimestamp) {
            throw new AssertionError("tag " + reader.tags() + " at " + timestamp + " ms after one at " + lastTimestamp);
        }
        lastTimestamp = timestamp;
        if (type == FlvTag.AUDIO && (flags & FlvHeader.FLAG_AUDIO) == 0) {
            throw new AssertionError("audio tag in a stream whose header announced none");
        }
        if (type == FlvTag.VIDEO) {
            if ((flags & FlvHeader.FLAG_VIDEO) == 0) throw new AssertionError("video tag in a stream whose header announced none");
            byte[] copy = java.util.Arrays.copyOfRange(body, offset, offset + length);
            MediaInfo info = MediaInfo.video(copy); // the source accepted it, so it parses
            if (!info.sequenceHeader() && !videoFrameSeen) {
                videoFrameSeen = true;
                if (!info.keyframe()) throw new AssertionError("video starts at a frame that is not a keyframe");
            }
        }
    }
}
