package dev.braid.store;

import static dev.braid.store.FaultTestSupport.assertHolds;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * After a build is installed (a restore built into the tree, a fold), the merge job's thread reads
 * the new tree into the cache while it has room ({@code TreeWarmer}), a slice of leaves at a time
 * under the read lock. It must never cache a stale image, however the writer changes the tree
 * between slices, and never push anything out of a full cache.
 */
class CacheWarmUpTest {
    private static final int KEY = 16;

    @TempDir
    Path dir;

    /**
     * Tree writes, deletes, commits and a second install (a fold of blind writes) while the warm-up
     * of a 200,000-record restore runs: every read afterwards (from the warmed cache) matches the
     * model, as does a full scan, {@code check()} is clean, and so is a cold read after a reopen.
     */
    @Test
    void writesDuringTheWarmUpNeverMeetAStaleImage() throws InterruptedException {
        BraidOptions opts = BraidOptions.builder().cacheBytes(256L << 20).writeBufferBytes(1 << 20).build();
        NavigableMap<byte[], byte[]> model = new TreeMap<>(Arrays::compareUnsigned);
        Random rnd = new Random(11);
        int overlapped = 0;
        try (Braid b = Braid.open(dir, opts)) {
            for (int batch = 0; batch < 200; batch++) {
                restoreBatch(b, rnd, model, 1000);
            }
            b.commit(Map.of("offset", "1"));
            for (int round = 0; round < 20; round++) {
                overlapped += EngineProbe.warmUpPending(b) ? 1 : 0;
                for (int i = 0; i < 1000; i++) {
                    byte[] k = rnd.nextInt(3) == 0 ? anyKey(rnd, model) : newKey(rnd);
                    if (rnd.nextInt(4) == 0) {
                        b.delete(k);
                        model.remove(k);
                    } else {
                        byte[] v = value(rnd);
                        b.put(k, v);
                        model.put(k, v);
                    }
                }
                if (round == 10) { // blind writes over the tree, folded: a second install
                    restoreBatch(b, rnd, model, 1000);
                    b.commit(Map.of("offset", "2"));
                    b.finishMerges();
                }
                b.commit(Map.of("offset", Integer.toString(3 + round)));
            }
            assertTrue(overlapped > 0, "the writes ran while the warm-up was under way");
            assertTrue(EngineProbe.awaitWarmUp(b) > 0);
            assertHolds(model, b);
            assertEquals(java.util.List.of(), b.check());
        }
        try (Braid b = Braid.open(dir, opts)) {
            assertHolds(model, b);
        }
    }

    /**
     * A restore twice the size of the cache: the warm-up stops at the first leaf the cache has no
     * room for, so the memory held stays within the budget, and every value reads back.
     */
    @Test
    void theWarmUpStopsAtAFullCache() throws InterruptedException {
        long budget = 8L << 20;
        BraidOptions opts = BraidOptions.builder().cacheBytes(budget).build();
        NavigableMap<byte[], byte[]> model = new TreeMap<>(Arrays::compareUnsigned);
        Random rnd = new Random(12);
        try (Braid b = Braid.open(dir, opts)) {
            for (int batch = 0; batch < 120; batch++) {
                restoreBatch(b, rnd, model, 1000);
            }
            b.commit(Map.of());
            b.finishMerges();
            long warmed = EngineProbe.awaitWarmUp(b);
            assertTrue(warmed > 0, "some leaves were read");
            assertTrue(warmed * b.stats().pageSizeBytes() < budget, "no more leaves than fit: " + warmed);
            assertTrue(b.stats().memoryUsedBytes() <= budget, "within the budget: " + b.stats().memoryUsedBytes());
            assertHolds(model, b);
        }
    }

    /**
     * A leaf damaged on disk after the build and before the warm-up reaches it (merges paused, which
     * holds the warm-up back): the warm-up stops there with a warning and nothing else, the store
     * stays usable, the get of a key in that leaf reports the page, every other key reads back.
     */
    @Test
    void aDamagedLeafEndsTheWarmUpAndFailsOnlyItsReads() throws Exception {
        BraidOptions opts = BraidOptions.builder().cacheBytes(64L << 20).build();
        NavigableMap<byte[], byte[]> model = new TreeMap<>(Arrays::compareUnsigned);
        Random rnd = new Random(13);
        try (Braid b = Braid.open(dir, opts)) {
            b.pauseMerges();
            for (int batch = 0; batch < 30; batch++) {
                restoreBatch(b, rnd, model, 1000);
            }
            b.commit(Map.of()); // built straight into the tree, synced
            byte[] victim = model.ceilingKey(new byte[] {(byte) 0x80});
            Path pages = dir.resolve("braid.pages");
            int at = FaultTestSupport.indexOf(java.nio.file.Files.readAllBytes(pages), victim);
            assertTrue(at > 0, "the key is in the page file");
            int page = at / b.stats().pageSizeBytes();
            try (java.io.RandomAccessFile f = new java.io.RandomAccessFile(pages.toFile(), "rw")) {
                f.seek(at);
                f.write(~victim[0]);
            }
            assertTrue(EngineProbe.warmUpPending(b));
            b.resumeMerges();
            long warmed = EngineProbe.awaitWarmUp(b);
            assertTrue(warmed > 0 && warmed < 30_000 / 20, "stopped part way: " + warmed);
            CorruptionException e = org.junit.jupiter.api.Assertions.assertThrows(CorruptionException.class,
                    () -> b.get(victim));
            assertTrue(e.getMessage().contains("page " + page), e.getMessage());
            int others = 0;
            for (Map.Entry<byte[], byte[]> en : model.entrySet()) {
                try {
                    org.junit.jupiter.api.Assertions.assertArrayEquals(en.getValue(), b.get(en.getKey()));
                    others++;
                } catch (CorruptionException ce) {
                    assertTrue(ce.getMessage().contains("page " + page), ce.getMessage()); // the same leaf
                }
            }
            assertTrue(others > model.size() - 100, "only the damaged leaf's keys fail: " + others);
            b.commit(Map.of("after", "damage")); // the store is not failed
        }
    }

    private static void restoreBatch(Braid b, Random rnd, NavigableMap<byte[], byte[]> model, int n) {
        WriteBatch wb = new WriteBatch().unlogged();
        for (int i = 0; i < n; i++) {
            byte[] k = newKey(rnd);
            byte[] v = value(rnd);
            wb.blindPut(k, v);
            model.put(k, v);
        }
        b.write(wb);
    }

    private static byte[] newKey(Random rnd) {
        byte[] k = new byte[KEY];
        rnd.nextBytes(k);
        return k;
    }

    private static byte[] anyKey(Random rnd, NavigableMap<byte[], byte[]> model) {
        byte[] k = model.ceilingKey(newKey(rnd));
        return k != null ? k : model.firstKey();
    }

    private static byte[] value(Random rnd) {
        byte[] v = new byte[rnd.nextInt(100) == 0 ? 3000 : 20 + rnd.nextInt(100)];
        rnd.nextBytes(v);
        return v;
    }
}
