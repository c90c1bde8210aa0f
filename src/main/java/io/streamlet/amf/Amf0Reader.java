package io.streamlet.amf;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Reads AMF0 values one at a time from a byte range; see {@link Amf0} for the Java mapping. */
public final class Amf0Reader {
    private final AmfInput in;
    /** Complex values in decoding order, for AMF0 reference markers. */
    private final ReferenceTable<Object> references;

    public Amf0Reader(byte[] data, int offset, int length) {
        this.in = new AmfInput(data, offset, length);
        this.references = new ReferenceTable<>(in, "AMF0");
    }

    public boolean hasRemaining() {
        return in.remaining() > 0;
    }

    /** Offset of the next unread byte in the array given to the constructor. */
    public int position() {
        return in.position();
    }

    public Object read() throws AmfException {
        return read(0);
    }

    private Object read(int depth) throws AmfException {
        if (depth > Amf0.MAX_DEPTH) throw new AmfException("AMF0 nesting deeper than " + Amf0.MAX_DEPTH);
        int marker = in.u8();
        return switch (marker) {
            case Amf0.NUMBER -> in.f64();
            case Amf0.BOOLEAN -> in.u8() != 0;
            case Amf0.STRING -> in.utf8(in.u16());
            case Amf0.LONG_STRING, Amf0.XML_DOCUMENT -> in.utf8(in.u32());
            case Amf0.NULL, Amf0.UNSUPPORTED -> null;
            case Amf0.UNDEFINED_MARKER -> Amf0.UNDEFINED;
            case Amf0.OBJECT -> readProperties(new LinkedHashMap<>(), depth);
            case Amf0.TYPED_OBJECT -> {
                in.utf8(in.u16()); // the class name has no meaning to us
                yield readProperties(new LinkedHashMap<>(), depth);
            }
            case Amf0.ECMA_ARRAY -> {
                in.u32(); // the count is only a hint; the end marker is what ends the array
                yield readProperties(new Amf0.EcmaArray(), depth);
            }
            case Amf0.STRICT_ARRAY -> readStrictArray(depth);
            case Amf0.DATE -> {
                double millis = in.f64();
                in.u16(); // time zone: reserved, always 0
                yield dateOf(millis);
            }
            case Amf0.REFERENCE -> references.get(in.u16());
            case Amf0.AVMPLUS -> new Amf3Reader(in).read(depth + 1);
            default -> throw new AmfException("unknown AMF0 marker 0x" + Integer.toHexString(marker));
        };
    }

    private Map<String, Object> readProperties(Map<String, Object> target, int depth) throws AmfException {
        int index = references.open(target);
        while (true) {
            String key = in.utf8(in.u16());
            if (key.isEmpty() && in.peekU8() == Amf0.OBJECT_END) {
                in.u8();
                references.close(index);
                return target;
            }
            target.put(key, read(depth + 1));
        }
    }

    private List<Object> readStrictArray(int depth) throws AmfException {
        long count = in.u32();
        in.require(count, "strict array"); // every element takes at least one byte
        List<Object> list = new ArrayList<>((int) count);
        int index = references.open(list);
        for (long i = 0; i < count; i++) {
            list.add(read(depth + 1));
        }
        references.close(index);
        return list;
    }

    static Instant dateOf(double millis) throws AmfException {
        if (Double.isNaN(millis) || Math.abs(millis) > 8.64e15) throw new AmfException("AMF date out of range: " + millis);
        return Instant.ofEpochMilli((long) millis);
    }
}
