package dev.braid.store.internal.mergetree;

import dev.braid.store.internal.format.Bytes;

/**
 * A segment's bloom filter: about 10 bits per key and 7 probes (about 1 % false positives), probes
 * derived from one 64-bit hash of the key by double hashing. New filters are <b>blocked</b>: the hash
 * picks one 512-bit block (eight words, a cache line) and all probes fall inside it, so a lookup
 * costs one cache miss instead of seven — what keeps point reads over many unmerged segments cheap
 * (about 1.3 % false positives instead of 1 %). Filters written before that (classic: probes spread
 * over the whole array) are still read. Immutable once built; thread safe. Serialized form
 * (docs/format/segment.md): u32 {@code layout << 8 | probes} (layout 0 classic, 1 blocked), then the
 * bit words as big-endian u64s.
 */
public final class Bloom {
    static final int BITS_PER_KEY = 10;
    static final int PROBES = 7;
    static final int CLASSIC = 0;
    static final int BLOCKED = 1;
    private static final int BLOCK_WORDS = 8;

    private final long[] words;
    private final int probes;
    private final int layout;

    private Bloom(long[] words, int probes, int layout) {
        this.words = words;
        this.probes = probes;
        this.layout = layout;
    }

    /** An empty filter sized for up to {@code keys} keys; filled with {@link #add} while a segment is written. */
    public static Bloom withCapacity(long keys) {
        long bits = Math.max(512, keys * BITS_PER_KEY);
        long blocks = Math.min((1 << 27) / BLOCK_WORDS, (bits + 511) / 512);
        return new Bloom(new long[(int) blocks * BLOCK_WORDS], PROBES, BLOCKED);
    }

    /** Adds a key's hash. Only while the filter is being built, by one thread. */
    void add(long h) {
        if (layout == BLOCKED) {
            int base = blockOf(h);
            int h1 = (int) h; // the low bits, independent of the block's
            int h2 = (int) ((h * 0x9E3779B97F4A7C15L) >>> 32) | 1;
            for (int i = 0; i < probes; i++) {
                int bit = (h1 + i * h2) & 511;
                words[base + (bit >>> 6)] |= 1L << bit;
            }
            return;
        }
        long nbits = (long) words.length * 64;
        int h1 = (int) h;
        int h2 = (int) (h >>> 32) | 1;
        for (int i = 0; i < probes; i++) {
            long bit = Integer.toUnsignedLong(h1 + i * h2) % nbits;
            words[(int) (bit >>> 6)] |= 1L << bit;
        }
    }

    /** The first word of the block {@code h} selects: the high hash bits, scaled without a division. */
    private int blockOf(long h) {
        long blocks = words.length / BLOCK_WORDS;
        return (int) (((h >>> 32) * blocks) >>> 32) * BLOCK_WORDS;
    }

    /**
     * Loads the cache line that {@link #mightContain} would read for {@code h} and returns a word of
     * it: a reader that probes many filters touches them all first, so that their cache misses
     * overlap instead of coming one after the other.
     */
    public long touch(long h) {
        return layout == BLOCKED ? words[blockOf(h)] : 0;
    }

    /** False when the key is certainly absent. */
    public boolean mightContain(long h) {
        if (layout == BLOCKED) {
            int base = blockOf(h);
            int h1 = (int) h; // the low bits, independent of the block's
            int h2 = (int) ((h * 0x9E3779B97F4A7C15L) >>> 32) | 1;
            for (int i = 0; i < probes; i++) {
                int bit = (h1 + i * h2) & 511;
                if ((words[base + (bit >>> 6)] & (1L << bit)) == 0) {
                    return false;
                }
            }
            return true;
        }
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
        Bytes.putInt(b, off, layout << 8 | probes);
        for (int i = 0; i < words.length; i++) {
            Bytes.putLong(b, off + 4 + 8 * i, words[i]);
        }
    }

    /** Decodes {@code len} bytes at {@code off}; null when they cannot be a filter. */
    static Bloom decode(byte[] b, int off, int len) {
        if (len < 12 || (len - 4) % 8 != 0) {
            return null;
        }
        int head = Bytes.getInt(b, off);
        int probes = head & 0xFF;
        int layout = head >>> 8;
        int nwords = (len - 4) / 8;
        if (probes < 1 || probes > 30 || layout > BLOCKED || (layout == BLOCKED && nwords % BLOCK_WORDS != 0)) {
            return null;
        }
        long[] words = new long[nwords];
        for (int i = 0; i < words.length; i++) {
            words[i] = Bytes.getLong(b, off + 4 + 8 * i);
        }
        return new Bloom(words, probes, layout);
    }

    /** Heap bytes held. */
    long heapBytes() {
        return 16L + words.length * 8L;
    }
}
