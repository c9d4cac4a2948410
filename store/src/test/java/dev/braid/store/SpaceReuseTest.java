package dev.braid.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The page file does not grow without bound when segments come and go: pages of merged segments,
 * spare run tails and a folded tree's old pages become free runs that later segments and tree
 * builds are written into (docs/design/merge-policy.md, "Space"). Every test checks the data
 * against a model and runs {@code check()}.
 */
class SpaceReuseTest {
    @TempDir
    Path dir;

    /**
     * The reproduction of the growth bug: many small commits, every third an unlogged blind batch,
     * a 1 KiB write buffer (a segment per batch). Before free runs: 125,460 pages, 124,419 free.
     */
    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void smallFlushesAndCommitsDoNotGrowTheFile() {
        BraidOptions opts = BraidOptions.builder().pageSizeBytes(512).cacheBytes(1L << 20).writeBufferBytes(1024)
                .checkpointLogBytes(64 * 1024).build();
        Random rnd = new Random(7);
        TreeMap<byte[], byte[]> model = new TreeMap<>(Arrays::compareUnsigned);
        long pagesAt100 = 0;
        try (Braid b = Braid.open(dir, opts)) {
            for (int c = 0; c < 300; c++) {
                WriteBatch batch = new WriteBatch();
                boolean blind = c % 3 == 0;
                for (int i = 0; i < 100; i++) {
                    byte[] k = key(rnd.nextInt(2_000));
                    byte[] v = ("c" + c + "-" + i).getBytes();
                    if (blind) {
                        batch.blindPut(k, v);
                    } else {
                        batch.put(k, v);
                    }
                    model.put(k, v);
                }
                b.write(blind ? batch.unlogged() : batch);
                b.commit(Map.of("c", "" + c));
                if (c == 100) {
                    pagesAt100 = b.stats().pageCount();
                }
            }
            BraidStats s = b.stats();
            System.out.printf("SpaceReuseTest: 300 small commits: %d pages (%d free), %d after 100 commits%n",
                    s.pageCount(), s.freePages(), pagesAt100);
            assertTrue(s.pageCount() < 2 * pagesAt100 + 200, "pages after 300 commits " + s.pageCount()
                    + " vs " + pagesAt100 + " after 100 (free " + s.freePages() + ")");
            assertTrue(s.pageCount() < 5_000, "pages: " + s.pageCount());
            verify(b, model);
            assertEquals(List.of(), b.check());
        }
        try (Braid b = Braid.open(dir, opts)) {
            verify(b, model);
            assertEquals(List.of(), b.check());
        }
    }

    /**
     * Restore-like rounds that overwrite the same keys through blind writes, merges and folds: the
     * file reaches a steady size instead of growing by every round's bytes.
     */
    @Test
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void repeatedRestoresReachASteadySize() {
        BraidOptions opts = BraidOptions.builder().pageSizeBytes(1024).cacheBytes(4L << 20)
                .writeBufferBytes(64 * 1024).checkpointLogBytes(256 * 1024).build();
        Random rnd = new Random(9);
        TreeMap<byte[], byte[]> model = new TreeMap<>(Arrays::compareUnsigned);
        long[] pages = new long[8];
        try (Braid b = Braid.open(dir, opts)) {
            for (int round = 0; round < pages.length; round++) {
                for (int i = 0; i < 20_000; i += 500) {
                    WriteBatch batch = new WriteBatch().unlogged();
                    for (int j = i; j < i + 500; j++) {
                        byte[] v = new byte[40 + rnd.nextInt(40)];
                        rnd.nextBytes(v);
                        batch.blindPut(key(j), v);
                        model.put(key(j), v);
                    }
                    b.write(batch);
                    if (i % 5_000 == 0) {
                        b.commit(Map.of());
                    }
                }
                b.commit(Map.of());
                b.finishMerges();
                b.commit(Map.of());
                b.checkpoint();
                pages[round] = b.stats().pageCount();
            }
            verify(b, model);
            assertEquals(List.of(), b.check());
            System.out.println("SpaceReuseTest: page count after each restore round: " + Arrays.toString(pages));
            assertTrue(pages[pages.length - 1] < pages[1] * 3 / 2, "page counts per round " + Arrays.toString(pages));
        }
        try (Braid b = Braid.open(dir, opts)) {
            verify(b, model);
            assertEquals(List.of(), b.check());
        }
    }

