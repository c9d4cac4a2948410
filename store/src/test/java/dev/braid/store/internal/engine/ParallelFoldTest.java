package dev.braid.store.internal.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.braid.store.Braid;
import dev.braid.store.BraidIterator;
import dev.braid.store.BraidOptions;
import dev.braid.store.Entry;
import dev.braid.store.KeyRange;
import dev.braid.store.WriteBatch;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Folds built in key ranges on parallel threads ({@link FoldBuilder#parallelMinEntries} lowered so that
 * every fold is one): the store equals a model after folds into an empty and a non-empty tree, with
 * deletes and tree writes among the blind ones, after a reopen, and after closing in the middle of
 * folds (the abandoned ranges' pages are reclaimed: {@code check()} finds nothing).
 */
class ParallelFoldTest {
    @TempDir
    Path dir;
    private int saved;

    @BeforeEach
    void everyFoldInParallel() {
        saved = FoldBuilder.parallelMinEntries;
        FoldBuilder.parallelMinEntries = 1;
    }

    @AfterEach
    void restore() {
        FoldBuilder.parallelMinEntries = saved;
    }

    private static BraidOptions options() {
        return BraidOptions.builder().pageSizeBytes(1024).cacheBytes(4L << 20).writeBufferBytes(64 * 1024)
                .backgroundMerges(true).build();
    }

    @Test
    void foldsInRangesKeepEveryEntry() {
        long seed = System.nanoTime();
        Random rnd = new Random(seed);
        NavigableMap<byte[], byte[]> model = new TreeMap<>(Arrays::compareUnsigned);
        for (int round = 0; round < 4; round++) {
            try (Braid b = Braid.open(dir, options())) {
                for (int batch = 0; batch < 30; batch++) {
                    WriteBatch w = new WriteBatch();
                    for (int i = 0; i < 400; i++) {
                        byte[] k = key(rnd);
                        int dice = rnd.nextInt(10);
                        if (dice == 0) {
                            w.blindDelete(k);
                            model.remove(k);
                        } else if (dice == 1) {
                            w.put(k, value(rnd)); // a tree write (through the buffer if a layer holds the key)
                            model.put(k, w.ops().get(w.ops().size() - 1).value());
                        } else {
                            byte[] v = value(rnd);
                            w.blindPut(k, v);
                            model.put(k, v);
                        }
                    }
                    b.write(round % 2 == 0 ? w.unlogged() : w);
                    if (batch % 7 == 6) {
                        b.commit(Map.of("round", Integer.toString(round)));
                    }
                }
                b.commit(Map.of("round", Integer.toString(round)));
                b.finishMerges();
                b.commit(Map.of("round", Integer.toString(round)));
                assertEquals(0, b.stats().segments(), "seed " + seed);
                verify(b, model, "seed " + seed + " round " + round);
                assertEquals(java.util.List.of(), b.check(), "seed " + seed);
            }
        }
        try (Braid b = Braid.open(dir, options())) {
            verify(b, model, "seed " + seed + " reopened");
        }
    }

    @Test
    void closingDuringFoldsLosesNothingCommittedAndLeaksNoPage() {
        long seed = System.nanoTime();
        Random rnd = new Random(seed);
        NavigableMap<byte[], byte[]> model = new TreeMap<>(Arrays::compareUnsigned);
        for (int round = 0; round < 8; round++) {
            try (Braid b = Braid.open(dir, options())) {
                verify(b, model, "seed " + seed + " before round " + round);
                assertEquals(java.util.List.of(), b.check(), "seed " + seed + " round " + round);
                for (int i = 0; i < 6000; i++) {
                    byte[] k = key(rnd);
                    byte[] v = value(rnd);
                    b.blindPut(k, v);
                    model.put(k, v);
                }
                b.commit(Map.of("round", Integer.toString(round)));
                // closes while the merge thread may be folding (its ranges are abandoned)
            }
        }
        try (Braid b = Braid.open(dir, options())) {
            b.finishMerges();
            verify(b, model, "seed " + seed + " at the end");
            assertEquals(java.util.List.of(), b.check(), "seed " + seed);
        }
    }

    private static void verify(Braid b, NavigableMap<byte[], byte[]> model, String ctx) {
        assertEquals(model.size(), b.count(), ctx);
        try (BraidIterator it = b.iterator(KeyRange.all())) {
            for (Map.Entry<byte[], byte[]> e : model.entrySet()) {
                assertTrue(it.hasNext(), ctx);
                Entry got = it.next();
                assertArrayEquals(e.getKey(), got.key(), ctx);
                assertArrayEquals(e.getValue(), got.value(), ctx);
            }
            assertTrue(!it.hasNext(), ctx + ": extra entries");
        }
        int i = 0;
        for (Map.Entry<byte[], byte[]> e : model.entrySet()) {
            if (i++ % 97 == 0) {
                assertArrayEquals(e.getValue(), b.get(e.getKey()), ctx);
            }
        }
    }

    private static byte[] key(Random rnd) {
        byte[] k = new byte[1 + rnd.nextInt(12)];
        rnd.nextBytes(k);
        k[0] = (byte) rnd.nextInt(8); // overlaps between batches: overwrites and deletes hit
        return k;
    }

    private static byte[] value(Random rnd) {
        byte[] v = new byte[rnd.nextInt(60)];
        rnd.nextBytes(v);
        return v;
    }
}
