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
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import org.junit.jupiter.api.Test;

/**
 * Frames of an open transaction are held back and written together (docs/design/durability.md,
 * Commit, step 2): each put of a new key too long for a leaf cell adds the key's blob page to the
 * log (values are written straight into the page file, D7, but a key blob goes through the log),
 * and before this the log took one write per put. Gets inside the transaction read those frames
 * back; a crash at any write point of the puts and the commit lands on the previous commit or, at
 * the commit frame's write, on the new one, in every crash mode.
 */
class HeldBackFramesTest {
    private static final Path DIR = Path.of("/held/store");
    private static final int PUTS = 300;

    private static BraidOptions opts(FaultyFileSystem fs) {
        // A cache too small to keep the value pages, so gets read them from the log.
        return BraidOptions.builder().pageSizeBytes(1024).cacheBytes(64 << 10).durability(Durability.FULL)
                .backgroundCheckpoints(false).backgroundMerges(false).fileSystem(fs).build();
    }

    /** 600 bytes: too long for a cell of a 1 KiB page, so a new key gets a blob page of its own. */
    private static byte[] key(int i) {
        return String.format("key-%06d-%0590d", i, 0).getBytes(StandardCharsets.US_ASCII);
    }

    /** 1,000 bytes: more than a quarter of a 1 KiB page, so each is a value page of its own. */
    private static byte[] value(int i, int version) {
        byte[] v = new byte[1000];
        for (int j = 0; j < v.length; j++) {
            v[j] = (byte) (i * 31 + j * 7 + version);
        }
        return v;
    }

    /**
     * A store with free pages from earlier keys and values (so that new key blobs are reused pages,
     * which go through the log, not fresh ones written straight into the page file).
     */
    private static Braid prepared(FaultyFileSystem fs, NavigableMap<byte[], byte[]> model) {
        Braid b = Braid.open(DIR, opts(fs));
        for (int i = 0; i < 2 * PUTS; i++) {
            b.put(key(100_000 + i), value(i, 9));
        }
        for (int i = 0; i < 50; i++) {
            b.put(key(i), value(i, 0));
            model.put(key(i), value(i, 0));
        }
        b.commit(Map.of("offset", "0"));
        b.checkpoint();
        for (int i = 0; i < 2 * PUTS; i++) {
            b.delete(key(100_000 + i));
        }
        b.commit(Map.of("offset", "1"));
        b.checkpoint();
        return b;
    }

    private static void puts(Braid b, NavigableMap<byte[], byte[]> model) {
        for (int i = 0; i < PUTS; i++) {
            b.put(key(i), value(i, 1));
            if (model != null) {
                model.put(key(i), value(i, 1));
            }
        }
    }

    @Test
    void keyPagesOfAnOpenTransactionGoToTheLogInFewWritesAndReadBack() {
        FaultyFileSystem fs = new FaultyFileSystem();
        NavigableMap<byte[], byte[]> model = FaultTestSupport.newModel();
        try (Braid b = prepared(fs, model)) {
            long before = fs.pointCount();
            puts(b, model);
            List<String> trace = fs.trace().subList((int) before, (int) fs.pointCount());
            long logWrites = trace.stream().filter(t -> t.contains(" write ") && t.contains(".log")).count();
            assertTrue(logWrites > 0 && logWrites <= 10, (PUTS - 50) + " key pages in " + logWrites + " log writes");
            for (int i = 0; i < PUTS; i++) {
                assertArrayEquals(value(i, 1), b.get(key(i)), "get of key " + i + " before the commit");
            }
            b.commit(Map.of("offset", "2"));
            assertEquals(List.of(), b.check());
        }
        try (Braid r = Braid.open(DIR, opts(fs.crash(CrashMode.POWER_LOSS_DROP, 1)))) {
            assertEquals(Map.of("offset", "2"), r.committedMetadata());
            FaultTestSupport.assertContents(r, model, List.of(key(0), key(PUTS - 1)), "reopened");
        }
    }

    @Test
    void aCrashAtAnyWriteOfThePutsOrTheCommitLandsOnACommit() {
        FaultyFileSystem dry = new FaultyFileSystem();
        NavigableMap<byte[], byte[]> before = FaultTestSupport.newModel();
        Braid d = prepared(dry, before);
        long first = dry.pointCount() + 1;
        puts(d, null);
        d.commit(Map.of("offset", "2"));
        long last = dry.pointCount();
        d.close();
        NavigableMap<byte[], byte[]> after = FaultTestSupport.copy(before);
        for (int i = 0; i < PUTS; i++) {
            after.put(key(i), value(i, 1));
        }
        for (long point = first; point <= last; point++) {
            FaultyFileSystem fs = new FaultyFileSystem();
            Braid b = prepared(fs, FaultTestSupport.newModel());
            fs.crashAtPoint(point);
            BraidException e = assertThrows(BraidException.class, () -> {
                puts(b, null);
                b.commit(Map.of("offset", "2"));
            });
            assertTrue(FaultTestSupport.hasCause(e, c -> c instanceof SimulatedCrashException), "point " + point + ": " + e);
            FaultTestSupport.abandon(b);
            for (CrashMode mode : CrashMode.values()) {
                try (Braid r = Braid.open(DIR, opts(fs.crash(mode, point)))) {
                    String ctx = "crash at point " + point + " of " + first + ".." + last + ", " + mode;
                    boolean committed = r.committedMetadata().equals(Map.of("offset", "2"));
                    assertTrue(committed || r.committedMetadata().equals(Map.of("offset", "1")), ctx);
                    List<byte[]> sample = new ArrayList<>(List.of(key(0), key(49), key(PUTS - 1)));
                    FaultTestSupport.assertContents(r, committed ? after : before, sample, ctx);
                    assertEquals(List.of(), r.check(), ctx);
                }
            }
        }
    }
}
