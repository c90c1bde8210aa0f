package io.streamlet.record;

import io.streamlet.amf.Amf0;
import io.streamlet.flv.FlvHeader;
import io.streamlet.flv.FlvTag;
import io.streamlet.flv.ScriptData;
import io.streamlet.live.LiveTag;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;

/**
 * FLV files: the FLV header, then the tags as they come with their timestamps rebased. The first file is byte
 * for byte what {@link io.streamlet.output.FlvEncoder} gives a player of the same cursor but for the
 * {@code onMetaData} it opens with, which gets {@code duration} and {@code filesize} (the live stream has
 * neither: they make no sense live) as 0; when the file is closed they are set to its own, in place, so that
 * players show its length and can seek, as in a file an encoder wrote.
 */
final class FlvFileWriter extends MediaFileWriter {
    /** An AMF0 object key as it precedes its value (a u16 length, the name), then the number marker. */
    private static final byte[] DURATION_KEY = amfNumberKey("duration");
    private static final byte[] FILESIZE_KEY = amfNumberKey("filesize");

    private final byte[] tagHeader = new byte[FlvTag.HEADER_SIZE];
    /** Bytes written to the current file. */
    private long position;
    /** Where the opening onMetaData's duration and filesize numbers are in the current file; -1: not there. */
    private long durationAt = -1;
    private long filesizeAt = -1;

    FlvFileWriter(DvrConfig.Plan plan, long segmentMs, boolean audio, boolean video) {
        super(plan, segmentMs, audio, video);
    }

    @Override
    protected void start(OutputStream out) throws IOException {
        byte[] fileHeader = FlvHeader.of(audio, video);
        position = fileHeader.length;
        durationAt = -1;
        filesizeAt = -1;
        out.write(fileHeader);
        for (LiveTag header : new LiveTag[] {metadata, videoHeader, audioHeader}) {
            if (header != null) append(header, 0, out);
        }
    }

    @Override
    protected void append(LiveTag tag, long time, OutputStream out) throws IOException {
        byte[] frame = tag.flvFrame(); // shared with every other consumer: the timestamp goes in a copy of the header
        if (tag.type() == FlvTag.SCRIPT && tag.isHeader() && !hasMedia() && durationAt < 0) {
            frame = withFileFields(frame);
            durationAt = numberAt(frame, DURATION_KEY);
            filesizeAt = numberAt(frame, FILESIZE_KEY);
        }
        System.arraycopy(frame, 0, tagHeader, 0, FlvTag.HEADER_SIZE);
        FlvTag.writeTimestamp(tagHeader, 0, (int) time);
        out.write(tagHeader);
        out.write(frame, FlvTag.HEADER_SIZE, frame.length - FlvTag.HEADER_SIZE);
        position += frame.length;
    }

    @Override
    void closed(Path file, long bytes) throws IOException {
        if (durationAt < 0 && filesizeAt < 0) return;
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
            if (durationAt >= 0) channel.write(ByteBuffer.allocate(8).putDouble(0, durationMs() / 1000.0), durationAt);
            if (filesizeAt >= 0) channel.write(ByteBuffer.allocate(8).putDouble(0, bytes), filesizeAt);
        }
    }

    /** The onMetaData tag {@code frame} with {@code duration} and {@code filesize} 0 added; as it is if it is not one. */
    private static byte[] withFileFields(byte[] frame) {
        ScriptData script;
        try {
            script = ScriptData.parse(Arrays.copyOfRange(frame, FlvTag.HEADER_SIZE, frame.length - FlvTag.TRAILER_SIZE));
        } catch (IllegalArgumentException e) {
            return frame; // the live core checked it already
        }
        if (!script.isMetadata()) return frame;
        Amf0.EcmaArray properties = new Amf0.EcmaArray(script.properties());
        properties.put("duration", 0.0);
        properties.put("filesize", 0.0);
        return FlvTag.frame(FlvTag.SCRIPT, Amf0.encode(ScriptData.ON_METADATA, properties));
    }

    /** The file offset of the 8-byte number after {@code key} in the tag {@code frame} about to be written; -1 if none. */
    private long numberAt(byte[] frame, byte[] key) {
        outer:
        for (int i = FlvTag.HEADER_SIZE; i + key.length + 8 <= frame.length; i++) {
            for (int j = 0; j < key.length; j++) {
                if (frame[i + j] != key[j]) continue outer;
            }
            return position + i + key.length;
        }
        return -1;
    }

    private static byte[] amfNumberKey(String name) {
        byte[] key = new byte[2 + name.length() + 1];
        key[1] = (byte) name.length();
        System.arraycopy(name.getBytes(StandardCharsets.US_ASCII), 0, key, 2, name.length());
        key[key.length - 1] = 0; // AMF0 number marker
        return key;
    }
}
