package dev.braid.perf.harness;

import java.util.SplittableRandom;

/**
 * The records of one run, computed on demand instead of held in memory (10M records of 4 KiB would
 * not fit): record {@code i} has a random-looking 16-byte key and a value of {@code valueBytes} bytes.
 * Keys: two 64-bit halves from a bijective mix of {@code i}, so the first halves (hence the keys)
 * of different records differ; the lowest bit of the last byte is 0 for the N stored keys and 1 for
 * their "missing" twins, which are thus never in the store and spread over the same key space.
 * Values: a slice of a random block chosen by {@code (i, version)}, with {@code i} in its first four
 * bytes (values of fewer than 4 bytes carry no stamp), so a get can check it found the right record.
 * Immutable; thread safe.
 */
final class Dataset {
    static final int KEY_BYTES = 16;
    private static final int POOL_SLICES = 4096;

    private final int records;
    private final int valueBytes;
    private final long seed;
    private final byte[] pool;

    Dataset(int records, int valueBytes, long seed) {
        if (records < 1 || valueBytes < 0) {
            throw new IllegalArgumentException("records " + records + ", value bytes " + valueBytes);
        }
        this.records = records;
        this.valueBytes = valueBytes;
        this.seed = seed;
        this.pool = new byte[valueBytes + POOL_SLICES];
        new SplittableRandom(seed).nextBytes(pool);
    }

    int records() {
        return records;
    }

    int valueBytes() {
        return valueBytes;
    }

    /** Key and value bytes of all records: what a store would hold with no overhead at all. */
    long rawBytes() {
        return (long) records * (KEY_BYTES + valueBytes);
    }

    /** A fresh array with the key of record {@code i} (in the store). */
    byte[] key(int i) {
        return key(i, false);
    }

    /** A fresh array with a key that is not in the store, near record {@code i}'s in no particular way. */
    byte[] missingKey(int i) {
        return key(i, true);
    }

    private byte[] key(int i, boolean missing) {
        long hi = mix(seed + i);
        long lo = mix(~seed + i * 0x9E3779B97F4A7C15L);
        lo = missing ? lo | 1 : lo & ~1L;
        byte[] k = new byte[KEY_BYTES];
        for (int b = 0; b < 8; b++) {
            k[b] = (byte) (hi >>> (56 - 8 * b));
            k[8 + b] = (byte) (lo >>> (56 - 8 * b));
        }
        return k;
    }

    /** A fresh array with a value of record {@code i}; each {@code version} gives other bytes. */
    byte[] value(int i, int version) {
        int slice = (int) ((mix(((long) i << 20) ^ version ^ seed) >>> 1) % POOL_SLICES);
        byte[] v = new byte[valueBytes];
        System.arraycopy(pool, slice, v, 0, valueBytes);
        if (valueBytes >= 4) {
            v[0] = (byte) (i >>> 24);
            v[1] = (byte) (i >>> 16);
            v[2] = (byte) (i >>> 8);
            v[3] = (byte) i;
        }
        return v;
    }

    /** Whether {@code v} is a value of record {@code i} (any version). */
    boolean isValueOf(byte[] v, int i) {
        if (v == null || v.length != valueBytes) {
            return false;
        }
        return valueBytes < 4 || (((v[0] & 0xFF) << 24) | ((v[1] & 0xFF) << 16) | ((v[2] & 0xFF) << 8) | (v[3] & 0xFF)) == i;
    }

    /** The murmur3 64-bit finalizer: a bijection, so distinct inputs give distinct outputs. */
    private static long mix(long z) {
        z = (z ^ (z >>> 33)) * 0xff51afd7ed558ccdL;
        z = (z ^ (z >>> 33)) * 0xc4ceb9fe1a85ec53L;
        return z ^ (z >>> 33);
    }
}
