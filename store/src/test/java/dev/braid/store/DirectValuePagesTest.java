package dev.braid.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.braid.store.internal.io.FaultyFileSystem;
import dev.braid.store.internal.io.FaultyFileSystem.CrashMode;
import dev.braid.store.internal.io.SimulatedCrashException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import org.junit.jupiter.api.Test;

/**
 * Value pages are written straight into the page file (docs/design/durability.md, D7): into pages of
 * free runs, which no commit since the last checkpoint and no log frame refers to, or past the end
 * of the file; a freed value page waits for a checkpoint that covers the commit that freed it. A
 * value is thus written once instead of to the log and again by the checkpoint.
 */
class DirectValuePagesTest {
    private static final Path DIR = Path.of("/direct/store");
    private static final int KEYS = 300;

    private static BraidOptions opts(FaultyFileSystem fs, Durability durability) {
        return opts(fs, durability, 0);
    }

    /** A cache that holds every tree page, so nothing but the commit writes to the log. */
    private static BraidOptions opts(FaultyFileSystem fs, Durability durability, long directAfter) {
        return BraidOptions.builder().pageSizeBytes(1024).cacheBytes(4 << 20).durability(durability)
                .backgroundCheckpoints(false).backgroundMerges(false).directValuesAfterBytes(directAfter)
                .fileSystem(fs).build();
    }

    private static byte[] key(int i) {
        return String.format("key-%06d", i).getBytes(StandardCharsets.US_ASCII);
    }

    /** 1,000 bytes: more than a quarter of a 1 KiB page, so each is a value page of its own. */
    private static byte[] value(int i, int version) {
        byte[] v = new byte[1000];
        for (int j = 0; j < v.length; j++) {
            v[j] = (byte) (i * 31 + j * 7 + version * 13);
        }
        return v;
    }

    private static void update(Braid b, NavigableMap<byte[], byte[]> model, int from, int to, int version) {
        for (int i = from; i < to; i++) {
            if (b != null) {
                b.put(key(i), value(i, version));
            }
            if (model != null) {
                model.put(key(i), value(i, version));
            }
        }
    }

    /**
     * A store of {@link #KEYS} values whose keys were all updated once since, with a checkpoint
     * after each commit: the first values' pages are free runs now, ready to be written into.
     */
    private static Braid prepared(FaultyFileSystem fs, NavigableMap<byte[], byte[]> model, Durability durability) {
        return prepared(fs, model, durability, 0);
    }

    private static Braid prepared(FaultyFileSystem fs, NavigableMap<byte[], byte[]> model, Durability durability,
            long directAfter) {
        Braid b = Braid.open(DIR, opts(fs, durability, directAfter));
        update(b, model, 0, KEYS, 0);
        b.commit(Map.of("offset", "0"));
        b.checkpoint();
        update(b, model, 0, KEYS, 1);
        b.commit(Map.of("offset", "1"));
        b.checkpoint();
        return b;
    }

    private static long count(List<String> trace, String op, String file) {
        return trace.stream().filter(t -> t.contains(" " + op + " ") && t.contains(file)).count();
    }

    @Test
    void updatesWriteTheirValuesStraightIntoFreedPagesAndNotToTheLog() {
        FaultyFileSystem fs = new FaultyFileSystem();
        NavigableMap<byte[], byte[]> model = FaultTestSupport.newModel();
        try (Braid b = prepared(fs, model, Durability.FULL)) {
            long pageCount = b.stats().pageCount();
            long before = fs.pointCount();
            update(b, model, 0, KEYS, 2);
            List<String> trace = List.copyOf(fs.trace().subList((int) before, (int) fs.pointCount()));
            assertEquals(0, count(trace, "write", "braid.log"), "log writes during the updates: " + trace);
            assertTrue(count(trace, "write", "braid.pages") >= 1, "the values went into the page file: " + trace);
            for (int i = 0; i < KEYS; i++) {
                assertArrayEquals(value(i, 2), b.get(key(i)), "get of key " + i + " before the commit");
            }
            long commitStart = fs.pointCount();
            b.commit(Map.of("offset", "2"));
            List<String> commit = fs.trace().subList((int) commitStart, (int) fs.pointCount());
            int firstPageSync = indexOf(commit, "sync", "braid.pages");
            int commitFrame = lastIndexOf(commit, "write", "braid.log");
            assertTrue(firstPageSync >= 0 && firstPageSync < commitFrame,
                    "the page file is synced before the commit frame is written (D5, D7): " + commit);
            assertEquals(pageCount, b.stats().pageCount(), "the updates reused the freed pages");
            assertEquals(List.of(), b.check());
        }
        try (Braid r = Braid.open(DIR, opts(fs.crash(CrashMode.POWER_LOSS_DROP, 1), Durability.FULL))) {
            assertEquals(Map.of("offset", "2"), r.committedMetadata());
            FaultTestSupport.assertContents(r, model, List.of(key(0), key(KEYS - 1)), "reopened");
            assertEquals(List.of(), r.check());
        }
    }

