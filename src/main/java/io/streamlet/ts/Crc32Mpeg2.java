package io.streamlet.ts;

/**
 * The CRC that ends every PSI section (ISO/IEC 13818-1 Annex A): polynomial 0x04C11DB7, initial value
 * 0xFFFFFFFF, bits taken most significant first, no final XOR. A section with its CRC appended checks to 0.
 */
public final class Crc32Mpeg2 {
    private static final int[] TABLE = new int[256];

    static {
        for (int i = 0; i < 256; i++) {
            int c = i << 24;
            for (int bit = 0; bit < 8; bit++) c = (c & 0x80000000) != 0 ? (c << 1) ^ 0x04C11DB7 : c << 1;
            TABLE[i] = c;
        }
    }

    private Crc32Mpeg2() {}

    public static int of(byte[] b, int off, int len) {
        int crc = 0xFFFFFFFF;
        for (int i = off; i < off + len; i++) crc = (crc << 8) ^ TABLE[((crc >>> 24) ^ b[i]) & 0xFF];
        return crc;
    }
}
