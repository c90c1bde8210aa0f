package io.streamlet.flv;

import java.util.Arrays;

/**
 * An incremental FLV parser: feed it the bytes of an FLV stream in pieces of any size, and it reports
 * the header and each whole tag, checking the framing as it goes (signature, header size,
 * PreviousTagSize0 and every PreviousTagSize = 11 + DataSize).
 */
public final class FlvReader {
    /** Receives what the stream holds, in order. */
    public interface Handler {
        void onHeader(int flags);

        /** {@code body} is valid only during the call. */
        void onTag(int type, long timestamp, byte[] body, int offset, int length);
    }

    /** The bytes are not a well-formed FLV stream. */
    public static final class FlvFormatException extends Exception {
        FlvFormatException(String message) {
            super(message);
        }
    }

    private final Handler handler;
    private final int maxTagSize;
    private byte[] buf = new byte[8192];
    private int start;
    private int end;
    private boolean headerDone;
    private long tags;

    public FlvReader(Handler handler) {
        this(handler, FlvTag.MAX_BODY_SIZE);
    }

    public FlvReader(Handler handler, int maxTagSize) {
        this.handler = handler;
        this.maxTagSize = maxTagSize;
    }

    /** Tags parsed so far. */
    public long tags() {
        return tags;
    }

    public void feed(byte[] data, int offset, int length) throws FlvFormatException {
        append(data, offset, length);
        if (!headerDone) {
            if (end - start < FlvHeader.SIZE) return;
            parseHeader();
        }
        while (end - start >= FlvTag.HEADER_SIZE) {
            int size = u24(start + 1);
            if (size > maxTagSize) throw new FlvFormatException("tag " + tags + " claims " + size + " bytes");
            int total = FlvTag.HEADER_SIZE + size + FlvTag.TRAILER_SIZE;
            if (end - start < total) break;
            int type = buf[start] & 0x1F;
            long timestamp = FlvTag.readTimestamp(buf, start);
            int previous = u32(start + FlvTag.HEADER_SIZE + size);
            if (previous != FlvTag.HEADER_SIZE + size) {
                throw new FlvFormatException("tag " + tags + ": PreviousTagSize " + previous + " != " + (11 + size));
            }
            if (u24(start + 8) != 0) throw new FlvFormatException("tag " + tags + ": StreamID is not 0");
            handler.onTag(type, timestamp, buf, start + FlvTag.HEADER_SIZE, size);
            tags++;
            start += total;
        }
    }

    private void parseHeader() throws FlvFormatException {
        if (buf[start] != 'F' || buf[start + 1] != 'L' || buf[start + 2] != 'V' || buf[start + 3] != 1) {
            throw new FlvFormatException("no FLV version 1 signature");
        }
        if (u32(start + 5) != 9) throw new FlvFormatException("FLV header size is not 9");
        if (u32(start + 9) != 0) throw new FlvFormatException("PreviousTagSize0 is not 0");
        handler.onHeader(buf[start + 4] & 0xFF);
        headerDone = true;
        start += FlvHeader.SIZE;
    }

    private void append(byte[] data, int offset, int length) {
        if (end + length > buf.length) {
            int live = end - start;
            if (live + length > buf.length) buf = Arrays.copyOf(buf, Math.max(buf.length * 2, live + length));
            System.arraycopy(buf, start, buf, 0, live);
            start = 0;
            end = live;
        }
        System.arraycopy(data, offset, buf, end, length);
        end += length;
    }

    private int u24(int at) {
        return ((buf[at] & 0xFF) << 16) | ((buf[at + 1] & 0xFF) << 8) | (buf[at + 2] & 0xFF);
    }

    private int u32(int at) {
        return (u24(at) << 8) | (buf[at + 3] & 0xFF);
    }
}