    /**
     * A transaction writes its first {@code directValuesAfterBytes} of value pages through the log
     * (small, frequent commits are cheaper so), and only the rest straight into the page file. The
     * default, {@code Long.MAX_VALUE}, never writes one straight in (it once overflowed into "from
     * the first page").
     */
    @Test
    void aTransactionLogsItsFirstValuePagesUpToTheThreshold() {
        assertEquals(Long.MAX_VALUE, BraidOptions.builder().build().directValuesAfterBytes(), "off by default");
        for (long after : new long[] {Long.MAX_VALUE, Long.MAX_VALUE - 1, 16L << 20, 100 << 10}) {
            FaultyFileSystem fs = new FaultyFileSystem();
            NavigableMap<byte[], byte[]> model = FaultTestSupport.newModel();
            Braid b = prepared(fs, model, Durability.FULL, after);
            long before = fs.pointCount();
            update(b, model, 0, KEYS, 2);
            List<String> trace = List.copyOf(fs.trace().subList((int) before, (int) fs.pointCount()));
            String ctx = "directValuesAfterBytes " + after + ": " + trace;
            assertTrue(count(trace, "write", "braid.log") >= 1, ctx);
            long pageWrites = count(trace, "write", "braid.pages");
            if (after >= 16L << 20) {
                assertEquals(0, pageWrites, ctx); // 300 KB: all of it through the log
            } else {
                assertTrue(pageWrites >= 1 && pageWrites <= KEYS - 100, ctx); // the first 100 pages logged
            }
            b.commit(Map.of("offset", "2"));
            assertEquals(List.of(), b.check());
            FaultyFileSystem crashed = fs.crash(CrashMode.POWER_LOSS_DROP, 0);
            FaultTestSupport.abandon(b);
            try (Braid r = Braid.open(DIR, opts(crashed, Durability.FULL, after))) {
                FaultTestSupport.assertContents(r, model, List.of(key(0), key(KEYS - 1)), ctx);
                assertEquals(List.of(), r.check());
            }
        }
    }

    private static int indexOf(List<String> trace, String op, String file) {
        for (int i = 0; i < trace.size(); i++) {
            if (trace.get(i).contains(" " + op + " ") && trace.get(i).contains(file)) {
                return i;
            }
        }
        return -1;
    }

    private static int lastIndexOf(List<String> trace, String op, String file) {
        for (int i = trace.size() - 1; i >= 0; i--) {
            if (trace.get(i).contains(" " + op + " ") && trace.get(i).contains(file)) {
                return i;
            }
        }
        return -1;
    }

