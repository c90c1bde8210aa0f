package io.streamlet.rtmp;

import java.util.ArrayList;
import java.util.List;

/**
 * Splits an aggregate message (type 22, RTMP 1.0 section 7.1.6): FLV-tag-like sub-messages, each
 * "type(1) size(3) timestamp(3) timestamp-extended(1) stream-id(3) body back-pointer(4)".
 */
public final class AggregateMessages {
    private static final int SUB_HEADER_SIZE = 11;
    private static final int BACK_POINTER_SIZE = 4;

    private AggregateMessages() {}

    /**
     * The sub-messages, on the aggregate's chunk and message stream, with timestamps rebased so the
     * first one is at the aggregate's timestamp and the gaps between them are kept (wrapping at 2^32).
     */
    public static List<RtmpMessage> split(RtmpMessage aggregate) throws RtmpProtocolException {
        byte[] p = aggregate.payload();
        List<RtmpMessage> out = new ArrayList<>();
        long firstTimestamp = -1;
        int pos = 0;
        while (pos < p.length) {
            if (p.length - pos < SUB_HEADER_SIZE) {
                throw new RtmpProtocolException("aggregate message: truncated sub-message header at offset " + pos);
            }
            int type = p[pos] & 0xFF;
            int size = ((p[pos + 1] & 0xFF) << 16) | ((p[pos + 2] & 0xFF) << 8) | (p[pos + 3] & 0xFF);
            long timestamp = ((long) (p[pos + 7] & 0xFF) << 24) | ((p[pos + 4] & 0xFF) << 16)
                    | ((p[pos + 5] & 0xFF) << 8) | (p[pos + 6] & 0xFF);
            int bodyStart = pos + SUB_HEADER_SIZE;
            if (p.length - bodyStart < (long) size + BACK_POINTER_SIZE) {
                throw new RtmpProtocolException("aggregate message: sub-message of " + size + " bytes at offset " + pos
                        + " overruns the " + p.length + "-byte aggregate");
            }
            if (type != MessageType.AUDIO && type != MessageType.VIDEO && type != MessageType.DATA_AMF0) {
                throw new RtmpProtocolException("aggregate message: sub-message of type " + type + " at offset " + pos);
            }
            if (firstTimestamp < 0) firstTimestamp = timestamp;
            long rebased = (aggregate.timestamp() + timestamp - firstTimestamp) & RtmpMessage.UINT32_MASK;
            byte[] body = new byte[size];
            System.arraycopy(p, bodyStart, body, 0, size);
            out.add(new RtmpMessage(aggregate.csid(), type, rebased, aggregate.streamId(), body));
            pos = bodyStart + size + BACK_POINTER_SIZE;
        }
        return out;
    }
}
