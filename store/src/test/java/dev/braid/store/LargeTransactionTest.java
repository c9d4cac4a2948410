package dev.braid.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.braid.store.internal.io.FaultyFileSystem;
import dev.braid.store.internal.io.FaultyFileSystem.CrashMode;
import dev.braid.store.internal.io.SimulatedCrashException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Transactions that change much of a store between two commits (docs/design/durability.md, "Record
 * commits" and "Large transactions"): their pages stay in memory while the budget has room, a
 * commit of many pages streams them to the log in chunks, and a key updated over and over does not
 * fill the log with records. Every test checks the contents after a crash against a model.
 */
class LargeTransactionTest {
    private static final Path DIR = Path.of("/large/store");
    private static final int KEYS = 40_000;
    /** 1 KiB pages at 1.5 KiB of memory each: half this budget is 2,730 pages, three quarters 4,096. */
    private static final long BUDGET = 8L << 20;

    private static BraidOptions.Builder opts(FaultyFileSystem fs) {
        return BraidOptions.builder().pageSizeBytes(1024).cacheBytes(BUDGET).durability(Durability.FULL)
                .backgroundCheckpoints(false).backgroundMerges(false).fileSystem(fs);
    }

    private static byte[] key(int i) {
        return String.format("key-%06d", i).getBytes(StandardCharsets.US_ASCII);
    }

    private static byte[] value(int i, int version) {
        byte[] v = new byte[100];
        for (int j = 0; j < v.length; j++) {
            v[j] = (byte) (i * 31 + j + version * 7);
        }
        return v;
    }

    /** {@link #KEYS} records loaded through the blind-write path and folded into the tree. */
    private static Braid load(FaultyFileSystem fs, BraidOptions options, NavigableMap<byte[], byte[]> model) {
        Braid b = Braid.open(DIR, options);
        WriteBatch wb = new WriteBatch().unlogged();
        for (int i = 0; i < KEYS; i++) {
            wb.blindPut(key(i), value(i, 0));
            model.put(key(i), value(i, 0));
        }
        b.write(wb);
        b.commit(Map.of("offset", "load"));
        b.finishMerges();
        b.commit(Map.of("offset", "load"));
        assertEquals(0, EngineProbe.recordCommitsSinceImage(b));
        return b;
    }

    /** Updates keys {@code 0..n-1} in order: they fill about n / 8 consecutive leaves. */
    private static void update(Braid b, NavigableMap<byte[], byte[]> model, int n, int version) {
        for (int i = 0; i < n; i++) {
            b.put(key(i), value(i, version));
            if (model != null) {
                model.put(key(i), value(i, version));
            }
        }
    }

    /** The full scans, the count, gets of every 1,000th key, and the integrity check. */
    private static void assertContents(Braid b, NavigableMap<byte[], byte[]> model, String ctx) {
        List<byte[]> sample = new ArrayList<>();
        for (int i = 0; i < KEYS; i += 1000) {
            sample.add(key(i));
        }
        FaultTestSupport.assertContents(b, model, sample, ctx);
        assertEquals(List.of(), b.check(), ctx);
    }

    @ParameterizedTest
    @EnumSource(CrashMode.class)
    void aTransactionOverHalfTheBudgetStaysInMemoryAndCommitsAsRecords(CrashMode mode) {
        FaultyFileSystem fs = new FaultyFileSystem();
        NavigableMap<byte[], byte[]> model = FaultTestSupport.newModel();
        Braid b = load(fs, opts(fs).build(), model);
        update(b, model, 26_000, 1); // about 3,200 leaves: more than half the budget, less than three quarters
        int pages = EngineProbe.transactionPages(b);
        assertTrue(pages * 1536L > BUDGET / 2, "the transaction must pass the old per-store limit: " + pages);
        assertEquals(0, EngineProbe.spilledPages(b), "the budget had room: nothing was spilled");
        long logBefore = b.stats().logBytes();
        b.commit(Map.of("offset", "1"));
        assertEquals(1, EngineProbe.recordCommitsSinceImage(b), "a record commit");
        assertTrue(b.stats().logBytes() - logBefore < pages * 1024L / 2,
                "the commit logged records, not " + pages + " pages: " + (b.stats().logBytes() - logBefore));
        update(b, FaultTestSupport.newModel(), 500, 2); // uncommitted: lost in the crash
        FaultyFileSystem after = fs.crash(mode, 5);
        FaultTestSupport.abandon(b);
        try (Braid r = Braid.open(DIR, opts(after).build())) {
            assertEquals(Map.of("offset", "1"), r.committedMetadata());
            assertContents(r, model, mode.toString());
        }
    }

    @Test
    void aHotKeyStopsRecordingAtTheLimitAndCommitsAsAnImage() {
        FaultyFileSystem fs = new FaultyFileSystem();
        NavigableMap<byte[], byte[]> model = FaultTestSupport.newModel();
        long limit = 1L << 20; // checkpointLogBytes = maxLogBytes: the records' limit
        Braid b = load(fs, opts(fs).checkpointLogBytes(limit).maxLogBytes(limit).build(), model);
        long logBefore = b.stats().logBytes();
        for (int round = 0; round < 100_000; round++) { // about 11 MB of records if they were all logged
            b.put(key(7), value(round, 3));
        }
        model.put(key(7), value(99_999, 3));
        long grew = b.stats().logBytes() - logBefore;
        assertTrue(grew <= limit + (2L << 20), "records stop at the limit: the log grew by " + grew);
        b.commit(Map.of("offset", "hot"));
        assertEquals(0, EngineProbe.recordCommitsSinceImage(b), "past the limit the commit is an image commit");
        FaultyFileSystem after = fs.crash(CrashMode.POWER_LOSS_RANDOM, 6);
        FaultTestSupport.abandon(b);
        try (Braid r = Braid.open(DIR, opts(after).build())) {
            assertEquals(Map.of("offset", "hot"), r.committedMetadata());
            assertContents(r, model, "after the hot key's commit");
        }
    }

    /**
     * An image commit of about 3,600 pages streams them to the log in chunks of 2,048: a crash at
     * write points spread over the whole commit, in every crash mode, leaves the previous commit.
     */
    @Test
    void aCrashInsideAStreamedCommitLeavesThePreviousCommit() {
        int updated = 29_000;
        // A dry run finds the commit's write points.
        FaultyFileSystem dry = new FaultyFileSystem();
        NavigableMap<byte[], byte[]> before = FaultTestSupport.newModel();
        Braid d = load(dry, opts(dry).recordCommits(false).build(), before);
        update(d, null, updated, 1);
        assertEquals(0, EngineProbe.spilledPages(d));
        assertTrue(EngineProbe.transactionPages(d) > 2 * 2048 * 3 / 4, "more than a chunk and a half");
        long first = dry.pointCount() + 1;
        d.commit(Map.of("offset", "1"));
        long last = dry.pointCount();
        d.close();
        List<String> trace = dry.trace().subList((int) first - 1, (int) last);
        assertTrue(trace.stream().filter(t -> t.contains(" write ") && t.contains(".log")).count() >= 2,
                "the commit streams its pages to the log in more than one write: " + trace);
        NavigableMap<byte[], byte[]> updatedModel = FaultTestSupport.newModel();
        updatedModel.putAll(before);
        for (int i = 0; i < updated; i++) {
            updatedModel.put(key(i), value(i, 1));
        }
        TreeSet<Long> points = new TreeSet<>(List.of(last - 1, last));
        for (long p = first; p < last; p += Math.max(1, (last - first) / 6)) {
            points.add(p);
        }
        for (long point : points) {
            FaultyFileSystem fs = new FaultyFileSystem();
            Braid b = load(fs, opts(fs).recordCommits(false).build(), FaultTestSupport.newModel());
            update(b, null, updated, 1);
            fs.crashAtPoint(point);
            BraidException e = assertThrows(BraidException.class, () -> b.commit(Map.of("offset", "1")));
            assertTrue(FaultTestSupport.hasCause(e, c -> c instanceof SimulatedCrashException), "point " + point + ": " + e);
            FaultTestSupport.abandon(b);
            for (CrashMode mode : CrashMode.values()) {
                try (Braid r = Braid.open(DIR, opts(fs.crash(mode, point)).build())) {
                    String ctx = "crash at point " + point + " of " + first + ".." + last + ", " + mode;
                    // The last write (the commit frame's) may complete before the crash point after it.
                    boolean committed = r.committedMetadata().equals(Map.of("offset", "1"));
                    assertContents(r, committed ? updatedModel : before, ctx);
                    assertTrue(committed || r.committedMetadata().equals(Map.of("offset", "load")), ctx);
                    assertTrue(!committed || point == last, ctx + ": committed before its commit frame");
                }
            }
        }
    }
}
