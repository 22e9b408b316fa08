package io.lbkit.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * Reference values of XXH64.
 *
 * <p>The sanity-buffer vectors are the XSUM_XXH64_testdata table of the reference
 * implementation's self-test, Cyan4973/xxHash {@code cli/xsum_sanity_check.c}
 * (https://github.com/Cyan4973/xxHash/blob/dev/cli/xsum_sanity_check.c): XXH64 of the first
 * {@code len} bytes of a buffer filled by {@code XSUM_fillTestBuffer}, with seed 0 or PRIME32.
 * The short-string values ("a", "ab", "abc") are those asserted by the Nim binding's tests,
 * ifduyue/nim-xxhash {@code tests/test_xxh64_update.nim}.
 */
class XxHash64Test {

    private static final long PRIME32 = 2654435761L;
    /** The sanity buffer generator's multiplier, 11400714785074694797 (not XXH64's PRIME64_1). */
    private static final long PRIME64 = 0x9E3779B185EBCA8DL;

    /** XSUM_fillTestBuffer: byte i is the top byte of PRIME32 * PRIME64^i (mod 2^64). */
    private static byte[] sanityBuffer(int len) {
        byte[] b = new byte[len];
        long gen = PRIME32;
        for (int i = 0; i < len; i++) {
            b[i] = (byte) (gen >>> 56);
            gen *= PRIME64;
        }
        return b;
    }

    @Test
    void hash_matchesReferenceSanityVectors() {
        byte[] buf = sanityBuffer(222);
        assertHash(0xEF46DB3751D8E999L, buf, 0, 0);
        assertHash(0xAC75FDA2929B17EFL, buf, 0, PRIME32);
        assertHash(0xE934A84ADB052768L, buf, 1, 0);
        assertHash(0x5014607643A9B4C3L, buf, 1, PRIME32);
        assertHash(0x9136A0DCA57457EEL, buf, 4, 0);
        assertHash(0x8282DCC4994E35C8L, buf, 14, 0);
        assertHash(0xC3BD6BF63DEB6DF0L, buf, 14, PRIME32);
        assertHash(0xB641AE8CB691C174L, buf, 222, 0);
        assertHash(0x20CB8AB7AE10C14AL, buf, 222, PRIME32);
    }

    @Test
    void hash_matchesReferenceStringVectors() {
        assertEquals(0xD24EC4F1A98C6E5BL, XxHash64.hash(ascii("a"), 0)); // 15154266338359012955
        assertEquals(0x65F708CA92D04A61L, XxHash64.hash(ascii("ab"), 0)); // 7347350983217793633
        assertEquals(0x44BC2CF5AD770999L, XxHash64.hash(ascii("abc"), 0)); // 4952883123889572249
    }

    @Test
    void hash_ofSubrange_equalsHashOfCopy() {
        byte[] buf = sanityBuffer(300);
        for (int off = 0; off < 9; off++) {
            for (int len = 0; len < 80; len++) {
                byte[] copy = java.util.Arrays.copyOfRange(buf, off, off + len);
                assertEquals(XxHash64.hash(copy, 7), XxHash64.hash(buf, off, len, 7),
                        "offset " + off + ", length " + len);
            }
        }
    }

    @Test
    void hashLong_equalsHashOfLittleEndianBytes() {
        long[] values = {0, 1, -1, Long.MIN_VALUE, 0x0123456789ABCDEFL, 42};
        for (long v : values) {
            byte[] le = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(v).array();
            assertEquals(XxHash64.hash(le, 0), XxHash64.hashLong(v, 0));
            assertEquals(XxHash64.hash(le, PRIME32), XxHash64.hashLong(v, PRIME32));
        }
    }

    @Test
    void hashChars_equalsHashOfUtf16LeBytes_forEveryLengthUpTo70() {
        StringBuilder sb = new StringBuilder();
        for (int n = 0; n <= 70; n++) {
            String s = sb.toString();
            assertEquals(XxHash64.hash(s.getBytes(StandardCharsets.UTF_16LE), 3),
                    XxHash64.hashChars(s, 3), "length " + n);
            assertEquals(XxHash64.hashChars(s, 3), XxHash64.hashChars(new StringBuilder(s), 3));
            sb.append((char) ('a' + n % 26 + (n % 7 == 0 ? 0x3000 : 0)));
        }
    }

    private static void assertHash(long expected, byte[] buf, int len, long seed) {
        assertEquals(expected, XxHash64.hash(buf, 0, len, seed),
                () -> "XXH64(sanityBuffer, " + len + ", " + seed + ")");
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}
