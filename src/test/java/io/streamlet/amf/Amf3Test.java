package io.streamlet.amf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Instant;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** AMF3 values reached through AMF0's avmplus marker (0x11). */
class Amf3Test {
    private static Object decodeOne(String hex) throws AmfException {
        byte[] b = HexFormat.of().parseHex(hex.replace(" ", ""));
        List<Object> values = Amf0.decodeAll(b, 0, b.length);
        assertEquals(1, values.size());
        return values.get(0);
    }

    @Test
    void scalars() throws AmfException {
        assertSame(Amf0.UNDEFINED, decodeOne("11 00"));
        assertEquals(null, decodeOne("11 01"));
        assertEquals(false, decodeOne("11 02"));
        assertEquals(true, decodeOne("11 03"));
        assertEquals(127.0, decodeOne("11 04 7F"));
        assertEquals(128.0, decodeOne("11 04 81 00"));
        assertEquals(-1.0, decodeOne("11 04 FF FF FF FF")); // 29-bit two's complement
        assertEquals(268_435_455.0, decodeOne("11 04 BF FF FF FF")); // largest 29-bit positive
        assertEquals(1.5, decodeOne("11 05 3FF8000000000000"));
        assertEquals("ab", decodeOne("11 06 05 6162"));
        assertEquals(Instant.ofEpochMilli(1000), decodeOne("11 08 01 408F400000000000"));
        assertEquals("<a/>", decodeOne("11 0B 09 3C612F3E"));
        assertArrayEquals(new byte[] {1, 2}, (byte[]) decodeOne("11 0C 05 0102"));
    }

    @Test
    void referenceTables() throws AmfException {
        // dense array ["ab", "ab" by string reference 0, [1] by value, that [1] again by object reference 1]
        List<?> list = (List<?>) decodeOne("11 09 09 01 06 05 6162 06 00 09 03 01 04 01 09 02");
        assertEquals("ab", list.get(0));
        assertEquals("ab", list.get(1));
        assertEquals(List.of(1.0), list.get(2));
        assertSame(list.get(2), list.get(3));
    }

    @Test
    void aReferenceToAValueStillBeingReadIsRefused() {
        // dense array [the array itself by object reference 0]: a value that contains itself
        assertThrows(AmfException.class, () -> decodeOne("11 09 03 01 09 00"));
    }

    @Test
    void objectsWithSealedAndDynamicMembersAndTraitReferences() throws AmfException {
        // [ {x: 1 (sealed), y: 2 (dynamic)}, {x: 3} by traits reference 0 then y: 4 ]; class name "" (anonymous)
        List<?> list = (List<?>) decodeOne("11 09 05 01"
                + " 0A 1B 01 03 78 04 01 03 79 04 02 01" // inline traits: dynamic, 1 sealed name "x"
                + " 0A 01 04 03 02 04 04 01"); // traits ref 0, x=3, y (string ref 1)=4
        assertEquals(Map.of("x", 1.0, "y", 2.0), list.get(0));
        assertEquals(Map.of("x", 3.0, "y", 4.0), list.get(1));
    }

    @Test
    void associativeArrayBecomesEcmaArray() throws AmfException {
        Object value = decodeOne("11 09 03 03 6B 06 03 76 01 04 05"); // {k: "v"} and dense [5]
        assertInstanceOf(Amf0.EcmaArray.class, value);
        assertEquals(Map.of("k", "v", "0", 5.0), value);
    }

    @Test
    void vectorsDictionaryAndArrayCollection() throws AmfException {
        assertEquals(Arrays.asList(-1.0, 2.0), decodeOne("11 0D 05 00 FFFFFFFF 00000002"));
        assertEquals(Arrays.asList(4294967295.0), decodeOne("11 0E 03 00 FFFFFFFF"));
        assertEquals(Arrays.asList(0.5), decodeOne("11 0F 03 01 3FE0000000000000"));
        assertEquals(Arrays.asList("s", null), decodeOne("11 10 05 00 01 06 03 73 01"));
        assertEquals(Map.of("1.0", true), decodeOne("11 11 03 00 04 01 03"));
        // externalizable flex.messaging.io.ArrayCollection wrapping a dense array [true]
        String className = HexFormat.of().formatHex("flex.messaging.io.ArrayCollection".getBytes());
        assertEquals(List.of(true), decodeOne("11 0A 07 43 " + className + " 09 03 01 03"));
    }

    @Test
    void amf0ContinuesAfterAnAmf3Value() throws AmfException {
        byte[] b = HexFormat.of().parseHex("0200024869" + "1104" + "05" + "0101");
        assertEquals(List.of("Hi", 5.0, true), Amf0.decodeAll(b, 0, b.length));
    }

    @Test
    void badAmf3IsAnAmfException() {
        assertThrows(AmfException.class, () -> decodeOne("11 06 00")); // string reference to nothing
        assertThrows(AmfException.class, () -> decodeOne("11 0A 01")); // traits reference to nothing
        assertThrows(AmfException.class, () -> decodeOne("11 06 FF FF FF 7F")); // ~268 MB string, no bytes
        assertThrows(AmfException.class, () -> decodeOne("11 09 FF FF FF 7F 01")); // huge dense count
        assertThrows(AmfException.class, () -> decodeOne("11 0D FF FF FF 7F 00")); // huge vector
        assertThrows(AmfException.class, () -> decodeOne("11 0A 07 03 58")); // unknown externalizable "X"
        assertThrows(AmfException.class, () -> decodeOne("11 14"));
        assertThrows(AmfException.class, () -> decodeOne("11 04 FF"));
        StringBuilder deep = new StringBuilder("11");
        for (int i = 0; i < 70; i++) deep.append(" 09 03 01");
        assertThrows(AmfException.class, () -> decodeOne(deep + " 01"));
    }
}
