package dev.braid.store;

import static dev.braid.store.FaultTestSupport.hasCause;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.braid.store.FaultTestSupport.CrashCase;
import dev.braid.store.internal.io.FaultyFileSystem;
import dev.braid.store.internal.io.SimulatedCrashException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link Braid#compact()}: after a restore whose tree is larger than the free space in front of it
 * (one big segment, so merges freed nothing), the tree moves to the end and then to the front, and
 * the file ends up about as large as the tree; the data, the last commit's metadata and
 * {@code check()} are the same after a reopen; a crash at any point of a compaction leaves the store
 * at its last commit; a compaction with uncommitted writes is refused and loses nothing.
 */
class CompactTest {
    @TempDir
    Path dir;

    private static final Map<String, String> LAST = Map.of("offset", "3");

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void aRestoredStoreShrinksToAboutItsTree() {
        BraidOptions opts = BraidOptions.builder().pageSizeBytes(1024).cacheBytes(8L << 20)
                .writeBufferBytes(64L << 20).build();
        NavigableMap<byte[], byte[]> model = FaultTestSupport.newModel();
        long pagesBefore;
        long pagesAfter;
        long rawBytes;
        try (Braid b = Braid.open(dir, opts)) {
            rawBytes = restoreAndUpdate(b, model, 60_000, new Random(3));
            pagesBefore = b.stats().pageCount();
            b.compact();
            pagesAfter = b.stats().pageCount();
            verify(b, model);
            assertEquals(LAST, b.committedMetadata());
        }
        long fileBytes = sizeOf(dir.resolve("braid.pages"));
        System.out.printf("CompactTest: %d pages before compact(), %d after (%.2f x the raw %d bytes)%n",
                pagesBefore, pagesAfter, fileBytes / (double) rawBytes, rawBytes);
        // Before: the freed segment and the tree, each about the data (> 2x raw with 1 KiB pages).
        assertTrue(pagesAfter * 10 <= pagesBefore * 6, pagesBefore + " -> " + pagesAfter + " pages");
        assertTrue(fileBytes <= rawBytes * 14 / 10, "file " + fileBytes + " bytes for " + rawBytes + " raw");
        try (Braid b = Braid.open(dir, opts)) {
            verify(b, model);
            assertEquals(LAST, b.committedMetadata());
            assertEquals(List.of(), b.check());
            b.put(model.firstKey(), "later".getBytes()); // still writable
            b.commit(Map.of("offset", "4"));
        }
    }

    /**
     * Values larger than a page live in blobs, which a fold frees to the free list rather than to the
     * free runs: the compaction counts them as free all the same, so the file shrinks instead of
     * keeping two trees' worth of blobs.
     */
    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void aStoreOfLargeValuesShrinksToo() {
        BraidOptions opts = BraidOptions.builder().pageSizeBytes(1024).cacheBytes(8L << 20)
                .writeBufferBytes(64L << 20).build();
        NavigableMap<byte[], byte[]> model = FaultTestSupport.newModel();
        long pagesBefore;
        long pagesAfter;
        long rawBytes;
        try (Braid b = Braid.open(dir, opts)) {
            rawBytes = restoreAndUpdate(b, model, 6_000, new Random(6), 1_500);
            pagesBefore = b.stats().pageCount();
            b.compact();
            pagesAfter = b.stats().pageCount();
            verify(b, model);
        }
        long fileBytes = sizeOf(dir.resolve("braid.pages"));
        System.out.printf("CompactTest: large values: %d pages before compact(), %d after (%.2f x the raw %d bytes)%n",
                pagesBefore, pagesAfter, fileBytes / (double) rawBytes, rawBytes);
        assertTrue(pagesAfter < pagesBefore, pagesBefore + " -> " + pagesAfter + " pages");
        try (Braid b = Braid.open(dir, opts)) {
            verify(b, model);
            assertEquals(List.of(), b.check());
        }
    }

    @Test
    void refusedWithUncommittedWritesAndNothingLost() {
        BraidOptions opts = BraidOptions.builder().pageSizeBytes(1024).cacheBytes(8L << 20).build();
        NavigableMap<byte[], byte[]> model = FaultTestSupport.newModel();
        try (Braid b = Braid.open(dir, opts)) {
            restoreAndUpdate(b, model, 5_000, new Random(4));
            b.put("extra".getBytes(), "x".getBytes());
            assertThrows(IllegalStateException.class, b::compact);
            b.commit(Map.of("offset", "5"));
            model.put("extra".getBytes(), "x".getBytes());
            b.compact();
            verify(b, model);
        }
        try (Braid b = Braid.open(dir, opts)) {
            verify(b, model);
            assertEquals(Map.of("offset", "5"), b.committedMetadata());
            assertEquals(List.of(), b.check());
        }
    }

