package dev.braid.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.braid.store.internal.io.FaultyFileSystem;
import dev.braid.store.internal.io.FaultyFileSystem.CrashMode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Record commits (docs/design/durability.md): small B+tree writes committed as records, their pages
 * left in memory until an image commit. Each test checks the store's contents against a model after
 * a crash, a close or a read-only open, and that the commits it relies on really were record commits
 * ({@link EngineProbe}).
 */
class RecordCommitTest {
    private static final Path DIR = Path.of("/records/store");

    private static BraidOptions opts(FaultyFileSystem fs, Durability d) {
        return BraidOptions.builder().pageSizeBytes(1024).cacheBytes(4L << 20).durability(d)
                .backgroundCheckpoints(false).fileSystem(fs).build();
    }

    private static byte[] key(int i) {
        return String.format("key-%06d", i).getBytes(StandardCharsets.US_ASCII);
    }

    /** Random puts and deletes over 2000 keys, mirrored into {@code model}. */
    /**
     * 3,000 writes committed as offset 0, then {@code ops} more as offset 1, both record commits
     * (checked), all kept in {@code model}.
     */
    private static void twoRecordCommits(Braid b, NavigableMap<byte[], byte[]> model, Random rnd, int ops) {
        churn(b, model, rnd, 3000);
        b.commit(Map.of("offset", "0"));
        churn(b, model, rnd, ops);
        b.commit(Map.of("offset", "1"));
        assertEquals(2, EngineProbe.recordCommitsSinceImage(b));
    }

    private static void churn(Braid b, NavigableMap<byte[], byte[]> model, Random rnd, int ops) {
        for (int i = 0; i < ops; i++) {
            byte[] k = key(rnd.nextInt(2000));
            if (rnd.nextInt(5) == 0) {
                b.delete(k);
                model.remove(k);
            } else {
                byte[] v = new byte[rnd.nextInt(120)];
                rnd.nextBytes(v);
                b.put(k, v);
                model.put(k, v);
            }
        }
    }

    /** The full scans, the count, and gets of every 97th key (deleted ones included). */
    private static void assertContents(Braid b, NavigableMap<byte[], byte[]> model, String ctx) {
        List<byte[]> sample = new ArrayList<>();
        for (int i = 0; i < 2000; i += 97) {
            sample.add(key(i));
        }
        FaultTestSupport.assertContents(b, model, sample, ctx);
    }

    @ParameterizedTest
    @EnumSource(CrashMode.class)
    void aCrashAfterRecordCommitsReopensAtTheLastOne(CrashMode mode) {
        FaultyFileSystem fs = new FaultyFileSystem();
        NavigableMap<byte[], byte[]> model = FaultTestSupport.newModel();
        Random rnd = new Random(11);
        Braid b = Braid.open(DIR, opts(fs, Durability.FULL));
        churn(b, model, rnd, 3000);
        b.commit(Map.of("offset", "0")); // a record commit too: the new store's empty leaf is all it had
        for (int c = 1; c <= 5; c++) {
            churn(b, model, rnd, 300);
            b.commit(Map.of("offset", String.valueOf(c)));
        }
        assertEquals(6, EngineProbe.recordCommitsSinceImage(b), "every commit was a record commit");
        long seq = b.lastCommitSequence();
        churn(b, FaultTestSupport.newModel(), rnd, 500); // uncommitted: lost in the crash
        FaultyFileSystem after = fs.crash(mode, 3);
        FaultTestSupport.abandon(b);
        try (Braid r = Braid.open(DIR, opts(after, Durability.FULL))) {
            assertEquals(Map.of("offset", "5"), r.committedMetadata());
            assertEquals(seq, r.lastCommitSequence());
            assertContents(r, model, mode.toString());
            assertEquals(List.of(), r.check());
            assertEquals(0, EngineProbe.recordCommitsSinceImage(r), "recovery wrote the records as an image");
            r.compact(); // nothing is left uncommitted after the replay
            assertContents(r, model, mode + ", compacted");
            churn(r, model, rnd, 200); // and it goes on
            r.commit(Map.of("offset", "6"));
        }
        try (Braid r = Braid.open(DIR, opts(after, Durability.FULL))) {
            assertEquals(Map.of("offset", "6"), r.committedMetadata());
            assertContents(r, model, mode + ", once more");
        }
    }

    @Test
    void aCrashDuringTheReplayLeavesTheRecordsForTheNextOpen() {
        FaultyFileSystem fs = new FaultyFileSystem();
        NavigableMap<byte[], byte[]> model = FaultTestSupport.newModel();
        Random rnd = new Random(12);
        Braid b = Braid.open(DIR, opts(fs, Durability.FULL));
        churn(b, model, rnd, 3000);
        b.commit(Map.of("offset", "0"));
        for (int c = 1; c <= 4; c++) {
            churn(b, model, rnd, 400);
            b.commit(Map.of("offset", String.valueOf(c)));
        }
        assertEquals(5, EngineProbe.recordCommitsSinceImage(b));
        fs = fs.crash(CrashMode.PROCESS, 1);
        FaultTestSupport.abandon(b);
        // Crash the recovering open at each of its first write points, then open for real.
        for (int point = 1; point <= 40; point++) {
            FaultyFileSystem attempt = fs.crash(CrashMode.PROCESS, 1);
            attempt.crashAtPoint(point);
            try (Braid r = Braid.open(DIR, opts(attempt, Durability.FULL))) {
                assertContents(r, model, "not crashed at point " + point);
                continue;
            } catch (BraidException e) {
                assertTrue(FaultTestSupport.hasCause(e, c -> c instanceof dev.braid.store.internal.io.SimulatedCrashException),
                        "point " + point + ": " + e);
            }
            for (CrashMode mode : CrashMode.values()) {
                try (Braid r = Braid.open(DIR, opts(attempt.crash(mode, point), Durability.FULL))) {
                    assertEquals(Map.of("offset", "4"), r.committedMetadata(), "point " + point + ", " + mode);
                    assertContents(r, model, "point " + point + ", " + mode);
                }
            }
        }
    }

