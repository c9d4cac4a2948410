package dev.braid.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.braid.store.internal.io.FaultyFileSystem;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Iterator;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A restore into a new store (unlogged blind writes into an empty tree): its write buffer may grow
 * past {@code writeBufferBytes} while the memory budget has room, and at commit a buffer with
 * nothing below it is built straight into the B+tree, its data written once, no segment. The
 * growth is bounded by three quarters of the budget, shared fairly with other stores, and off over a non-empty
 * tree, for logged writes, and with {@code restoreBufferBytes(0)}.
 */
class DirectBuildTest {
    private static final int KEY = 16;

    @TempDir
    Path dir;

    /**
     * 250,000 records in unlogged batches of 1,000 (with overwrites, deletes, values of about a page,
     * values and keys large enough for blobs): no segment is ever written, the buffer grows far past its 1 MiB, and the
     * commit builds the tree (in parallel ranges: 250,000 keys is above the threshold) writing the
     * data about once. Every entry reads back, before and after a reopen; {@code check()} is clean.
     */
    @Test
    void aRestoreThatFitsIsBuiltStraightIntoTheTree() {
        BraidOptions opts = BraidOptions.builder().cacheBytes(128L << 20).writeBufferBytes(1 << 20).build();
        NavigableMap<byte[], byte[]> model = new TreeMap<>(Arrays::compareUnsigned);
        Random rnd = new Random(42);
        long raw = 0;
        long maxBuffer = 0;
        try (Braid b = Braid.open(dir, opts)) {
            for (int batch = 0; batch < 250; batch++) {
                WriteBatch wb = new WriteBatch().unlogged();
                for (int i = 0; i < 1000; i++) {
                    byte[] k = key(rnd, model, batch);
                    if (!model.isEmpty() && rnd.nextInt(50) == 0) {
                        wb.blindDelete(k);
                        model.remove(k);
                        continue;
                    }
                    byte[] v = new byte[rnd.nextInt(250) > 0 ? 8 + rnd.nextInt(24) // a page-sized value or a blob now and then
                            : rnd.nextBoolean() ? 1100 + rnd.nextInt(3000) : 5000 + rnd.nextInt(20_000)];
                    rnd.nextBytes(v);
                    wb.blindPut(k, v);
                    model.put(k, v);
                }
                b.write(wb);
                BraidStats s = b.stats();
                assertEquals(0, s.segments(), "no segment while the buffer may grow (batch " + batch + ")");
                maxBuffer = Math.max(maxBuffer, s.writeBufferBytes());
            }
            for (Map.Entry<byte[], byte[]> e : model.entrySet()) {
                raw += e.getKey().length + e.getValue().length;
            }
            long writtenBefore = b.stats().bytesWritten();
            b.commit(Map.of("offset", "250000"));
            BraidStats s = b.stats();
            assertTrue(maxBuffer > 8L << 20, "the buffer grew past its 1 MiB: " + maxBuffer);
            assertEquals(0, s.segments());
            assertEquals(0, s.writeBufferBytes());
            assertEquals(model.size(), s.entries());
            long written = s.bytesWritten() - writtenBefore;
            assertTrue(written < raw * 1.6, "the data is written about once: " + written + " bytes for " + raw
                    + " bytes of keys and values");
            assertHolds(model, b, "after the commit");
            assertEquals(0, b.check().size(), b.check().toString());
        }
        try (Braid b = Braid.open(dir, opts)) {
            assertEquals(Map.of("offset", "250000"), b.committedMetadata());
            assertHolds(model, b, "after a reopen");
            assertEquals(0, b.check().size(), b.check().toString());
            // the tree takes ordinary writes afterwards
            byte[] k = new byte[KEY];
            b.put(k, new byte[] {1});
            b.commit(Map.of("offset", "250001"));
            assertArrayEquals(new byte[] {1}, b.get(k));
        }
    }