    /**
     * After a restore folded into an empty tree, the new tree sits past the freed segments: the
     * background job relocates it into the free runs at the front, the page count shrinks, and close
     * cuts the file down to it. The data and {@code check()} are checked after a reopen.
     */
    @Test
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void aRestoredTreeMovesToTheFrontAndTheFileShrinks() throws Exception {
        BraidOptions opts = RELOCATION_OPTIONS;
        Random rnd = new Random(21);
        TreeMap<byte[], byte[]> model = new TreeMap<>(Arrays::compareUnsigned);
        long before;
        long pagesBefore;
        try (Braid b = Braid.open(dir, opts)) {
            restoreAndFold(b, rnd, model);
            before = java.nio.file.Files.size(dir.resolve("braid.pages"));
            pagesBefore = b.stats().pageCount();
            awaitPages(b, pagesBefore * 2 / 3);
            System.out.printf("SpaceReuseTest: after the restore %d pages, after relocation %d pages (%d free)%n",
                    pagesBefore, b.stats().pageCount(), b.stats().freePages());
            assertTrue(b.stats().pageCount() <= pagesBefore * 2 / 3, "pages " + pagesBefore + " -> "
                    + b.stats().pageCount());
            verify(b, model);
        }
        long after = java.nio.file.Files.size(dir.resolve("braid.pages"));
        assertTrue(after <= before * 2 / 3, "page file " + before + " -> " + after + " bytes");
        try (Braid b = Braid.open(dir, opts)) {
            verify(b, model);
            assertEquals(List.of(), b.check());
        }
    }

    /**
     * The relocation after a restore rewrites the whole tree and freezes it meanwhile (writes then
     * go to the write buffer and become segments), so it waits for the writer to be quiet: while
     * updates keep coming the tree stays where the restore put it, and once they stop for a few
     * seconds it moves to the front and the file shrinks. Every update is checked afterwards.
     */
    @Test
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void theRelocationWaitsForAQuietWriter() throws Exception {
        BraidOptions opts = RELOCATION_OPTIONS;
        Random rnd = new Random(22);
        TreeMap<byte[], byte[]> model = new TreeMap<>(Arrays::compareUnsigned);
        try (Braid b = Braid.open(dir, opts)) {
            restoreAndFold(b, rnd, model);
            long pagesBefore = b.stats().pageCount();
            long mergesBefore = b.stats().merges();
            byte[][] keys = model.keySet().toArray(new byte[0][]);
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(6);
            while (System.nanoTime() < until) { // updates, a commit and a checkpoint every 100 ms
                long slice = System.nanoTime() + 100_000_000L;
                while (System.nanoTime() < slice) {
                    update(b, keys, rnd, model);
                }
                b.commit(Map.of());
                b.checkpoint();
            }
            assertEquals(mergesBefore, b.stats().merges(), "no relocation while updates keep coming");
            assertEquals(0, b.stats().segments(), "updates went into the tree");
            awaitPages(b, pagesBefore * 2 / 3);
            assertTrue(b.stats().pageCount() <= pagesBefore * 2 / 3, "once quiet, relocated: pages "
                    + pagesBefore + " -> " + b.stats().pageCount());
            verify(b, model);
            assertEquals(List.of(), b.check());
        }
    }

