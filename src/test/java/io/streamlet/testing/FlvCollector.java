package io.streamlet.testing;

import io.streamlet.flv.FlvReader;
import io.streamlet.flv.FlvTag;
import io.streamlet.flv.MediaInfo;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** Parses an FLV byte stream with {@link FlvReader} and keeps what it held, for assertions. */
public final class FlvCollector implements FlvReader.Handler {
    /** One parsed tag. */
    public record Tag(int type, long timestamp, byte[] body) {
        public boolean isVideo() {
            return type == FlvTag.VIDEO;
        }

        public boolean isAudio() {
            return type == FlvTag.AUDIO;
        }

        public boolean isKeyframe() {
            return isVideo() && MediaInfo.video(body).keyframe();
        }

        public boolean isSequenceHeader() {
            return isVideo() ? MediaInfo.video(body).sequenceHeader()
                    : isAudio() && MediaInfo.audio(body).sequenceHeader();
        }

        @Override
        public String toString() {
            String kind = switch (type) {
                case FlvTag.VIDEO -> isSequenceHeader() ? "avc-header" : isKeyframe() ? "key" : "video";
                case FlvTag.AUDIO -> isSequenceHeader() ? "aac-header" : "audio";
                default -> "script";
            };
            return kind + "@" + timestamp;
        }
    }

    public final FlvReader reader = new FlvReader(this);
    public int headerFlags = -1;
    public final List<Tag> tags = new ArrayList<>();

    public void feed(byte[] b, int off, int len) throws FlvReader.FlvFormatException {
        reader.feed(b, off, len);
    }

    @Override
    public void onHeader(int flags) {
        headerFlags = flags;
    }

    @Override
    public void onTag(int type, long timestamp, byte[] body, int offset, int length) {
        tags.add(new Tag(type, timestamp, Arrays.copyOfRange(body, offset, offset + length)));
    }

    public List<Tag> media() {
        return tags.stream().filter(t -> t.type() != FlvTag.SCRIPT).toList();
    }
}
