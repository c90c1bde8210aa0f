package io.streamlet.amf;

import java.nio.charset.StandardCharsets;

/** Bounds-checked big-endian reads over a byte range: every length is checked against what is left. */
final class AmfInput {
    /**
     * How many bytes references may stand for in one decode, beyond the bytes themselves: generous for
     * the objects peers really repeat, and a bound on what a decoded value costs to re-encode or print.
     */
    static final long MAX_REFERENCED_BYTES = 1 << 20;

    private final byte[] data;
    private final int limit;
    private int position;
    /** Bytes that references read so far stand for. */
    private long referenced;

    AmfInput(byte[] data, int offset, int length) {
        if (offset < 0 || length < 0 || offset > data.length - length) {
            throw new IndexOutOfBoundsException("range " + offset + "+" + length + " outside " + data.length + " bytes");
        }
        this.data = data;
        this.position = offset;
        this.limit = offset + length;
    }

    int remaining() {
        return limit - position;
    }

    int position() {
        return position;
    }

    /** Bytes read plus bytes that references stood for: a value's size is the difference of two marks. */
    long mark() {
        return position + referenced;
    }

    /** Counts a reference that stands for {@code size} bytes. */
    void expand(long size) throws AmfException {
        referenced += size;
        if (referenced > MAX_REFERENCED_BYTES) {
            throw new AmfException("references stand for more than " + MAX_REFERENCED_BYTES + " bytes");
        }
    }

    /** Fails unless {@code n} more bytes are there; call before allocating anything of size n. */
    void require(long n, String what) throws AmfException {
        if (n < 0 || n > remaining()) {
            throw new AmfException("truncated " + what + ": needs " + n + " bytes, " + remaining() + " left");
        }
    }

    int u8() throws AmfException {
        require(1, "value");
        return data[position++] & 0xFF;
    }

    int peekU8() throws AmfException {
        require(1, "value");
        return data[position] & 0xFF;
    }

    int u16() throws AmfException {
        require(2, "u16");
        int v = ((data[position] & 0xFF) << 8) | (data[position + 1] & 0xFF);
        position += 2;
        return v;
    }

    long u32() throws AmfException {
        require(4, "u32");
        long v = ((long) (data[position] & 0xFF) << 24) | ((data[position + 1] & 0xFF) << 16)
                | ((data[position + 2] & 0xFF) << 8) | (data[position + 3] & 0xFF);
        position += 4;
        return v;
    }

    double f64() throws AmfException {
        require(8, "number");
        long bits = 0;
        for (int i = 0; i < 8; i++) {
            bits = (bits << 8) | (data[position + i] & 0xFF);
        }
        position += 8;
        return Double.longBitsToDouble(bits);
    }

    byte[] bytes(long n, String what) throws AmfException {
        require(n, what);
        byte[] out = new byte[(int) n];
        System.arraycopy(data, position, out, 0, out.length);
        position += out.length;
        return out;
    }

    String utf8(long n) throws AmfException {
        require(n, "string");
        String s = new String(data, position, (int) n, StandardCharsets.UTF_8);
        position += (int) n;
        return s;
    }
}
