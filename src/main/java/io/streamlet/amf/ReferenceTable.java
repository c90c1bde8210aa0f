package io.streamlet.amf;

import java.util.ArrayList;
import java.util.List;

/**
 * Values that later bytes may refer to by index: AMF0's complex values, AMF3's strings, objects and traits.
 *
 * <p>A reference is refused while its value is still being read: it would make the value contain itself,
 * which nothing downstream (re-encoding, {@code equals}, {@code toString}) survives. And each reference
 * counts the bytes its value took to read, as if written out again, into {@link AmfInput#expand}: a few
 * bytes of references must not stand for an exponentially large value (AMF's "billion laughs").
 */
final class ReferenceTable<T> {
    private static final long READING = -1;

    private final AmfInput in;
    private final String kind;
    private final List<T> values = new ArrayList<>();
    /** Where each value started, in {@link AmfInput#mark()} terms. */
    private final List<Long> starts = new ArrayList<>();
    /** Each value's size as if written out in full, or {@link #READING}. */
    private final List<Long> sizes = new ArrayList<>();

    ReferenceTable(AmfInput in, String kind) {
        this.in = in;
        this.kind = kind;
    }

    /** Adds a value whose reading starts now; returns its index for {@link #set} and {@link #close}. */
    int open(T value) {
        values.add(value);
        starts.add(in.mark());
        sizes.add(READING);
        return values.size() - 1;
    }

    /** Replaces the value at {@code index} (one that could only be known once read). */
    void set(int index, T value) {
        values.set(index, value);
    }

    /** The value at {@code index} has been read: it may be referred to from now on. */
    void close(int index) {
        sizes.set(index, in.mark() - starts.get(index));
    }

    /** Adds a value already read, of {@code size} bytes. */
    void add(T value, long size) {
        values.add(value);
        starts.add(in.mark());
        sizes.add(size);
    }

    /** The value a reference names. */
    T get(int index) throws AmfException {
        if (index < 0 || index >= values.size()) throw new AmfException(kind + " reference " + index + " to nothing");
        long size = sizes.get(index);
        if (size == READING) throw new AmfException(kind + " reference " + index + " to a value that contains it");
        in.expand(size);
        return values.get(index);
    }
}