    /**
     * Merges inline, so the points are deterministic: every point of the compaction and of the close
     * after it, every crash mode; the data never changes, so the model is the same at every point.
     */
    @Test
    @Timeout(value = 300, unit = TimeUnit.SECONDS)
    void aCrashAnywhereInACompactionLeavesTheLastCommit() throws Exception {
        FaultyFileSystem dry = new FaultyFileSystem();
        NavigableMap<byte[], byte[]> model = FaultTestSupport.newModel();
        long start;
        long pagesBefore;
        long pagesAfter;
        try (Braid b = Braid.open(Path.of("/crash"), inline(dry))) {
            restoreAndUpdate(b, model, 4_000, new Random(5));
            start = dry.pointCount();
            pagesBefore = b.stats().pageCount();
            b.compact();
            pagesAfter = b.stats().pageCount();
        }
        long points = dry.pointCount() - start;
        System.out.printf("CompactTest: the compaction makes %d points; %d -> %d pages%n", points, pagesBefore,
                pagesAfter);
        assertTrue(pagesAfter * 10 <= pagesBefore * 6, "inline: " + pagesBefore + " -> " + pagesAfter + " pages");
        List<CrashCase> cases = FaultTestSupport.crashCases();
        FaultTestSupport.walkPoints("CompactTest", points, TimeUnit.SECONDS.toNanos(15),
                p -> crashAt(start + p, model, cases), p -> "compaction point " + p + " (of " + points + ")");
    }

    private static List<String> crashAt(long point, NavigableMap<byte[], byte[]> model, List<CrashCase> cases) {
        List<String> failures = new ArrayList<>();
        FaultyFileSystem fs = new FaultyFileSystem();
        fs.crashAtPoint(point);
        try (Braid b = Braid.open(Path.of("/crash"), inline(fs))) {
            restoreAndUpdate(b, FaultTestSupport.newModel(), 4_000, new Random(5));
            b.compact();
            b.close();
            failures.add("point " + point + ": not reached");
            return failures;
        } catch (BraidException e) {
            if (!hasCause(e, c -> c instanceof SimulatedCrashException)) {
                failures.add("point " + point + ": " + FaultTestSupport.stackTrace(e));
                return failures;
            }
        }
        for (CrashCase cc : cases) {
            FaultyFileSystem after = fs.crash(cc.mode(), cc.seed(7, point));
            String ctx = "point " + point + ", " + cc;
            try (Braid b = Braid.open(Path.of("/crash"), inline(after))) {
                assertEquals(LAST, b.committedMetadata(), ctx);
                verify(b, model);
                assertEquals(List.of(), b.check(), ctx);
                b.compact(); // and it can go on
                verify(b, model);
            } catch (Throwable t) {
                failures.add(ctx + ": " + FaultTestSupport.stackTrace(t));
            }
        }
        return failures;
    }

    private static BraidOptions inline(FaultyFileSystem fs) {
        return BraidOptions.builder().pageSizeBytes(1024).cacheBytes(256 * 1024).backgroundMerges(false)
                .backgroundCheckpoints(false).checkpointLogBytes(64 * 1024).writeBufferBytes(4L << 20)
                .restoreBufferBytes(0) // the restore becomes a segment and a fold: space for the compaction to reclaim
                .fileSystem(fs).build();
    }

    /**
     * A restore of {@code n} random records as unlogged blind batches (one segment: the buffer holds
     * them all), committed and folded, then updates of every tenth record as tree writes; three
     * commits, the last with {@link #LAST}. Returns the raw key and value bytes.
     */
    private static long restoreAndUpdate(Braid b, NavigableMap<byte[], byte[]> model, int n, Random rnd) {
        return restoreAndUpdate(b, model, n, rnd, 100);
    }

    private static long restoreAndUpdate(Braid b, NavigableMap<byte[], byte[]> model, int n, Random rnd,
                                         int valueBytes) {
        List<byte[]> keys = new ArrayList<>(n);
        for (int i = 0; i < n; i += 1_000) {
            WriteBatch batch = new WriteBatch().unlogged();
            for (int j = 0; j < 1_000; j++) {
                byte[] k = new byte[16];
                rnd.nextBytes(k);
                byte[] v = new byte[valueBytes];
                rnd.nextBytes(v);
                batch.blindPut(k, v);
                model.put(k, v);
                keys.add(k);
            }
            b.write(batch);
        }
        b.commit(Map.of("offset", "1"));
        b.finishMerges();
        b.commit(Map.of("offset", "2"));
        for (int i = 0; i < n; i += 10) {
            byte[] k = keys.get(rnd.nextInt(keys.size()));
            byte[] v = new byte[valueBytes];
            rnd.nextBytes(v);
            b.put(k, v);
            model.put(k, v);
        }
        b.commit(LAST);
        long raw = 0;
        for (Map.Entry<byte[], byte[]> e : model.entrySet()) {
            raw += e.getKey().length + e.getValue().length;
        }
        return raw;
    }

    private static void verify(Braid b, NavigableMap<byte[], byte[]> model) {
        FaultTestSupport.assertContents(b, model, java.util.List.of(), "the store against its model");
    }

    private static long sizeOf(Path p) {
        try {
            return Files.size(p);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
