package io.streamlet.bench;

import io.streamlet.flv.FlvReader;
import io.streamlet.flv.FlvReader.FlvFormatException;
import io.streamlet.flv.FlvTag;
import io.streamlet.flv.MediaInfo;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** The FLV file the benchmark publishes, read whole into its tags (a minute of sample is a few MB). */
final class SampleFile {
    /** One tag of the file; {@code media} is null for script tags. */
    record Tag(int type, long timestamp, byte[] body, MediaInfo media) {
        /** Metadata and sequence headers: sent once, unmodified, not on every pass. */
        boolean isHeader() {
            return media == null || media.sequenceHeader();
        }
    }

    /** An FLV tag's header (11 bytes) and the previous-tag-size field after it (4). */
    private static final int FLV_FRAMING = 15;

    final List<Tag> tags;
    /** Media time one pass through the file takes: the last timestamp plus one video frame. */
    final long loopMillis;

    private SampleFile(List<Tag> tags, long loopMillis) {
        this.tags = tags;
        this.loopMillis = loopMillis;
    }

    static SampleFile read(Path path) throws IOException {
        byte[] bytes = Files.readAllBytes(path);
        List<Tag> tags = new ArrayList<>();
        FlvReader reader = new FlvReader(new FlvReader.Handler() {
            @Override
            public void onHeader(int flags) {}

            @Override
            public void onTag(int type, long timestamp, byte[] body, int offset, int length) {
                byte[] copy = Arrays.copyOfRange(body, offset, offset + length);
                MediaInfo media = switch (type) {
                    case FlvTag.AUDIO -> MediaInfo.audio(copy);
                    case FlvTag.VIDEO -> MediaInfo.video(copy);
                    default -> null;
                };
                tags.add(new Tag(type, timestamp, copy, media));
            }
        });
        try {
            reader.feed(bytes, 0, bytes.length);
        } catch (FlvFormatException e) {
            throw new IOException(path + ": " + e.getMessage(), e);
        }
        if (tags.stream().noneMatch(t -> t.media() != null && t.media().keyframe())) {
            throw new IOException(path + ": no video keyframe");
        }
        return new SampleFile(tags, lastTimestamp(tags) + videoFrameMillis(tags));
    }

    /** Stamped media tags per second of media, to size the {@link SendLog}. */
    double mediaTagsPerSecond() {
        long media = tags.stream().filter(t -> !t.isHeader()).count();
        return media * 1000.0 / Math.max(1, loopMillis);
    }

    /** The stream's rate in bit/s as players receive it: every media tag with its FLV framing, once per pass. */
    double bitsPerSecond() {
        long bytes = tags.stream().filter(t -> !t.isHeader()).mapToLong(t -> t.body().length + FLV_FRAMING).sum();
        return bytes * 8 * 1000.0 / Math.max(1, loopMillis);
    }

    private static long lastTimestamp(List<Tag> tags) {
        return tags.stream().mapToLong(Tag::timestamp).max().orElse(0);
    }

    private static long videoFrameMillis(List<Tag> tags) {
        long previous = -1;
        long smallest = Long.MAX_VALUE;
        for (Tag tag : tags) {
            if (tag.type() != FlvTag.VIDEO || tag.isHeader()) continue;
            if (previous >= 0 && tag.timestamp() > previous) smallest = Math.min(smallest, tag.timestamp() - previous);
            previous = tag.timestamp();
        }
        return smallest == Long.MAX_VALUE ? 40 : smallest;
    }
}