    @Test
    void closeDropsUncommittedWritesButKeepsRecordCommits() {
        FaultyFileSystem fs = new FaultyFileSystem();
        NavigableMap<byte[], byte[]> model = FaultTestSupport.newModel();
        Random rnd = new Random(13);
        try (Braid b = Braid.open(DIR, opts(fs, Durability.NORMAL))) {
            twoRecordCommits(b, model, rnd, 300);
            churn(b, FaultTestSupport.newModel(), rnd, 300); // never committed
        }
        try (Braid b = Braid.open(DIR, opts(fs, Durability.NORMAL))) {
            assertEquals(Map.of("offset", "1"), b.committedMetadata());
            assertContents(b, model, "after close with uncommitted writes");
            churn(b, model, rnd, 300);
            b.commit(Map.of("offset", "2"));
            assertEquals(1, EngineProbe.recordCommitsSinceImage(b));
        } // nothing uncommitted: close writes the record commit as an image and empties the log
        try (Braid b = Braid.open(DIR, opts(fs, Durability.NORMAL))) {
            assertEquals(Map.of("offset", "2"), b.committedMetadata());
            assertContents(b, model, "after a clean close");
            assertEquals(512, b.stats().logBytes(), "a clean close leaves the log at its header");
        }
    }

    @Test
    void checkpointWritesRecordCommitsAsAnImageWhenNothingIsOpen() {
        FaultyFileSystem fs = new FaultyFileSystem();
        NavigableMap<byte[], byte[]> model = FaultTestSupport.newModel();
        Random rnd = new Random(14);
        Braid b = Braid.open(DIR, opts(fs, Durability.NORMAL));
        twoRecordCommits(b, model, rnd, 300);
        long seq = b.lastCommitSequence();
        long before = b.stats().checkpoints();
        b.checkpoint();
        assertTrue(b.stats().checkpoints() > before);
        assertEquals(0, EngineProbe.recordCommitsSinceImage(b));
        assertEquals(seq, b.lastCommitSequence(), "the image commit takes the record commit's sequence");
        FaultyFileSystem after = fs.crash(CrashMode.POWER_LOSS_DROP, 1); // the checkpoint synced everything
        FaultTestSupport.abandon(b);
        try (Braid r = Braid.open(DIR, opts(after, Durability.NORMAL))) {
            assertEquals(Map.of("offset", "1"), r.committedMetadata());
            assertContents(r, model, "after the checkpoint");
        }
    }

    @Test
    void aReadOnlyViewSeesRecordCommits() {
        FaultyFileSystem fs = new FaultyFileSystem();
        NavigableMap<byte[], byte[]> model = FaultTestSupport.newModel();
        Random rnd = new Random(15);
        try (Braid b = Braid.open(DIR, opts(fs, Durability.FULL))) {
            twoRecordCommits(b, model, rnd, 600);
            long seq = b.lastCommitSequence();
            churn(b, FaultTestSupport.newModel(), rnd, 100); // uncommitted: not seen
            try (Braid ro = Braid.openReadOnly(DIR, opts(fs, Durability.FULL))) {
                assertEquals(Map.of("offset", "1"), ro.committedMetadata());
                assertEquals(seq, ro.lastCommitSequence());
                assertContents(ro, model, "read-only");
            }
        }
    }

    @Test
    void largeValuesAndBlindWritesMakeImageCommits() {
        FaultyFileSystem fs = new FaultyFileSystem();
        try (Braid b = Braid.open(DIR, opts(fs, Durability.FULL))) {
            b.put(key(1), new byte[10]);
            b.commit(Map.of());
            b.put(key(2), new byte[10]);
            b.commit(Map.of());
            assertEquals(2, EngineProbe.recordCommitsSinceImage(b));
            b.put(key(3), new byte[1024]); // more than a quarter page: written as pages
            b.commit(Map.of());
            assertEquals(0, EngineProbe.recordCommitsSinceImage(b));
            b.put(key(4), new byte[10]);
            b.commit(Map.of());
            assertEquals(1, EngineProbe.recordCommitsSinceImage(b));
            b.blindPut(key(5), new byte[10]);
            b.commit(Map.of());
            assertEquals(0, EngineProbe.recordCommitsSinceImage(b));
        }
        try (Braid b = Braid.open(DIR, opts(fs, Durability.FULL))) {
            assertEquals(5, b.count());
        }
    }
}
