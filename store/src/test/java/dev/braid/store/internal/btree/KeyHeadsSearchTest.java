package dev.braid.store.internal.btree;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * A packed leaf searches by {@link KeyHeads} (eight bytes after the keys' shared prefix); the result
 * must be exactly that of a binary search over the keys' unsigned byte order, for every probe:
 * keys of the leaf, keys between and outside them, keys shorter than the shared prefix, prefixes of
 * keys, keys that differ only after their first eight bytes past the prefix or only in a trailing
 * zero byte.
 */
class KeyHeadsSearchTest {
    private static final byte[] ALPHABET = {0x00, 0x01, 0x7F, (byte) 0x80, (byte) 0xFF};

    @Test
    void packedSearchAgreesWithTheKeysOrder() {
        Random rnd = new Random(20261122);
        for (int trial = 0; trial < 3_000; trial++) {
            byte[] shared = randomBytes(rnd, rnd.nextInt(14));
            TreeSet<byte[]> set = new TreeSet<>(Arrays::compareUnsigned);
            int want = 1 + rnd.nextInt(40);
            while (set.size() < want) {
                set.add(key(rnd, shared));
            }
            List<byte[]> keys = new ArrayList<>(set);
            LeafNode leaf = packed(keys);
            List<byte[]> probes = new ArrayList<>(keys);
            for (int i = 0; i < 60; i++) {
                probes.add(key(rnd, rnd.nextInt(4) == 0 ? randomBytes(rnd, rnd.nextInt(6)) : shared));
                byte[] k = keys.get(rnd.nextInt(keys.size()));
                probes.add(Arrays.copyOf(k, rnd.nextInt(k.length + 1))); // a prefix of a key
                probes.add(Arrays.copyOf(k, k.length + 1)); // the key and a zero byte
                byte[] bumped = k.clone();
                if (bumped.length > 0) {
                    int at = rnd.nextInt(bumped.length);
                    bumped[at] = (byte) (bumped[at] + (rnd.nextBoolean() ? 1 : -1));
                }
                probes.add(bumped);
            }
            probes.add(new byte[0]);
            for (byte[] probe : probes) {
                assertEquals(reference(keys, probe), leaf.search(probe),
                        "trial " + trial + ", " + keys.size() + " keys sharing " + shared.length + " bytes, probe "
                                + Arrays.toString(probe));
            }
        }
    }

    /** A leaf holding {@code keys} (sorted, distinct), encoded and switched to the packed form. */
    private static LeafNode packed(List<byte[]> keys) {
        LeafNode leaf = new LeafNode(7, keys.size());
        for (int i = 0; i < keys.size(); i++) {
            leaf.insert(i, keys.get(i), null, new byte[] {(byte) i});
        }
        leaf.encodeAndPack(new byte[8192]);
        return leaf;
    }

    private static int reference(List<byte[]> keys, byte[] probe) {
        int lo = 0;
        int hi = keys.size() - 1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            int c = Arrays.compareUnsigned(keys.get(mid), probe);
            if (c < 0) {
                lo = mid + 1;
            } else if (c > 0) {
                hi = mid - 1;
            } else {
                return mid;
            }
        }
        return -(lo + 1);
    }

    private static byte[] key(Random rnd, byte[] prefix) {
        byte[] tail = randomBytes(rnd, rnd.nextInt(rnd.nextBoolean() ? 4 : 20));
        byte[] k = Arrays.copyOf(prefix, prefix.length + tail.length);
        System.arraycopy(tail, 0, k, prefix.length, tail.length);
        return k;
    }

    private static byte[] randomBytes(Random rnd, int n) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = ALPHABET[rnd.nextInt(ALPHABET.length)];
        }
        return b;
    }
}
