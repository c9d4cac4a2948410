package dev.braid.store.internal.mergetree;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.braid.store.internal.format.Bytes;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

class KeySorterTest {
    @Test
    void ordersLikeAComparisonSortWhateverThePrefixes() {
        long seed = System.nanoTime();
        Random rnd = new Random(seed);
        for (int round = 0; round < 50; round++) {
            int n = rnd.nextInt(3000);
            byte[][] keys = new byte[n][];
            for (int i = 0; i < n; i++) {
                // Short keys, empty keys, long shared prefixes and 0x00/0xFF bytes all appear.
                // Up to 40 bytes: several radix windows deep; n up to 3000 passes the insertion-sort cutoff.
                int len = rnd.nextInt(4) == 0 ? rnd.nextInt(3) : 6 + rnd.nextInt(rnd.nextBoolean() ? 12 : 35);
                byte[] k = new byte[len];
                for (int j = 0; j < len; j++) {
                    int r = rnd.nextInt(10);
                    k[j] = r < 3 ? 0 : r < 6 ? (byte) 0xFF : (byte) rnd.nextInt(4);
                }
                keys[i] = k;
            }
            byte[][] expected = keys.clone();
            Arrays.sort(expected, Arrays::compareUnsigned);
            Arena arena = new Arena();
            for (byte[] k : keys) {
                arena.append(k, new byte[0]);
            }
            boolean withWindows = rnd.nextBoolean();
            long[] windows = withWindows ? new long[n] : null;
            int[] order = KeySorter.order(arena, n, windows);
            for (int i = 0; withWindows && i < n; i++) { // the first windows of the sorted records
                assertTrue(windows[i] == arena.window(order[i], 0), "window " + i + ", seed " + seed);
                byte[] k = keys[order[i]];
                assertTrue(windows[i] == Bytes.window(k, 0, k.length), "window of the key bytes " + i);
            }
            byte[][] actual = new byte[n][];
            for (int i = 0; i < n; i++) {
                actual[i] = keys[order[i]];
            }
            for (int i = 0; i < n; i++) {
                assertArrayEquals(expected[i], actual[i], "seed " + seed + " round " + round + " index " + i);
                if (i > 0 && Arrays.equals(actual[i - 1], actual[i])) {
                    assertTrue(order[i - 1] < order[i], "equal keys out of write order, seed " + seed);
                }
            }
        }
    }

    /**
     * Large buffers are split by their top byte before the LSD passes: random keys (every top byte),
     * keys sharing their top byte (one bucket), few distinct top bytes with long shared prefixes,
     * and duplicates (stability), each checked against a comparison sort; then random keys enough for
     * the buckets to be sorted on two threads.
     */
    @Test
    void largeBuffersSplitByTheTopByteOrderLikeAComparisonSort() {
        long seed = System.nanoTime();
        Random rnd = new Random(seed);
        for (int kind = 0; kind < 4; kind++) {
            int n = kind == 3 ? 300_000 : 70_000 + rnd.nextInt(60_000); // the last: buckets on two threads
            byte[][] keys = new byte[n][];
            for (int i = 0; i < n; i++) {
                if (i > 0 && rnd.nextInt(10) == 0) {
                    keys[i] = keys[rnd.nextInt(i)].clone(); // a later write of an earlier key
                    continue;
                }
                byte[] k = new byte[kind == 2 ? 9 + rnd.nextInt(12) : 16];
                rnd.nextBytes(k);
                if (kind == 1) {
                    k[0] = 0x00; // integer-like keys: one top byte
                } else if (kind == 2) {
                    k[0] = (byte) (rnd.nextInt(3) * 0x7F); // three top bytes, a long shared prefix
                    Arrays.fill(k, 1, 8, (byte) 0xAB);
                }
                keys[i] = k;
            }
            Integer[] expected = new Integer[n];
            for (int i = 0; i < n; i++) {
                expected[i] = i;
            }
            Arrays.sort(expected, (x, y) -> Arrays.compareUnsigned(keys[x], keys[y])); // stable: write order
            Arena arena = new Arena();
            for (byte[] k : keys) {
                arena.append(k, new byte[0]);
            }
            long[] windows = new long[n];
            int[] order = KeySorter.order(arena, n, windows);
            for (int i = 0; i < n; i++) {
                assertTrue(order[i] == expected[i], "kind " + kind + ", index " + i + ", seed " + seed);
                byte[] k = keys[order[i]];
                assertTrue(windows[i] == Bytes.window(k, 0, k.length), "window " + i + ", seed " + seed);
            }
        }
    }
}
