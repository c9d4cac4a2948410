package dev.braid.store.internal.btree;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * An internal node's child search by separator heads ({@link InternalNode#childIndex}, from
 * {@link InternalNode#HEADS_MIN} separators) against a reference count of the separators at or below
 * the key (B2): separators with long shared prefixes, of different lengths (shortest separators are
 * often a byte or two), with zero and 0xFF bytes; probes that are separators, their prefixes and
 * extensions, and random keys; again after inserts, removals and replaced separators, which must
 * drop the heads built before them.
 */
class InternalNodeHeadsTest {
    @Test
    void childIndexMatchesTheSeparatorsOrder() {
        long seed = System.nanoTime();
        Random rnd = new Random(seed);
        for (int round = 0; round < 2000; round++) {
            int n = 1 + rnd.nextInt(rnd.nextBoolean() ? 12 : 300);
            byte[] prefix = randomBytes(rnd, rnd.nextInt(4) == 0 ? 0 : rnd.nextInt(12));
            TreeSet<byte[]> set = new TreeSet<>(Arrays::compareUnsigned);
            while (set.size() < n) {
                set.add(concat(prefix, randomBytes(rnd, rnd.nextInt(4) == 0 ? 1 + rnd.nextInt(2) : rnd.nextInt(14))));
            }
            InternalNode node = new InternalNode(1, 4);
            int i = 0;
            for (byte[] k : set) {
                node.insert(i++, k, null, 100 + i, 0);
            }
            String ctx = "seed " + seed + ", round " + round;
            check(node, rnd, prefix, ctx);
            for (int m = 0; m < 5 && node.n > 1; m++) { // changes after a search built the heads
                int at = rnd.nextInt(node.n);
                switch (rnd.nextInt(3)) {
                    case 0 -> node.removeRight(at);
                    case 1 -> {
                        byte[] lo = at == 0 ? new byte[0] : node.keys[at - 1];
                        byte[] hi = at + 1 < node.n ? node.keys[at + 1] : null;
                        byte[] k = concat(node.keys[at], new byte[] {(byte) rnd.nextInt(256)});
                        if (Arrays.compareUnsigned(k, lo) > 0 && (hi == null || Arrays.compareUnsigned(k, hi) < 0)) {
                            node.setKey(at, k, null);
                        }
                    }
                    default -> {
                        byte[] k = concat(node.keys[node.n - 1], randomBytes(rnd, 1 + rnd.nextInt(3)));
                        node.insert(node.n, k, null, 7, 0);
                    }
                }
                check(node, rnd, prefix, ctx + ", after change " + m);
            }
        }
    }

    private static void check(InternalNode node, Random rnd, byte[] prefix, String ctx) {
        List<byte[]> probes = new ArrayList<>();
        for (int i = 0; i < node.n; i++) {
            byte[] k = node.keys[i];
            probes.add(k);
            probes.add(Arrays.copyOf(k, Math.max(0, k.length - 1)));
            probes.add(concat(k, new byte[] {0}));
            probes.add(concat(k, new byte[] {(byte) 0xFF}));
        }
        for (int i = 0; i < 20; i++) {
            probes.add(concat(Arrays.copyOf(prefix, rnd.nextInt(prefix.length + 1)), randomBytes(rnd, rnd.nextInt(10))));
        }
        probes.add(new byte[0]);
        for (byte[] p : probes) {
            int expected = 0;
            while (expected < node.n && Arrays.compareUnsigned(node.keys[expected], p) <= 0) {
                expected++;
            }
            assertEquals(expected, node.childIndex(p), ctx + ", n " + node.n + ", probe " + Arrays.toString(p));
        }
    }

    private static byte[] randomBytes(Random rnd, int len) {
        byte[] b = new byte[len];
        for (int i = 0; i < len; i++) {
            int r = rnd.nextInt(8);
            b[i] = r == 0 ? 0 : r == 1 ? (byte) 0xFF : (byte) rnd.nextInt(256);
        }
        return b;
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] c = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        return c;
    }
}
