package io.lbkit.internal;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * xxHash64 (Yann Collet's XXH64, as specified in the xxHash repository's {@code doc/xxhash_spec.md})
 * over bytes, a {@code long} and the UTF-16 code units of a {@link CharSequence}. Stateless and
 * thread-safe; no method allocates.
 *
 * <p>Every method computes XXH64 of a byte sequence, so the variants agree:
 * {@code hashLong(v, s)} is XXH64 of v's 8 little-endian bytes, and {@code hashChars(cs, s)} is
 * XXH64 of cs encoded as UTF-16LE (each {@code char} as two bytes, low byte first; unpaired
 * surrogates are hashed as they are).
 */
public final class XxHash64 {

    private static final long P1 = 0x9E3779B185EBCA87L;
    private static final long P2 = 0xC2B2AE3D27D4EB4FL;
    private static final long P3 = 0x165667B19E3779F9L;
    private static final long P4 = 0x85EBCA77C2B2AE63L;
    private static final long P5 = 0x27D4EB2F165667C5L;

    private static final VarHandle LONG_LE =
            MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle INT_LE =
            MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);

    private XxHash64() {
    }

    /** XXH64 of all of {@code bytes}. */
    public static long hash(byte[] bytes, long seed) {
        return hash(bytes, 0, bytes.length, seed);
    }

    /**
     * XXH64 of {@code bytes[offset, offset + length)}.
     *
     * @throws IndexOutOfBoundsException if the range is outside the array
     */
    public static long hash(byte[] bytes, int offset, int length, long seed) {
        java.util.Objects.checkFromIndexSize(offset, length, bytes.length);
        int end = offset + length;
        int p = offset;
        long h;
        if (length >= 32) {
            long v1 = seed + P1 + P2;
            long v2 = seed + P2;
            long v3 = seed;
            long v4 = seed - P1;
            int limit = end - 32;
            do {
                v1 = round(v1, (long) LONG_LE.get(bytes, p));
                v2 = round(v2, (long) LONG_LE.get(bytes, p + 8));
                v3 = round(v3, (long) LONG_LE.get(bytes, p + 16));
                v4 = round(v4, (long) LONG_LE.get(bytes, p + 24));
                p += 32;
            } while (p <= limit);
            h = converge(v1, v2, v3, v4);
        } else {
            h = seed + P5;
        }
        h += length;
        while (p + 8 <= end) {
            h = mixLane(h, (long) LONG_LE.get(bytes, p));
            p += 8;
        }
        if (p + 4 <= end) {
            h = mixInt(h, (int) INT_LE.get(bytes, p));
            p += 4;
        }
        while (p < end) {
            h = mixByte(h, bytes[p]);
            p++;
        }
        return avalanche(h);
    }

    /** XXH64 of the 8 little-endian bytes of {@code value}: a full-avalanche mix of one long. */
    public static long hashLong(long value, long seed) {
        return avalanche(mixLane(seed + P5 + 8, value));
    }

    /** XXH64 of {@code chars} encoded as UTF-16LE, read char by char without copying. */
    public static long hashChars(CharSequence chars, long seed) {
        int n = chars.length();
        long length = 2L * n;
        int p = 0;
        long h;
        if (length >= 32) {
            long v1 = seed + P1 + P2;
            long v2 = seed + P2;
            long v3 = seed;
            long v4 = seed - P1;
            int limit = n - 16;
            do {
                v1 = round(v1, lane(chars, p));
                v2 = round(v2, lane(chars, p + 4));
                v3 = round(v3, lane(chars, p + 8));
                v4 = round(v4, lane(chars, p + 12));
                p += 16;
            } while (p <= limit);
            h = converge(v1, v2, v3, v4);
        } else {
            h = seed + P5;
        }
        h += length;
        while (p + 4 <= n) {
            h = mixLane(h, lane(chars, p));
            p += 4;
        }
        if (p + 2 <= n) {
            h = mixInt(h, chars.charAt(p) | chars.charAt(p + 1) << 16);
            p += 2;
        }
        if (p < n) {
            char c = chars.charAt(p);
            h = mixByte(h, (byte) c);
            h = mixByte(h, (byte) (c >>> 8));
        }
        return avalanche(h);
    }

    /** Four chars as one little-endian 64-bit lane. */
    private static long lane(CharSequence s, int i) {
        return (long) s.charAt(i)
                | (long) s.charAt(i + 1) << 16
                | (long) s.charAt(i + 2) << 32
                | (long) s.charAt(i + 3) << 48;
    }

    private static long round(long acc, long lane) {
        acc += lane * P2;
        acc = Long.rotateLeft(acc, 31);
        return acc * P1;
    }

    private static long converge(long v1, long v2, long v3, long v4) {
        long h = Long.rotateLeft(v1, 1) + Long.rotateLeft(v2, 7)
                + Long.rotateLeft(v3, 12) + Long.rotateLeft(v4, 18);
        h = mergeRound(h, v1);
        h = mergeRound(h, v2);
        h = mergeRound(h, v3);
        return mergeRound(h, v4);
    }

    private static long mergeRound(long h, long v) {
        h ^= round(0, v);
        return h * P1 + P4;
    }

    private static long mixLane(long h, long lane) {
        h ^= round(0, lane);
        return Long.rotateLeft(h, 27) * P1 + P4;
    }

    private static long mixInt(long h, int word) {
        h ^= (word & 0xFFFF_FFFFL) * P1;
        return Long.rotateLeft(h, 23) * P2 + P3;
    }

    private static long mixByte(long h, byte b) {
        h ^= (b & 0xFFL) * P5;
        return Long.rotateLeft(h, 11) * P1;
    }

    private static long avalanche(long h) {
        h ^= h >>> 33;
        h *= P2;
        h ^= h >>> 29;
        h *= P3;
        return h ^ h >>> 32;
    }
}
