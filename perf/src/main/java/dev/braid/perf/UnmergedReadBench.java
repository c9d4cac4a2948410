package dev.braid.perf;

import dev.braid.store.Braid;
import dev.braid.store.BraidOptions;
import dev.braid.store.BraidStats;
import dev.braid.store.WriteBatch;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Point reads on a store whose restored data is still in segments, against the same reads once every
 * segment is folded into the B+tree (the merge-tree issue's "unmerged reads within 2x" figure). N
 * random 16-byte keys with 100-byte values are written as unlogged blind batches of 1,000 with a small
 * write buffer (many segments) with merges paused ({@link Braid#pauseMerges()}), committed, and G
 * random gets of written keys are timed while every segment is unmerged; then merges resume,
 * {@code finishMerges()} folds everything into the tree, and the same gets are timed again (after one
 * untimed pass, as the first pass warmed the cache too). Each get is checked. Timings only.
 *
 * <p>Arguments: {@code [records (2000000)] [gets (200000)] [write buffer MiB (16)] [cache MiB (128)]}.
 * From {@code perf/}: {@code java -Xmx4g -cp target/classes:$(cat /tmp/perf-cp.txt)
 * dev.braid.perf.UnmergedReadBench 2000000 200000 16 128}.
 */
public final class UnmergedReadBench {
    private UnmergedReadBench() {
    }

    public static void main(String[] args) throws IOException {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 2_000_000;
        int gets = args.length > 1 ? Integer.parseInt(args[1]) : 200_000;
        long buffer = (args.length > 2 ? Long.parseLong(args[2]) : 16) << 20;
        long cache = (args.length > 3 ? Long.parseLong(args[3]) : 128) << 20;
        Path dir = Files.createTempDirectory("braid-unmerged-");
        SplittableRandom rnd = new SplittableRandom(42);
        byte[][] keys = new byte[n][16];
        for (byte[] k : keys) {
            rnd.nextBytes(k);
        }
        int[] order = new int[gets];
        for (int i = 0; i < gets; i++) {
            order[i] = rnd.nextInt(n);
        }
        BraidOptions opts = BraidOptions.builder().cacheBytes(cache).writeBufferBytes(buffer).build();
        try (Braid b = Braid.open(dir, opts)) {
            b.pauseMerges();
            for (int from = 0; from < n; from += 1000) {
                WriteBatch w = new WriteBatch().unlogged();
                for (int i = from; i < Math.min(n, from + 1000); i++) {
                    w.blindPut(keys[i], value(keys[i]));
                }
                b.write(w);
            }
            b.commit(Map.of("offset", Integer.toString(n)));
            BraidStats before = b.stats();
            timeGets(b, keys, order); // warm the cache, as for the merged figure
            double unmerged = timeGets(b, keys, order);
            b.resumeMerges();
            long t0 = System.nanoTime();
            b.finishMerges();
            b.commit(Map.of("offset", Integer.toString(n)));
            double foldSeconds = (System.nanoTime() - t0) / 1e9;
            BraidStats after = b.stats();
            timeGets(b, keys, order); // warm the cache as the first pass did
            double merged = timeGets(b, keys, order);
            System.out.printf("records %,d, gets %,d, write buffer %d MiB, cache %d MiB%n", n, gets, buffer >> 20,
                    cache >> 20);
            System.out.printf("unmerged: %d segments, %,.0f gets/s%n", before.segments(), unmerged);
            System.out.printf("merged (finishMerges took %.2f s): %d segments, %,.0f gets/s%n", foldSeconds,
                    after.segments(), merged);
            System.out.printf("unmerged / merged get throughput: %.2f%n", unmerged / merged);
        } finally {
            try (var paths = Files.walk(dir)) {
                paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private static byte[] value(byte[] key) {
        byte[] v = new byte[100];
        for (int i = 0; i < v.length; i++) {
            v[i] = (byte) (key[i % key.length] + i);
        }
        return v;
    }

    private static double timeGets(Braid b, byte[][] keys, int[] order) {
        long t0 = System.nanoTime();
        for (int k : order) {
            byte[] v = b.get(keys[k]);
            if (v == null || !Arrays.equals(v, value(keys[k]))) {
                throw new IllegalStateException("wrong value for key #" + k);
            }
        }
        return order.length / ((System.nanoTime() - t0) / 1e9);
    }
}
