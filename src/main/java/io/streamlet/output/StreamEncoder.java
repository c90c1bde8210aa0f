package io.streamlet.output;

import io.streamlet.live.LiveCursor;

/**
 * Turns what a {@link LiveCursor} yields into one output's byte stream (an FLV file, an RTMP chunk
 * stream), read in pieces by the delivery layer into its write buffer. One thread at a time reads.
 */
public interface StreamEncoder {

    /**
     * Copies the next bytes of the stream into {@code buf}.
     *
     * @return the number of bytes copied; 0 when nothing is available now (the cursor's listener will be
     *     called when something is); -1 once the stream has ended and everything was delivered
     */
    int read(byte[] buf, int off, int len);

    /** The cursor the bytes come from. */
    LiveCursor cursor();
}