    /**
     * A relocation the background job started in a quiet moment is given up as soon as a write
     * arrives, rather than holding the tree frozen (every write going to the write buffer and
     * segments) until it has copied the whole tree: its runs are free again at once, the file is as
     * before, later writes go to the tree, and every write is kept. An explicit compaction (which
     * does not give way) still relocates afterwards. Checked again after a reopen.
     */
    @Test
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void aRelocationUnderWayGivesWayToTheWriter() throws Exception {
        Random rnd = new Random(23);
        TreeMap<byte[], byte[]> model = new TreeMap<>(Arrays::compareUnsigned);
        try (Braid b = Braid.open(dir, RELOCATION_OPTIONS)) {
            restoreAndFold(b, rnd, model);
            BraidStats before = b.stats();
            java.util.function.BooleanSupplier folding = EngineProbe.foldRunning(b);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (!folding.getAsBoolean()) {
                assertTrue(System.nanoTime() < deadline, "no relocation started in a quiet minute");
                Thread.onSpinWait();
            }
            byte[][] keys = model.keySet().toArray(new byte[0][]);
            update(b, keys, rnd, model); // the tree is frozen: this one goes to the write buffer
            long t0 = System.nanoTime();
            while (folding.getAsBoolean()) {
                Thread.sleep(1);
            }
            System.out.printf("SpaceReuseTest: the relocation gave way %.1f ms after the write%n",
                    (System.nanoTime() - t0) / 1e6);
            BraidStats after = b.stats();
            assertEquals(before.merges(), after.merges(), "the relocation was given up, not installed");
            assertEquals(before.freePages(), after.freePages(), "its runs are free again");
            assertEquals(before.pageCount(), after.pageCount(), "the file is as before");
            for (int i = 0; i < 2_000; i++) {
                update(b, keys, rnd, model);
            }
            b.commit(Map.of());
            assertEquals(0, b.stats().segments(), "later writes went to the tree");
            verify(b, model);
            assertEquals(List.of(), b.check());
            b.compact();
            assertTrue(b.stats().pageCount() <= before.pageCount() * 2 / 3, "an explicit compaction relocates: "
                    + before.pageCount() + " -> " + b.stats().pageCount() + " pages");
            verify(b, model);
        }
        try (Braid b = Braid.open(dir, RELOCATION_OPTIONS)) {
            verify(b, model);
            assertEquals(List.of(), b.check());
        }
    }

    /** 1 KiB pages, a small cache and write buffer: a 120,000-record restore spans many segments. */
    private static final BraidOptions RELOCATION_OPTIONS = BraidOptions.builder().pageSizeBytes(1024)
            .cacheBytes(8L << 20).writeBufferBytes(1L << 20).build();

    /**
     * Waits up to 60 s for the background relocation to bring the page count to {@code pages} or
     * fewer, committing (which records the shrunk count) and checkpointing (which lets freed runs
     * be reused) every 100 ms.
     */
    private static void awaitPages(Braid b, long pages) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (b.stats().pageCount() > pages && System.nanoTime() < deadline) {
            Thread.sleep(100);
            b.commit(Map.of());
            b.checkpoint();
        }
    }

    /**
     * A restore of 120,000 random records (unlogged blind batches of 1,000) into {@code b}, added to
     * {@code model}, committed, folded into the tree, committed and checkpointed.
     */
    private static void restoreAndFold(Braid b, Random rnd, TreeMap<byte[], byte[]> model) {
        for (int i = 0; i < 120_000; i += 1_000) {
            WriteBatch batch = new WriteBatch().unlogged();
            for (int j = 0; j < 1_000; j++) {
                byte[] k = new byte[16];
                rnd.nextBytes(k);
                byte[] v = new byte[100];
                rnd.nextBytes(v);
                batch.blindPut(k, v);
                model.put(k, v);
            }
            b.write(batch);
        }
        b.commit(Map.of());
        b.finishMerges();
        b.commit(Map.of());
        b.checkpoint();
    }

    /** A B+tree put of a random 100-byte value to one of {@code keys}, kept in {@code model}. */
    private static void update(Braid b, byte[][] keys, Random rnd, TreeMap<byte[], byte[]> model) {
        byte[] k = keys[rnd.nextInt(keys.length)];
        byte[] v = new byte[100];
        rnd.nextBytes(v);
        b.put(k, v);
        model.put(k, v);
    }

    private static void verify(Braid b, TreeMap<byte[], byte[]> model) {
        FaultTestSupport.assertContents(b, model, java.util.List.of(), "the store against its model");
    }

    private static byte[] key(int i) {
        return ByteBuffer.allocate(8).putInt(0x5EED).putInt(i).array();
    }
}
