package io.streamlet.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.streamlet.amf.Amf0;
import io.streamlet.amf.AmfException;
import java.util.List;

/**
 * The AMF0 reader, and the AMF3 reader behind AMF0's {@code avmplus} marker, on arbitrary bytes (seeds: the
 * commands and metadata ffmpeg sends, AMF3 values). Either the bytes are refused with {@link AmfException},
 * or the values re-encode to AMF0 that decodes to equal values, in bounded size (no reference may make a
 * small input stand for a huge or endless value).
 */
class AmfFuzzTest {
    /** AMF0's marker for "an AMF3 value follows". */
    private static final byte AVMPLUS = 0x11;
    /** How many bytes references may stand for in one decode (the readers' limit). */
    private static final long REFERENCED_BYTES = 1 << 20;
    /** The most one input byte can grow by as AMF0: an AMF3 integer as a dictionary key string, say. */
    private static final long GROWTH = 16;

    @FuzzTest
    void amf0(byte[] bytes) {
        roundTrip(bytes);
    }

    @FuzzTest
    void amf3(byte[] bytes) {
        byte[] behindMarker = new byte[bytes.length + 1];
        behindMarker[0] = AVMPLUS;
        System.arraycopy(bytes, 0, behindMarker, 1, bytes.length);
        roundTrip(behindMarker);
    }

    private static void roundTrip(byte[] bytes) {
        List<Object> values;
        try {
            values = Amf0.decodeAll(bytes, 0, bytes.length);
        } catch (AmfException refused) {
            return;
        }
        byte[] encoded;
        try {
            encoded = Amf0.encode(values.toArray());
        } catch (IllegalArgumentException noAmf0Form) {
            return; // an AMF3 byte array: AMF0 has no form for it, as the writer documents
        }
        assertTrue(encoded.length <= GROWTH * (bytes.length + REFERENCED_BYTES),
                () -> bytes.length + " bytes decoded to values of " + encoded.length + " bytes");
        try {
            assertEquals(values, Amf0.decodeAll(encoded, 0, encoded.length), "values re-encoded as AMF0 decode differently");
        } catch (AmfException e) {
            throw new AssertionError("values re-encoded as AMF0 do not decode: " + e.getMessage(), e);
        }
    }
}
