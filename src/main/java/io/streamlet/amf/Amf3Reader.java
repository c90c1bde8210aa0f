package io.streamlet.amf;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Decodes one AMF3 value, as found behind AMF0's {@code avmplus} marker, into {@link Amf0}'s Java
 * types. RTMP peers rarely send AMF3, so this reads everything valid but keeps nothing AMF3-specific:
 * integers become {@link Double}, vectors become lists, byte arrays {@code byte[]}, XML a string.
 *
 * <p>Each switch to AMF3 starts fresh reference tables, as the AMF0 specification says.
 */
final class Amf3Reader {
    private static final int UNDEFINED = 0x00;
    private static final int NULL = 0x01;
    private static final int FALSE = 0x02;
    private static final int TRUE = 0x03;
    private static final int INTEGER = 0x04;
    private static final int DOUBLE = 0x05;
    private static final int STRING = 0x06;
    private static final int XML_DOCUMENT = 0x07;
    private static final int DATE = 0x08;
    private static final int ARRAY = 0x09;
    private static final int OBJECT = 0x0A;
    private static final int XML = 0x0B;
    private static final int BYTE_ARRAY = 0x0C;
    private static final int VECTOR_INT = 0x0D;
    private static final int VECTOR_UINT = 0x0E;
    private static final int VECTOR_DOUBLE = 0x0F;
    private static final int VECTOR_OBJECT = 0x10;
    private static final int DICTIONARY = 0x11;

    /** Flex's externalizable wrappers: each serializes exactly one AMF3 value, so they can be read. */
    private static final Set<String> SINGLE_VALUE_EXTERNALIZABLES = Set.of(
            "flex.messaging.io.ArrayCollection", "flex.messaging.io.ObjectProxy",
            "mx.collections.ArrayCollection", "mx.utils.ObjectProxy");

    private record Traits(String className, boolean externalizable, boolean dynamic, List<String> sealedNames) {}

    private final AmfInput in;
    private final ReferenceTable<String> strings;
    private final ReferenceTable<Object> objects;
    private final ReferenceTable<Traits> traits;

    Amf3Reader(AmfInput in) {
        this.in = in;
        this.strings = new ReferenceTable<>(in, "AMF3 string");
        this.objects = new ReferenceTable<>(in, "AMF3 object");
        this.traits = new ReferenceTable<>(in, "AMF3 traits");
    }

    Object read(int depth) throws AmfException {
        if (depth > Amf0.MAX_DEPTH) throw new AmfException("AMF3 nesting deeper than " + Amf0.MAX_DEPTH);
        int marker = in.u8();
        return switch (marker) {
            case UNDEFINED -> Amf0.UNDEFINED;
            case NULL -> null;
            case FALSE -> false;
            case TRUE -> true;
            case INTEGER -> (double) ((u29() << 3) >> 3); // sign-extend the 29-bit value
            case DOUBLE -> in.f64();
            case STRING -> readString();
            case XML_DOCUMENT, XML -> readXml();
            case DATE -> readDate();
            case ARRAY -> readArray(depth);
            case OBJECT -> readObject(depth);
            case BYTE_ARRAY -> readByteArray();
            case VECTOR_INT, VECTOR_UINT, VECTOR_DOUBLE -> readNumberVector(marker);
            case VECTOR_OBJECT -> readObjectVector(depth);
            case DICTIONARY -> readDictionary(depth);
            default -> throw new AmfException("unknown AMF3 marker 0x" + Integer.toHexString(marker));
        };
    }

    /** AMF3's variable-length 29-bit unsigned integer: 7 bits per byte for three bytes, then 8. */
    private int u29() throws AmfException {
        int value = 0;
        for (int i = 0; i < 3; i++) {
            int b = in.u8();
            value = (value << 7) | (b & 0x7F);
            if ((b & 0x80) == 0) return value;
        }
        return (value << 8) | in.u8();
    }

    private String readString() throws AmfException {
        int header = u29();
        if ((header & 1) == 0) return strings.get(header >>> 1);
        int length = header >>> 1;
        String s = in.utf8(length);
        if (!s.isEmpty()) strings.add(s, length);
        return s;
    }

    private Object readXml() throws AmfException {
        int header = u29();
        if ((header & 1) == 0) return objects.get(header >>> 1);
        int length = header >>> 1;
        String xml = in.utf8(length);
        objects.add(xml, length);
        return xml;
    }

    private Object readDate() throws AmfException {
        int header = u29();
        if ((header & 1) == 0) return objects.get(header >>> 1);
        Object date = Amf0Reader.dateOf(in.f64());
        objects.add(date, 8);
        return date;
    }

