package io.lbkit.httpclient;

/** The stable 64-bit hash of sticky keys. */
final class StickyHash {

    private StickyHash() {}

    /**
     * FNV-1a over the UTF-16 code units, finished with MurmurHash3's fmix64 so that keys that
     * differ in their last character spread over the whole range. Stable across JVMs and
     * versions: it must not change, or every sticky key moves.
     */
    static long hash64(CharSequence key) {
        long h = 0xcbf29ce484222325L;
        for (int i = 0; i < key.length(); i++) {
            char c = key.charAt(i);
            h ^= c & 0xff;
            h *= 0x100000001b3L;
            h ^= c >>> 8;
            h *= 0x100000001b3L;
        }
        h ^= h >>> 33;
        h *= 0xff51afd7ed558ccdL;
        h ^= h >>> 33;
        h *= 0xc4ceb9fe1a85ec53L;
        h ^= h >>> 33;
        return h;
    }
}
