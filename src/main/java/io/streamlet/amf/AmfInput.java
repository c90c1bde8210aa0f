package io.streamlet.amf;

import java.nio.charset.StandardCharsets;

/** Bounds-checked big-endian reads over a byte range: every length is checked against what is left. */
final class AmfInput {
    private final byte[] data;
    private final int limit;
    private int position;

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