    /**
     * Commits that are not synced (NORMAL) may be lost, so a page they freed is still part of the
     * commit a crash can land on: it must not be written into before a checkpoint (which syncs the
     * log) covers the commit that freed it. Here the second transaction needs pages while the
     * first one's freed pages wait; a power loss that drops the unsynced log then lands on the
     * checkpointed commit, whose values must read back intact.
     */
    @Test
    void aFreedValuePageWaitsForACheckpointBeforeItIsWrittenInto() {
        FaultyFileSystem fs = new FaultyFileSystem();
        NavigableMap<byte[], byte[]> checkpointed = FaultTestSupport.newModel();
        Braid b = Braid.open(DIR, opts(fs, Durability.NORMAL));
        update(b, checkpointed, 0, 100, 0);
        b.commit(Map.of("offset", "0"));
        b.checkpoint();
        NavigableMap<byte[], byte[]> latest = FaultTestSupport.copy(checkpointed);
        update(b, latest, 0, 50, 1); // frees 50 value pages: fewer than a commit asks a checkpoint for
        b.commit(Map.of("offset", "1"));
        long pageCount = b.stats().pageCount();
        update(b, latest, 50, 100, 1); // needs 50 pages while those wait
        b.commit(Map.of("offset", "2"));
        assertTrue(b.stats().pageCount() >= pageCount + 50, "the second updates took pages past the end");
        assertEquals(List.of(), b.check());
        FaultyFileSystem crashed = fs.crash(CrashMode.POWER_LOSS_DROP, 0);
        FaultTestSupport.abandon(b);
        for (CrashMode mode : CrashMode.values()) {
            for (long seed = 0; seed < (mode == CrashMode.POWER_LOSS_RANDOM ? 8 : 1); seed++) {
                String ctx = mode + ", seed " + seed;
                try (Braid r = Braid.open(DIR, opts(crashed.crash(mode, seed), Durability.NORMAL))) {
                    Map<String, String> meta = r.committedMetadata();
                    NavigableMap<byte[], byte[]> want = meta.equals(Map.of("offset", "2")) ? latest
                            : meta.equals(Map.of("offset", "0")) ? checkpointed : null;
                    assertTrue(want != null, ctx + ": landed on " + meta);
                    FaultTestSupport.assertContents(r, want, List.of(key(0), key(49), key(50), key(99)), ctx);
                    assertEquals(List.of(), r.check(), ctx);
                }
            }
        }
    }

    /**
     * A crash at any write point of updates written into freed pages, of their commit and of the
     * checkpoint after it, in every crash mode, lands on the previous commit or, from the commit
     * frame on, on the new one, whose values read back (they were synced before the commit frame);
     * the recovered store then takes another round of updates (its free pages were accounted for).
     */
    @Test
    void aCrashAtAnyWriteOfTheUpdatesOrTheCommitLandsOnACommit() {
        int puts = 100;
        FaultyFileSystem dry = new FaultyFileSystem();
        NavigableMap<byte[], byte[]> before = FaultTestSupport.newModel();
        Braid d = prepared(dry, before, Durability.FULL);
        long first = dry.pointCount() + 1;
        update(d, null, 0, puts, 2);
        d.commit(Map.of("offset", "2"));
        d.checkpoint(); // the points after the commit frame: where a commit is durable and its values must be
        long last = dry.pointCount();
        d.close();
        NavigableMap<byte[], byte[]> after = FaultTestSupport.copy(before);
        update(null, after, 0, puts, 2);
        for (long point = first; point <= last; point++) {
            FaultyFileSystem fs = new FaultyFileSystem();
            Braid b = prepared(fs, FaultTestSupport.newModel(), Durability.FULL);
            fs.crashAtPoint(point);
            BraidException e = assertThrows(BraidException.class, () -> {
                update(b, null, 0, puts, 2);
                b.commit(Map.of("offset", "2"));
                b.checkpoint();
            });
            assertTrue(FaultTestSupport.hasCause(e, c -> c instanceof SimulatedCrashException), "point " + point + ": " + e);
            FaultTestSupport.abandon(b);
            for (CrashMode mode : CrashMode.values()) {
                String ctx = "crash at point " + point + " of " + first + ".." + last + ", " + mode;
                NavigableMap<byte[], byte[]> want;
                try (Braid r = Braid.open(DIR, opts(fs.crash(mode, point), Durability.FULL))) {
                    boolean committed = r.committedMetadata().equals(Map.of("offset", "2"));
                    assertTrue(committed || r.committedMetadata().equals(Map.of("offset", "1")), ctx);
                    want = FaultTestSupport.copy(committed ? after : before);
                    FaultTestSupport.assertContents(r, want, List.of(key(0), key(puts - 1), key(KEYS - 1)), ctx);
                    assertEquals(List.of(), r.check(), ctx);
                    update(r, want, 0, KEYS, 3);
                    r.commit(Map.of("offset", "3"));
                    assertEquals(List.of(), r.check(), ctx + ", after more updates");
                }
            }
        }
    }
}
