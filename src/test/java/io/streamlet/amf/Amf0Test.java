package io.streamlet.amf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayOutputStream;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class Amf0Test {
    private static byte[] hex(String s) {
        return HexFormat.of().parseHex(s.replace(" ", ""));
    }

    private static List<Object> decode(byte[] b) throws AmfException {
        return Amf0.decodeAll(b, 0, b.length);
    }

    @Test
    void encodesKnownByteVectors() {
        assertArrayEquals(hex("00 3FF0000000000000"), Amf0.encode(1.0));
        assertArrayEquals(hex("00 4059000000000000"), Amf0.encode(100)); // any Number is a Number
        assertArrayEquals(hex("01 01 01 00"), Amf0.encode(true, false));
        assertArrayEquals(hex("02 0007 636F6E6E656374"), Amf0.encode("connect"));
        assertArrayEquals(hex("05 06"), Amf0.encode(null, Amf0.UNDEFINED));
        Map<String, Object> object = new LinkedHashMap<>();
        object.put("a", 1.0);
        assertArrayEquals(hex("03 0001 61 00 3FF0000000000000 0000 09"), Amf0.encode(object));
        assertArrayEquals(hex("08 00000001 0001 61 00 3FF0000000000000 0000 09"), Amf0.encode(new Amf0.EcmaArray(object)));
        assertArrayEquals(hex("0A 00000002 05 01 01"), Amf0.encode(Arrays.asList(null, true)));
        assertArrayEquals(hex("0B 0000000000000000 0000"), Amf0.encode(Instant.EPOCH));
    }

    @Test
    void decodesWhatEncodersSend() throws AmfException {
        // ffmpeg's connect: name, transaction id, command object
        byte[] connect = hex("02 0007 636F6E6E656374 00 3FF0000000000000 03 0003 617070 02 0004 6C697665 0000 09");
        List<Object> values = decode(connect);
        assertEquals("connect", values.get(0));
        assertEquals(1.0, values.get(1));
        assertEquals(Map.of("app", "live"), values.get(2));
        assertInstanceOf(LinkedHashMap.class, values.get(2));
    }

    @Test
    void roundTripsEveryType() throws AmfException {
        Amf0.EcmaArray metadata = new Amf0.EcmaArray();
        metadata.put("width", 1280.0);
        metadata.put("encoder", "Lavf60");
        metadata.put("stereo", true);
        Map<String, Object> nested = new LinkedHashMap<>();
        nested.put("list", new ArrayList<>(Arrays.asList(1.0, "two", null)));
        nested.put("when", Instant.ofEpochMilli(1_700_000_000_123L));
        nested.put("nothing", Amf0.UNDEFINED);
        nested.put("", "empty key");
        String longString = "x".repeat(70_000);
        byte[] encoded = Amf0.encode("onMetaData", metadata, nested, longString, -0.5);
        List<Object> decoded = decode(encoded);
        assertEquals(List.of("onMetaData", metadata, nested, longString, -0.5), decoded);
        assertInstanceOf(Amf0.EcmaArray.class, decoded.get(1)); // stays an ECMA array
        assertSame(Amf0.UNDEFINED, ((Map<?, ?>) decoded.get(2)).get("nothing"));
        assertArrayEquals(encoded, Amf0.encode(decoded.toArray()));
    }

    @Test
    void decodesLongStringXmlTypedObjectReferenceAndUnsupported() throws AmfException {
        List<Object> values = decode(hex("0C 00000002 6869" // long string "hi"
                + " 0F 00000001 78" // XML document "x"
                + " 10 0001 43 0001 6B 01 01 0000 09" // typed object of class "C" {k: true}
                + " 0D")); // unsupported
        assertEquals(Arrays.asList("hi", "x", Map.of("k", true), null), values);
        List<Object> withReference = decode(hex("0A 00000002 03 0001 6B 01 01 0000 09 07 0001"));
        List<?> list = (List<?>) withReference.get(0);
        assertSame(list.get(0), list.get(1)); // reference 1 is the object: the list itself is reference 0
    }

    @Test
    void everyTruncationIsAnAmfExceptionUnlessItFallsBetweenValues() throws AmfException {
        Amf0.EcmaArray metadata = new Amf0.EcmaArray();
        metadata.put("duration", 0.0);
        metadata.put("tags", List.of("a", "b"));
        byte[] full = Amf0.encode("@setDataFrame", "onMetaData", metadata, Instant.EPOCH, "é".repeat(10));
        List<Integer> boundaries = new ArrayList<>();
        Amf0Reader reader = new Amf0Reader(full, 0, full.length);
        while (reader.hasRemaining()) {
            reader.read();
            boundaries.add(reader.position());
        }
        assertEquals(5, boundaries.size());
        for (int cut = 1; cut < full.length; cut++) {
            int length = cut;
            if (boundaries.contains(cut)) {
                assertEquals(boundaries.indexOf(cut) + 1, Amf0.decodeAll(full, 0, length).size());
            } else {
                assertThrows(AmfException.class, () -> Amf0.decodeAll(full, 0, length), "cut at " + cut);
            }
        }
    }

    @Test
    void declaredLengthsBeyondTheInputFailBeforeAllocating() {
        assertThrows(AmfException.class, () -> decode(hex("0A FFFFFFFF 05"))); // 4 billion elements
        assertThrows(AmfException.class, () -> decode(hex("0C 7FFFFFFF 41"))); // 2 GiB string
        assertThrows(AmfException.class, () -> decode(hex("02 0010 41"))); // 16-byte string, 1 byte there
    }

    @Test
    void rejectsUnknownMarkersBadReferencesAndDeepNesting() {
        assertThrows(AmfException.class, () -> decode(hex("04")));
        assertThrows(AmfException.class, () -> decode(hex("0E")));
        assertThrows(AmfException.class, () -> decode(hex("FF")));
        assertThrows(AmfException.class, () -> decode(hex("07 0000")));
        ByteArrayOutputStream deep = new ByteArrayOutputStream();
        for (int i = 0; i < Amf0.MAX_DEPTH + 2; i++) deep.writeBytes(hex("0A 00000001"));
        deep.write(0x05);
        AmfException e = assertThrows(AmfException.class, () -> decode(deep.toByteArray()));
        assertEquals("AMF0 nesting deeper than 64", e.getMessage());
    }

    @Test
    void refusesAReferenceToAnObjectStillBeingRead() {
        // {a: the object itself}: a value containing itself, which no writer or printer survives
        assertThrows(AmfException.class, () -> decode(hex("03 0001 61 07 0000 0000 09")));
    }

    @Test
    void refusesReferencesThatStandForMoreThanAMebibyte() throws AmfException {
        // A 1000-byte string in an array, then arrays each holding the previous one twice by reference:
        // 11 bytes a level, doubling the value each time (an AMF "billion laughs").
        ByteArrayOutputStream doubling = new ByteArrayOutputStream();
        doubling.writeBytes(hex("0A 00000001 02 03E8"));
        doubling.writeBytes(new byte[1000]);
        for (int level = 1; level <= 9; level++) {
            doubling.writeBytes(hex("0A 00000002 07 00" + hex2(level - 1) + " 07 00" + hex2(level - 1)));
        }
        assertEquals(10, decode(doubling.toByteArray()).size()); // references standing for 1,041,220 bytes
        doubling.writeBytes(hex("0A 00000002 07 0009 07 0009")); // and 2 x 521,707 more
        AmfException e = assertThrows(AmfException.class, () -> decode(doubling.toByteArray()));
        assertEquals("references stand for more than 1048576 bytes", e.getMessage());
    }

    private static String hex2(int b) {
        return String.format("%02X", b);
    }

    @Test
    void refusesJavaTypesWithoutAnAmf0Form() {
        assertThrows(IllegalArgumentException.class, () -> Amf0.encode(new Object()));
    }
}
