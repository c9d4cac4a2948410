package dev.braid.store.internal.mergetree;

import dev.braid.store.internal.format.Bytes;

/**
 * A segment's bloom filter: about 10 bits per key and 7 probes (about 1 % false positives), probes
 * derived from one 64-bit hash of the key by double hashing. Immutable once built; thread safe.
 * Serialized form (docs/format/segment.md): u32 probe count, then the bit words as big-endian
 * u64s.
 */
public final class Bloom {
    static final int BITS_PER_KEY = 10;
    static final int PROBES = 7;

    private final long[] words;
    private final int probes;

    private Bloom(long[] words, int probes) {
        this.words = words;
        this.probes = probes;
    }

    /** An empty filter sized for up to {@code keys} keys; filled with {@link #add} while a segment is written. */
    static Bloom withCapacity(long keys) {
        long bits = Math.max(64, keys * BITS_PER_KEY);
        return new Bloom(new long[(int) Math.min(1 << 27, (bits + 63) / 64)], PROBES);
    }

    /** Adds a key's hash. Only while the filter is being built, by one thread. */
    void add(long h) {
        long nbits = (long) words.length * 64;
        int h1 = (int) h;
        int h2 = (int) (h >>> 32) | 1;
        for (int i = 0; i < probes; i++) {
            long bit = Integer.toUnsignedLong(h1 + i * h2) % nbits;
            words[(int) (bit >>> 6)] |= 1L << bit;
        }
    }

    /** False when the key is certainly absent. */
    public boolean mightContain(long h) {
        long nbits = (long) words.length * 64;
        int h1 = (int) h;
        int h2 = (int) (h >>> 32) | 1;
        for (int i = 0; i < probes; i++) {
            long bit = Integer.toUnsignedLong(h1 + i * h2) % nbits;
            if ((words[(int) (bit >>> 6)] & (1L << bit)) == 0) {
                return false;
            }
        }
        return true;
    }

    /** 64-bit hash of a key (FNV-1a over 8-byte words, then a murmur finalizer). */
    public static long hash(byte[] key) {
        return hash(key, 0, key.length);
    }

    public static long hash(byte[] b, int off, int len) {
        long h = 0xcbf29ce484222325L ^ len;
        int i = off;
        int end = off + len;
        for (; i + 8 <= end; i += 8) {
            h = (h ^ Bytes.getLong(b, i)) * 0x100000001b3L;
            h = Long.rotateLeft(h, 29);
        }
        for (; i < end; i++) {
            h = (h ^ (b[i] & 0xff)) * 0x100000001b3L;
        }
        h ^= h >>> 33;
        h *= 0xff51afd7ed558ccdL;
        h ^= h >>> 33;
        h *= 0xc4ceb9fe1a85ec53L;
        h ^= h >>> 33;
        return h;
    }

    /** Serialized size in bytes. */
    int encodedSize() {
        return 4 + words.length * 8;
    }

    void encode(byte[] b, int off) {
        Bytes.putInt(b, off, probes);
        for (int i = 0; i < words.length; i++) {
            Bytes.putLong(b, off + 4 + 8 * i, words[i]);
        }
    }

    /** Decodes {@code len} bytes at {@code off}; null when they cannot be a filter. */
    static Bloom decode(byte[] b, int off, int len) {
        if (len < 12 || (len - 4) % 8 != 0) {
            return null;
        }
        int probes = Bytes.getInt(b, off);
        if (probes < 1 || probes > 30) {
            return null;
        }
        long[] words = new long[(len - 4) / 8];
        for (int i = 0; i < words.length; i++) {
            words[i] = Bytes.getLong(b, off + 4 + 8 * i);
        }
        return new Bloom(words, probes);
    }

    /** Heap bytes held. */
    long heapBytes() {
        return 16L + words.length * 8L;
    }
}