    /**
     * The disk fills up during a parallel direct build (100,000 keys): the commit fails with a typed
     * error, the store refuses further calls, and reopened (on a disk with room) it is at its last
     * commit, with no page lost to the half-built tree ({@code check()} accounts for every page); the
     * same restore then goes through.
     */
    @Test
    void aFullDiskDuringADirectBuildKeepsTheLastCommit() {
        FaultyFileSystem fs = new FaultyFileSystem();
        Path d = Path.of("/direct-build");
        BraidOptions opts = BraidOptions.builder().cacheBytes(128L << 20).writeBufferBytes(1 << 20).fileSystem(fs).build();
        NavigableMap<byte[], byte[]> model = new TreeMap<>(Arrays::compareUnsigned);
        Random rnd = new Random(5);
        Braid b = Braid.open(d, opts);
        b.commit(Map.of("offset", "0"));
        for (int batch = 0; batch < 100; batch++) {
            restoreBatch(b, rnd, model, 1000);
        }
        assertEquals(0, b.stats().segments(), "nothing written yet: the commit builds the tree");
        fs.diskLimitBytes(fs.totalBytes() + (4L << 20)); // the tree needs about 13 MB
        BraidException e = assertThrows(BraidException.class, () -> b.commit(Map.of("offset", "100000")));
        assertTrue(e instanceof BraidIOException io && io.diskFull()
                || e.getCause() instanceof BraidIOException io2 && io2.diskFull(), "a typed full-disk error: " + e);
        assertThrows(StoreFailedException.class, () -> b.get(model.firstKey()));
        b.close();
        fs.diskLimitBytes(Long.MAX_VALUE);
        try (Braid again = Braid.open(d, opts)) {
            assertEquals(Map.of("offset", "0"), again.committedMetadata());
            assertEquals(0, again.count());
            assertEquals(0, again.check().size(), again.check().toString());
            Random replay = new Random(5);
            NavigableMap<byte[], byte[]> model2 = new TreeMap<>(Arrays::compareUnsigned);
            for (int batch = 0; batch < 100; batch++) {
                restoreBatch(again, replay, model2, 1000);
            }
            again.commit(Map.of("offset", "100000"));
            assertHolds(model2, again, "after the restore was repeated");
            assertEquals(0, again.check().size(), again.check().toString());
        }
    }

    /**
     * With an 8 MiB budget the buffer stops growing at three quarters of it: a segment is written, and the
     * buffers after it stay within the same share (they grow as large again while the tree is empty:
     * {@link LargeRestoreTest}).
     */
    @Test
    void growthStaysWithinThreeQuartersOfTheBudget() {
        BraidOptions opts = BraidOptions.builder().cacheBytes(8L << 20).writeBufferBytes(256 << 10).build();
        NavigableMap<byte[], byte[]> model = new TreeMap<>(Arrays::compareUnsigned);
        Random rnd = new Random(7);
        try (Braid b = Braid.open(dir, opts)) {
            long maxBuffer = 0;
            long maxAfterFirstSegment = 0;
            for (int batch = 0; batch < 200; batch++) {
                boolean segmentBefore = b.stats().segments() + b.stats().merges() > 0;
                restoreBatch(b, rnd, model, 1000);
                maxBuffer = Math.max(maxBuffer, b.stats().writeBufferBytes());
                if (segmentBefore) {
                    maxAfterFirstSegment = Math.max(maxAfterFirstSegment, b.stats().writeBufferBytes());
                }
                assertTrue(b.stats().memoryUsedBytes() <= (8L << 20) * 11 / 10, "within the budget");
            }
            assertTrue(maxAfterFirstSegment <= (6L << 20) + (1 << 20) + 200_000,
                    "a restore that did not fit continues within three quarters of the budget: " + maxAfterFirstSegment);
            assertTrue(maxBuffer > 1L << 20, "it grew past 256 KiB: " + maxBuffer);
            assertTrue(maxBuffer > 5L << 20, "it grew past half the budget: " + maxBuffer);
            assertTrue(maxBuffer <= (6L << 20) + (1 << 20) + 200_000, "at most three quarters of the budget (+ a step): "
                    + maxBuffer);
            assertTrue(b.stats().segments() + b.stats().merges() > 0, "segments were written");
            b.commit(Map.of());
            b.finishMerges();
            assertHolds(model, b, "after the fold");
            assertEquals(0, b.check().size(), b.check().toString());
        }
    }