    private Object readByteArray() throws AmfException {
        int header = u29();
        if ((header & 1) == 0) return objects.get(header >>> 1);
        byte[] bytes = in.bytes(header >>> 1, "AMF3 byte array");
        objects.add(bytes, bytes.length);
        return bytes;
    }

    /** A dense-only array becomes a list; one with named entries an ECMA array keyed "0", "1", ... too. */
    private Object readArray(int depth) throws AmfException {
        int header = u29();
        if ((header & 1) == 0) return objects.get(header >>> 1);
        int denseCount = header >>> 1;
        String key = readString();
        if (key.isEmpty()) {
            in.require(denseCount, "AMF3 array");
            List<Object> list = new ArrayList<>(denseCount);
            int index = objects.open(list);
            for (int i = 0; i < denseCount; i++) list.add(read(depth + 1));
            objects.close(index);
            return list;
        }
        Amf0.EcmaArray map = new Amf0.EcmaArray();
        int index = objects.open(map);
        for (; !key.isEmpty(); key = readString()) map.put(key, read(depth + 1));
        in.require(denseCount, "AMF3 array");
        for (int i = 0; i < denseCount; i++) map.put(Integer.toString(i), read(depth + 1));
        objects.close(index);
        return map;
    }

    private Object readObject(int depth) throws AmfException {
        int header = u29();
        if ((header & 1) == 0) return objects.get(header >>> 1);
        Traits t = readTraits(header);
        if (t.externalizable()) {
            if (!SINGLE_VALUE_EXTERNALIZABLES.contains(t.className())) {
                throw new AmfException("cannot decode AMF3 externalizable class '" + t.className() + "'");
            }
            int index = objects.open(null); // reserve the slot the wrapped value takes in reference order
            Object wrapped = read(depth + 1);
            objects.set(index, wrapped);
            objects.close(index);
            return wrapped;
        }
        Map<String, Object> object = new LinkedHashMap<>();
        int index = objects.open(object);
        for (String name : t.sealedNames()) object.put(name, read(depth + 1));
        if (t.dynamic()) {
            for (String key = readString(); !key.isEmpty(); key = readString()) object.put(key, read(depth + 1));
        }
        objects.close(index);
        return object;
    }

    private Traits readTraits(int header) throws AmfException {
        if ((header & 2) == 0) return traits.get(header >>> 2);
        boolean externalizable = (header & 4) != 0;
        boolean dynamic = (header & 8) != 0;
        int sealedCount = header >>> 4;
        long start = in.mark();
        String className = readString();
        in.require(sealedCount, "AMF3 traits"); // every name takes at least one byte
        List<String> names = new ArrayList<>(sealedCount);
        for (int i = 0; i < sealedCount; i++) names.add(readString());
        Traits t = new Traits(className, externalizable, dynamic, names);
        traits.add(t, in.mark() - start);
        return t;
    }

    private Object readNumberVector(int marker) throws AmfException {
        int header = u29();
        if ((header & 1) == 0) return objects.get(header >>> 1);
        int count = header >>> 1;
        in.u8(); // fixed-length flag
        int width = marker == VECTOR_DOUBLE ? 8 : 4;
        in.require((long) count * width, "AMF3 vector");
        List<Object> list = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            list.add(switch (marker) {
                case VECTOR_INT -> (double) (int) in.u32();
                case VECTOR_UINT -> (double) in.u32();
                default -> in.f64();
            });
        }
        objects.add(list, (long) count * width);
        return list;
    }

    private Object readObjectVector(int depth) throws AmfException {
        int header = u29();
        if ((header & 1) == 0) return objects.get(header >>> 1);
        int count = header >>> 1;
        in.u8(); // fixed-length flag
        readString(); // element type name
        in.require(count, "AMF3 vector");
        List<Object> list = new ArrayList<>(count);
        int index = objects.open(list);
        for (int i = 0; i < count; i++) list.add(read(depth + 1));
        objects.close(index);
        return list;
    }

    private Object readDictionary(int depth) throws AmfException {
        int header = u29();
        if ((header & 1) == 0) return objects.get(header >>> 1);
        int count = header >>> 1;
        in.u8(); // weak-keys flag
        in.require(2L * count, "AMF3 dictionary");
        Map<String, Object> map = new LinkedHashMap<>();
        int index = objects.open(map);
        for (int i = 0; i < count; i++) {
            Object key = read(depth + 1);
            map.put(String.valueOf(key), read(depth + 1));
        }
        objects.close(index);
        return map;
    }
}
