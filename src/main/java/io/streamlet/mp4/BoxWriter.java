package io.streamlet.mp4;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Writes ISO base media boxes (ISO/IEC 14496-12 4.2) big-endian into a growing array: {@link #box} opens
 * a box with a placeholder size that {@link #end} fills in, so nested boxes are written in one pass.
 */
final class BoxWriter {
    private byte[] buf = new byte[1024];
    private int size;
    private int[] open = new int[16];
    private int depth;

    BoxWriter box(String type) {
        if (depth == open.length) open = Arrays.copyOf(open, depth * 2);
        open[depth++] = size;
        u32(0);
        return ascii(type);
    }

    /** A FullBox: a box with a version byte and 24 bits of flags. */
    BoxWriter fullBox(String type, int version, int flags) {
        return box(type).u8(version).u24(flags);
    }

    BoxWriter end() {
        int start = open[--depth];
        putInt(start, size - start);
        return this;
    }

    BoxWriter u8(int v) {
        ensure(1);
        buf[size++] = (byte) v;
        return this;
    }

    BoxWriter u16(int v) {
        return u8(v >>> 8).u8(v);
    }

    BoxWriter u24(int v) {
        return u8(v >>> 16).u16(v);
    }

    BoxWriter u32(long v) {
        ensure(4);
        putInt(size, (int) v);
        size += 4;
        return this;
    }

    BoxWriter u64(long v) {
        return u32(v >>> 32).u32(v);
    }

    BoxWriter zeros(int n) {
        ensure(n);
        size += n; // the array is zero-filled and never rewound
        return this;
    }

    BoxWriter bytes(byte[] b) {
        ensure(b.length);
        System.arraycopy(b, 0, buf, size, b.length);
        size += b.length;
        return this;
    }

    BoxWriter ascii(String s) {
        return bytes(s.getBytes(StandardCharsets.US_ASCII));
    }

    /** Bytes written so far. */
    int size() {
        return size;
    }

    /** Overwrites 4 bytes already written, at {@code at}. */
    void putInt(int at, int v) {
        buf[at] = (byte) (v >>> 24);
        buf[at + 1] = (byte) (v >>> 16);
        buf[at + 2] = (byte) (v >>> 8);
        buf[at + 3] = (byte) v;
    }

    byte[] toByteArray() {
        if (depth != 0) throw new IllegalStateException(depth + " boxes left open");
        return Arrays.copyOf(buf, size);
    }

    private void ensure(int n) {
        if (size + n > buf.length) buf = Arrays.copyOf(buf, Math.max(buf.length * 2, size + n));
    }
}