    /** Two stores on one 32 MiB budget: while one holds most of the restore share, the other stays near its limit. */
    @Test
    void aSharedBudgetLeavesNoRoomForASecondGrowingBuffer() {
        BraidCache shared = BraidCache.ofBytes(32L << 20);
        BraidOptions opts = BraidOptions.builder().cache(shared).writeBufferBytes(256 << 10).build();
        NavigableMap<byte[], byte[]> modelA = new TreeMap<>(Arrays::compareUnsigned);
        NavigableMap<byte[], byte[]> modelB = new TreeMap<>(Arrays::compareUnsigned);
        Random rnd = new Random(3);
        try (Braid a = Braid.open(dir.resolve("a"), opts); Braid b = Braid.open(dir.resolve("b"), opts)) {
            while (a.stats().writeBufferBytes() < 23L << 20) {
                restoreBatch(a, rnd, modelA, 1000);
            }
            assertEquals(0, a.stats().segments(), "the first store's buffer grew to 23 MiB");
            long maxB = 0;
            for (int batch = 0; batch < 100; batch++) {
                restoreBatch(b, rnd, modelB, 1000);
                maxB = Math.max(maxB, b.stats().writeBufferBytes());
            }
            assertTrue(maxB < 3L << 20, "the second store's buffer stays near its limit: " + maxB);
            a.commit(Map.of());
            b.commit(Map.of());
            b.finishMerges();
            assertHolds(modelA, a, "");
            assertHolds(modelB, b, "");
        }
    }

    @Test
    void noGrowthWhenTurnedOffOverANonEmptyTreeOrForLoggedWrites() {
        Random rnd = new Random(11);
        BraidOptions off = BraidOptions.builder().cacheBytes(128L << 20).writeBufferBytes(256 << 10)
                .restoreBufferBytes(0).build();
        assertStaysSmall(dir.resolve("off"), off, rnd, false, true);
        BraidOptions on = BraidOptions.builder().cacheBytes(128L << 20).writeBufferBytes(256 << 10).build();
        assertStaysSmall(dir.resolve("tree"), on, rnd, true, true);
        assertStaysSmall(dir.resolve("logged"), on, rnd, false, false);
    }

    private static void assertStaysSmall(Path d, BraidOptions opts, Random rnd, boolean treeFirst, boolean unlogged) {
        NavigableMap<byte[], byte[]> model = new TreeMap<>(Arrays::compareUnsigned);
        try (Braid b = Braid.open(d, opts)) {
            if (treeFirst) {
                b.put(new byte[] {0}, new byte[] {0});
                model.put(new byte[] {0}, new byte[] {0});
                b.commit(Map.of());
            }
            long maxBuffer = 0;
            for (int batch = 0; batch < 30; batch++) {
                WriteBatch wb = new WriteBatch();
                if (unlogged) {
                    wb.unlogged();
                }
                for (int i = 0; i < 1000; i++) {
                    byte[] k = new byte[KEY];
                    rnd.nextBytes(k);
                    wb.blindPut(k, k);
                    model.put(k, k);
                }
                b.write(wb);
                maxBuffer = Math.max(maxBuffer, b.stats().writeBufferBytes());
            }
            assertTrue(maxBuffer <= (256 << 10) + 100_000, d.getFileName() + ": the buffer did not grow: " + maxBuffer);
            assertTrue(b.stats().segments() + b.stats().merges() > 0, d.getFileName() + ": segments were written");
            b.commit(Map.of());
            b.finishMerges();
            assertHolds(model, b, d.getFileName().toString());
        }
    }

