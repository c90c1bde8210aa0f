package io.streamlet.bench;

/**
 * Decodes an HTTP/1.1 chunked body (RFC 9112, 7.1) in place and incrementally: each call moves the
 * payload bytes of the given range to its front and returns how many there are, so a player parses
 * the FLV stream straight out of its read buffer without a second copy.
 */
final class ChunkedDecoder {
    /** The body is not well-formed chunked encoding. */
    static final class ChunkedFormatException extends Exception {
        ChunkedFormatException(String message) {
            super(message);
        }
    }

    /** Any single chunk claiming more is taken for corruption (the server writes tens of KiB at most). */
    private static final long MAX_CHUNK_SIZE = 64L << 20;
    private static final int MAX_LINE = 1024;

    private enum State { SIZE, SIZE_EXTENSION, SIZE_LF, DATA, DATA_CR, DATA_LF, TRAILER, TRAILER_LF, DONE }

    private State state = State.SIZE;
    private long chunkLeft;
    private int sizeDigits;
    private int lineLength;

    /** True once the terminating zero-size chunk and its trailer section were read. */
    boolean done() {
        return state == State.DONE;
    }

    /** Decodes {@code buf[offset, offset+length)}; returns the payload length now at {@code buf[offset]}. */
    int decode(byte[] buf, int offset, int length) throws ChunkedFormatException {
        int out = offset;
        int end = offset + length;
        int i = offset;
        while (i < end) {
            if (state == State.DATA) {
                int n = (int) Math.min(chunkLeft, end - i);
                if (out != i) System.arraycopy(buf, i, buf, out, n);
                out += n;
                i += n;
                chunkLeft -= n;
                if (chunkLeft == 0) state = State.DATA_CR;
                continue;
            }
            byte b = buf[i++];
            switch (state) {
                case SIZE -> sizeByte(b);
                case SIZE_EXTENSION -> {
                    if (b == '\n') endSizeLine();
                    else if (++lineLength > MAX_LINE) throw new ChunkedFormatException("chunk extension too long");
                }
                case SIZE_LF -> {
                    if (b != '\n') throw new ChunkedFormatException("chunk size line not ended by CRLF");
                    endSizeLine();
                }
                case DATA_CR -> state = expect(b, '\r', State.DATA_LF, "chunk data not followed by CRLF");
                case DATA_LF -> state = expect(b, '\n', State.SIZE, "chunk data not followed by CRLF");
                case TRAILER -> {
                    if (b == '\r') state = State.TRAILER_LF;
                    else if (b == '\n') state = lineLength == 0 ? State.DONE : resetLine(State.TRAILER);
                    else if (++lineLength > MAX_LINE) throw new ChunkedFormatException("trailer line too long");
                }
                case TRAILER_LF -> {
                    if (b != '\n') throw new ChunkedFormatException("trailer line not ended by CRLF");
                    state = lineLength == 0 ? State.DONE : resetLine(State.TRAILER);
                }
                case DONE -> throw new ChunkedFormatException("bytes after the terminating chunk");
                default -> throw new IllegalStateException(state.name());
            }
        }
        return out - offset;
    }

    private void sizeByte(byte b) throws ChunkedFormatException {
        int digit = hexDigit(b);
        if (digit >= 0) {
            chunkLeft = chunkLeft * 16 + digit;
            if (++sizeDigits > 8 || chunkLeft > MAX_CHUNK_SIZE) throw new ChunkedFormatException("chunk size too large");
        } else if (sizeDigits == 0) {
            throw new ChunkedFormatException("chunk size line without digits");
        } else if (b == '\r') {
            state = State.SIZE_LF;
        } else if (b == ';' || b == ' ' || b == '\t') {
            state = State.SIZE_EXTENSION;
            lineLength = 0;
        } else {
            throw new ChunkedFormatException("bad character in chunk size");
        }
    }

    private static int hexDigit(byte b) {
        if (b >= '0' && b <= '9') return b - '0';
        if (b >= 'a' && b <= 'f') return b - 'a' + 10;
        if (b >= 'A' && b <= 'F') return b - 'A' + 10;
        return -1;
    }

    private void endSizeLine() {
        sizeDigits = 0;
        lineLength = 0;
        state = chunkLeft == 0 ? State.TRAILER : State.DATA;
    }

    private State resetLine(State next) {
        lineLength = 0;
        return next;
    }

    private static State expect(byte b, char wanted, State next, String error) throws ChunkedFormatException {
        if (b != wanted) throw new ChunkedFormatException(error);
        return next;
    }
}
