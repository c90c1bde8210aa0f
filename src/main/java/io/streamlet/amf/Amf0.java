package io.streamlet.amf;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * AMF0 (Adobe's Action Message Format 0) as RTMP commands and FLV script data use it.
 *
 * <p>Java mapping, both ways: Number ↔ {@link Double} (any {@link Number} encodes as one), Boolean ↔
 * {@link Boolean}, String and Long String ↔ {@link String}, Object ↔ {@link Map} (decoded as a
 * {@link LinkedHashMap}), ECMA array ↔ {@link EcmaArray}, Strict array ↔ {@link List}, Null ↔ {@code
 * null}, Undefined ↔ {@link #UNDEFINED}, Date ↔ {@link java.time.Instant}. AMF3 values behind the
 * {@code avmplus} marker decode into the same types.
 */
public final class Amf0 {
    static final int NUMBER = 0x00;
    static final int BOOLEAN = 0x01;
    static final int STRING = 0x02;
    static final int OBJECT = 0x03;
    static final int NULL = 0x05;
    static final int UNDEFINED_MARKER = 0x06;
    static final int REFERENCE = 0x07;
    static final int ECMA_ARRAY = 0x08;
    static final int OBJECT_END = 0x09;
    static final int STRICT_ARRAY = 0x0A;
    static final int DATE = 0x0B;
    static final int LONG_STRING = 0x0C;
    static final int UNSUPPORTED = 0x0D;
    static final int XML_DOCUMENT = 0x0F;
    static final int TYPED_OBJECT = 0x10;
    static final int AVMPLUS = 0x11;

    /** Nesting deeper than this is refused: no legitimate RTMP peer needs it, and it bounds the stack. */
    public static final int MAX_DEPTH = 64;

    /** The AMF Undefined value (distinct from Null, which is Java {@code null}). */
    public static final Object UNDEFINED = new Object() {
        @Override
        public String toString() {
            return "undefined";
        }
    };

    /** An ECMA (associative) array: a map that re-encodes as an ECMA array rather than an Object. */
    public static final class EcmaArray extends LinkedHashMap<String, Object> {
        public EcmaArray() {}

        public EcmaArray(Map<String, ?> entries) {
            super(entries);
        }
    }

    private Amf0() {}

    /** Decodes every value in {@code data[offset, offset+length)}. */
    public static List<Object> decodeAll(byte[] data, int offset, int length) throws AmfException {
        Amf0Reader reader = new Amf0Reader(data, offset, length);
        List<Object> values = new ArrayList<>();
        while (reader.hasRemaining()) {
            values.add(reader.read());
        }
        return values;
    }

    /** Encodes {@code values} one after the other. */
    public static byte[] encode(Object... values) {
        Amf0Writer writer = new Amf0Writer();
        for (Object value : values) {
            writer.write(value);
        }
        return writer.toByteArray();
    }
}