    /**
     * The tree a restore builds is read into a cache with room for it in the background after the
     * commit (TreeWarmer): a get of every key then misses nowhere (each would otherwise read, verify
     * and decode its leaf), and the values are right. A fold of segments (the buffer not allowed to
     * grow) warms its tree the same way.
     */
    @Test
    void aRestoreLeavesItsTreeInACacheWithRoomForIt() throws InterruptedException {
        for (boolean grow : new boolean[] {true, false}) {
            BraidOptions opts = BraidOptions.builder().cacheBytes(256L << 20).writeBufferBytes(1 << 20)
                    .restoreBufferBytes(grow ? -1 : 0).build();
            NavigableMap<byte[], byte[]> model = new TreeMap<>(Arrays::compareUnsigned);
            Random rnd = new Random(5);
            try (Braid b = Braid.open(dir.resolve(grow ? "built" : "folded"), opts)) {
                for (int batch = 0; batch < 100; batch++) {
                    restoreBatch(b, rnd, model, 1000);
                }
                b.commit(Map.of("offset", "100000"));
                assertEquals(grow, b.stats().segments() == 0, "segments to fold only when the buffer may not grow");
                b.finishMerges();
                assertEquals(0, b.stats().segments());
                assertTrue(EngineProbe.awaitWarmUp(b) > 0, "the warm-up read the tree's leaves");
                long missesBefore = b.stats().cacheMisses();
                for (Map.Entry<byte[], byte[]> e : model.entrySet()) {
                    assertArrayEquals(e.getValue(), b.get(e.getKey()));
                }
                assertEquals(0, b.stats().cacheMisses() - missesBefore,
                        (grow ? "direct build" : "fold") + ": no node read from the file");
            }
        }
    }

    private static void restoreBatch(Braid b, Random rnd, NavigableMap<byte[], byte[]> model, int n) {
        WriteBatch wb = new WriteBatch().unlogged();
        for (int i = 0; i < n; i++) {
            byte[] k = new byte[KEY];
            rnd.nextBytes(k);
            byte[] v = new byte[100];
            rnd.nextBytes(v);
            wb.blindPut(k, v);
            model.put(k, v);
        }
        b.write(wb);
    }

    /** A new random key, an earlier key now and then, and a long key (a blob) rarely. */
    private static byte[] key(Random rnd, NavigableMap<byte[], byte[]> model, int batch) {
        if (batch > 0 && rnd.nextInt(20) == 0) {
            byte[] from = new byte[KEY];
            rnd.nextBytes(from);
            byte[] k = model.ceilingKey(from);
            if (k != null) {
                return k;
            }
        }
        byte[] k = new byte[rnd.nextInt(1000) == 0 ? 1500 + rnd.nextInt(1000) : KEY];
        rnd.nextBytes(k);
        return k;
    }

    /** The store holds exactly {@code model}: point reads and a full scan. */
    private static void assertHolds(NavigableMap<byte[], byte[]> model, Braid b, String when) {
        assertEquals(model.size(), b.count(), when + ": count");
        for (Map.Entry<byte[], byte[]> e : model.entrySet()) {
            assertArrayEquals(e.getValue(), b.get(e.getKey()), when + ": get");
        }
        Iterator<Map.Entry<byte[], byte[]>> expected = model.entrySet().iterator();
        try (BraidIterator it = b.iterator(KeyRange.all())) {
            while (it.hasNext()) {
                Entry got = it.next();
                Map.Entry<byte[], byte[]> want = expected.next();
                assertArrayEquals(want.getKey(), got.key(), when + ": scan key");
                assertArrayEquals(want.getValue(), got.value(), when + ": scan value");
            }
        }
        assertTrue(!expected.hasNext(), when + ": the scan ended early");
    }

}
