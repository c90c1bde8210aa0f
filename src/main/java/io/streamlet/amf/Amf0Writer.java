package io.streamlet.amf;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/** Writes AMF0 values; see {@link Amf0} for the Java mapping. */
public final class Amf0Writer {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream(128);

    /** @throws IllegalArgumentException for a Java type AMF0 has no form for */
    public Amf0Writer write(Object value) {
        if (value == null) {
            out.write(Amf0.NULL);
        } else if (value == Amf0.UNDEFINED) {
            out.write(Amf0.UNDEFINED_MARKER);
        } else if (value instanceof Number n) {
            out.write(Amf0.NUMBER);
            writeDouble(n.doubleValue());
        } else if (value instanceof Boolean b) {
            out.write(Amf0.BOOLEAN);
            out.write(b ? 1 : 0);
        } else if (value instanceof String s) {
            writeString(s);
        } else if (value instanceof Amf0.EcmaArray ecma) {
            out.write(Amf0.ECMA_ARRAY);
            writeU32(ecma.size());
            writeProperties(ecma);
        } else if (value instanceof Map<?, ?> map) {
            out.write(Amf0.OBJECT);
            writeProperties(map);
        } else if (value instanceof List<?> list) {
            out.write(Amf0.STRICT_ARRAY);
            writeU32(list.size());
            list.forEach(this::write);
        } else if (value instanceof Instant instant) {
            out.write(Amf0.DATE);
            writeDouble(instant.toEpochMilli());
            writeU16(0);
        } else {
            throw new IllegalArgumentException("no AMF0 form for " + value.getClass().getName());
        }
        return this;
    }

    public byte[] toByteArray() {
        return out.toByteArray();
    }

    private void writeString(String s) {
        byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
        if (utf8.length <= 0xFFFF) {
            out.write(Amf0.STRING);
            writeU16(utf8.length);
        } else {
            out.write(Amf0.LONG_STRING);
            writeU32(utf8.length);
        }
        out.writeBytes(utf8);
    }

    private void writeProperties(Map<?, ?> map) {
        for (Map.Entry<?, ?> e : map.entrySet()) {
            byte[] key = String.valueOf(e.getKey()).getBytes(StandardCharsets.UTF_8);
            if (key.length > 0xFFFF) throw new IllegalArgumentException("AMF0 property name longer than 65535 bytes");
            writeU16(key.length);
            out.writeBytes(key);
            write(e.getValue());
        }
        writeU16(0);
        out.write(Amf0.OBJECT_END);
    }

    private void writeU16(int v) {
        out.write(v >>> 8);
        out.write(v);
    }

    private void writeU32(long v) {
        writeU16((int) (v >>> 16) & 0xFFFF);
        writeU16((int) v & 0xFFFF);
    }

    private void writeDouble(double d) {
        long bits = Double.doubleToLongBits(d);
        writeU32(bits >>> 32);
        writeU32(bits & 0xFFFFFFFFL);
    }
}
