package io.streamlet.record;

import io.streamlet.flv.FlvHeader;
import io.streamlet.flv.FlvTag;
import io.streamlet.live.LiveTag;
import java.io.IOException;
import java.io.OutputStream;

/**
 * FLV files: the FLV header, then the tags as they come with their timestamps rebased. The first file is byte
 * for byte what {@link io.streamlet.output.FlvEncoder} gives a player of the same cursor.
 */
final class FlvFileWriter extends MediaFileWriter {
    private final byte[] tagHeader = new byte[FlvTag.HEADER_SIZE];

    FlvFileWriter(DvrConfig.Plan plan, long segmentMs, boolean audio, boolean video) {
        super(plan, segmentMs, audio, video);
    }

    @Override
    protected void start(OutputStream out) throws IOException {
        out.write(FlvHeader.of(audio, video));
        for (LiveTag header : new LiveTag[] {metadata, videoHeader, audioHeader}) {
            if (header != null) append(header, 0, out);
        }
    }

    @Override
    protected void append(LiveTag tag, long time, OutputStream out) throws IOException {
        byte[] frame = tag.flvFrame(); // shared with every other consumer: the timestamp goes in a copy of the header
        System.arraycopy(frame, 0, tagHeader, 0, FlvTag.HEADER_SIZE);
        FlvTag.writeTimestamp(tagHeader, 0, (int) time);
        out.write(tagHeader);
        out.write(frame, FlvTag.HEADER_SIZE, frame.length - FlvTag.HEADER_SIZE);
    }
}
