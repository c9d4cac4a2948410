package dev.braid.store;

import static dev.braid.store.FaultTestSupport.ascii;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.braid.store.internal.io.FaultyFileSystem;
import dev.braid.store.internal.io.FaultyFileSystem.CrashMode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link Braid#openReadOnly}: a store closed cleanly, one left by a crash, one a writer in this JVM
 * keeps writing and checkpointing (the snapshot moves only when checkpointed over; a race is retried,
 * never reported as corruption or answered from a mix), refused writes, and no write of any kind.
 * The writer in another process is {@link ReadOnlyProcessTest}.
 */
class ReadOnlyTest {
    @TempDir
    Path dir;

    private static byte[] key(int i) {
        return ascii(String.format("key-%05d", i));
    }

    /** A value that says which commit wrote it; every 50th is large enough for overflow pages. */
    private static byte[] value(int i, int seq) {
        String s = "v" + seq + "-" + i;
        return ascii(i % 50 == 0 ? s.repeat(600) : s);
    }

    private static BraidOptions quietOptions() {
        return BraidOptions.builder().pageSizeBytes(1024).backgroundCheckpoints(false).backgroundMerges(false)
                .checkpointLogBytes(1L << 30).build();
    }

    /** Writes keys 0..n-1 as commit {@code seq} (metadata seq=..). */
    private static void writeAll(Braid store, int n, int seq) {
        WriteBatch b = new WriteBatch();
        for (int i = 0; i < n; i++) {
            b.put(key(i), value(i, seq));
        }
        store.write(b);
        store.commit(Map.of("seq", Integer.toString(seq)));
    }

    private static void assertAllAt(Braid ro, int n, int seq) {
        assertEquals(seq, ro.lastCommitSequence());
        assertEquals(Map.of("seq", Integer.toString(seq)), ro.committedMetadata());
        assertEquals(n, ro.count());
        for (int i = 0; i < n; i += 7) {
            assertArrayEquals(value(i, seq), ro.get(key(i)), "key " + i + " at commit " + seq);
        }
        int i = 0;
        try (BraidIterator it = ro.iterator(KeyRange.all())) {
            while (it.hasNext()) {
                Entry e = it.next();
                assertArrayEquals(key(i), e.key());
                assertArrayEquals(value(i, seq), e.value(), "key " + i + " at commit " + seq);
                i++;
            }
        }
        assertEquals(n, i);
    }

    /** Every file of the directory: name, bytes and modification time. */
    private Map<String, String> fingerprint() throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.collect(Collectors.toMap(p -> p.getFileName().toString(), p -> {
                try {
                    FileTime t = Files.getLastModifiedTime(p);
                    return Arrays.hashCode(Files.readAllBytes(p)) + "@" + t.toMillis() + "/" + Files.size(p);
                } catch (IOException e) {
                    throw new RuntimeException(e);
                }
            }));
        }
    }

    @Test
    void readsAStoreClosedCleanlyAndWritesNothing() throws IOException {
        NavigableMap<byte[], byte[]> model = FaultTestSupport.newModel();
        try (Braid w = Braid.open(dir, quietOptions())) {
            writeAll(w, 2000, 1);
            for (int i = 0; i < 2000; i++) {
                model.put(key(i), value(i, 1));
            }
            WriteBatch blind = new WriteBatch().unlogged(); // becomes a segment at commit
            for (int i = 0; i < 300; i += 3) {
                if (i % 2 == 0) {
                    blind.blindPut(key(i), ascii("blind-" + i));
                    model.put(key(i), ascii("blind-" + i));
                } else {
                    blind.blindDelete(key(i));
                    model.remove(key(i));
                }
            }
            blind.blindPut(key(5000), ascii("new"));
            model.put(key(5000), ascii("new"));
            w.write(blind);
            w.commit(Map.of("seq", "2", "offset", "4711"));
            assertTrue(w.stats().segments() > 0, "the blind batch stays a segment");
        }
        Files.delete(dir.resolve("braid.lock"));
        Map<String, String> before = fingerprint();
        try (Braid ro = Braid.openReadOnly(dir)) {
            assertEquals(2, ro.lastCommitSequence());
            assertEquals(Map.of("seq", "2", "offset", "4711"), ro.committedMetadata());
            assertEquals(model.size(), ro.count());
            for (Map.Entry<byte[], byte[]> e : model.entrySet()) {
                assertArrayEquals(e.getValue(), ro.get(e.getKey()));
            }
            assertNull(ro.get(key(3)));
            List<byte[]> keys = new ArrayList<>();
            try (BraidIterator it = ro.reverseIterator(KeyRange.all())) {
                it.forEachRemaining(e -> {
                    keys.add(e.key());
                    assertArrayEquals(model.get(e.key()), e.value());
                });
            }
            assertEquals(model.size(), keys.size());
            assertArrayEquals(model.lastKey(), keys.get(0));
            assertEquals(List.of(), ro.check());
            BraidStats s = ro.stats();
            assertEquals(model.size(), s.entries());
            assertEquals(2, s.lastCommitSequence());
            assertTrue(s.segments() > 0);
            assertEquals(0, s.bytesWritten());
        }
        assertEquals(before, fingerprint(), "a read-only client changes no file and creates none");
        assertFalse(Files.exists(dir.resolve("braid.lock")));
    }

    @Test
    void afterACrashSeesExactlyTheLastCommitAndWritesNothing() throws IOException {
        FaultyFileSystem fs = new FaultyFileSystem();
        Path store = Path.of("/crashed");
        BraidOptions opts = BraidOptions.builder().fileSystem(fs).pageSizeBytes(512).cacheBytes(64 * 1024)
                .backgroundCheckpoints(false).backgroundMerges(false).checkpointLogBytes(1L << 30).build();
        Braid w = Braid.open(store, opts);
        writeAll(w, 3000, 1);
        writeAll(w, 3000, 2);
        WriteBatch b = new WriteBatch();
        for (int i = 0; i < 3000; i++) {
            // Big enough to spill more than the log holds back (128 KiB): frames of an uncommitted transaction.
            b.put(key(i), value(i, 3));
        }
        w.write(b);
        FaultyFileSystem after = fs.crash(CrashMode.PROCESS, 1);
        long logBytes = after.fileSize(store.resolve("braid.log"));
        long points = after.pointCount();
        List<Path> names = after.list(store);
        BraidOptions ro = BraidOptions.builder().fileSystem(after).build();
        try (Braid r = Braid.openReadOnly(store, ro)) {
            assertAllAt(r, 3000, 2);
            assertEquals(List.of(), r.check());
            assertTrue(logBytes > r.stats().logBytes(), "the log holds uncommitted frames past the last commit");
        }
        assertEquals(points, after.pointCount(), "no write, truncate or sync");
        assertEquals(logBytes, after.fileSize(store.resolve("braid.log")));
        assertEquals(names, after.list(store), "no file created");
        try (Braid again = Braid.open(store, BraidOptions.builder().fileSystem(after).build())) {
            assertEquals(2, again.lastCommitSequence(), "recovery agrees with the read-only view");
        }
    }

    @Test
    void writesAreRefusedWithATypedError() {
        try (Braid w = Braid.open(dir, quietOptions())) {
            writeAll(w, 10, 1);
        }
        Braid ro = Braid.openReadOnly(dir);
        byte[] k = key(1);
        List<Runnable> writes = List.of(() -> ro.put(k, k), () -> ro.delete(k), () -> ro.blindPut(k, k),
                () -> ro.blindDelete(k), () -> ro.write(new WriteBatch().put(k, k)), () -> ro.commit(Map.of()),
                ro::checkpoint, ro::finishMerges);
        for (Runnable write : writes) {
            assertThrows(ReadOnlyStoreException.class, write::run);
        }
        assertArrayEquals(value(1, 1), ro.get(k), "still readable, unchanged");
        ro.close();
        assertThrows(StoreClosedException.class, () -> ro.get(k));
        assertThrows(StoreClosedException.class, () -> ro.put(k, k));
        ro.close();
    }

    @Test
    void aMissingLogIsReadAsEmptyAndNotCreated() throws IOException {
        try (Braid w = Braid.open(dir, quietOptions())) {
            writeAll(w, 50, 1);
        }
        Files.delete(dir.resolve("braid.log"));
        try (Braid ro = Braid.openReadOnly(dir)) {
            assertAllAt(ro, 50, 1);
            assertEquals(List.of(), ro.check());
        }
        assertFalse(Files.exists(dir.resolve("braid.log")));
    }

    @Test
    void refusesADirectoryWithoutAStoreAndCreatesNothing() {
        Path empty = dir.resolve("nothing-here");
        assertThrows(BraidException.class, () -> Braid.openReadOnly(empty));
        assertFalse(Files.exists(empty));
    }

    @Test
    void staysAtItsCommitUntilTheWriterCheckpointsOverIt() {
        try (Braid w = Braid.open(dir, quietOptions())) {
            writeAll(w, 400, 1);
            Braid atOne = Braid.openReadOnly(dir);
            writeAll(w, 400, 2);
            try (Braid ro = Braid.openReadOnly(dir)) {
                assertAllAt(atOne, 400, 1);
                assertAllAt(ro, 400, 2);
                writeAll(w, 400, 3); // appended to the log: the snapshot is intact
                assertAllAt(ro, 400, 2);
                w.checkpoint(); // commit 3 copied over the page file: the next read moves on
                assertAllAt(ro, 400, 3);

                // An iterator whose snapshot is checkpointed over between batches continues at the
                // newer commit, in order and without repeats.
                List<Entry> seen = new ArrayList<>();
                try (BraidIterator it = ro.iterator(KeyRange.all())) {
                    seen.add(it.next());
                    writeAll(w, 400, 4);
                    w.checkpoint();
                    it.forEachRemaining(seen::add);
                }
                assertEquals(400, seen.size());
                for (int i = 0; i < 400; i++) {
                    assertArrayEquals(key(i), seen.get(i).key());
                    int seq = i < 128 ? 3 : 4; // the first batch (128 entries) came from commit 3
                    assertArrayEquals(value(i, seq), seen.get(i).value(), "key " + i);
                }
                assertEquals(4, ro.lastCommitSequence());
            }
            assertAllAt(atOne, 400, 4); // opened at commit 1, moved on by the checkpoints
            atOne.close();
        }
        try (Braid ro = Braid.openReadOnly(dir)) { // the writer's close reset and truncated the log
            assertAllAt(ro, 400, 4);
        }
    }

    @Test
    void aRaceWithACheckpointIsRetriedNotReportedAsCorruption() {
        HookedFileSystem fs = new HookedFileSystem();
        try (Braid w = Braid.open(dir, quietOptions())) {
            writeAll(w, 400, 1);
        }
        try (Braid w = Braid.open(dir, quietOptions()); // its open left the log empty
             Braid ro = Braid.openReadOnly(dir, BraidOptions.builder().fileSystem(fs).build())) {
            // Just before the reader's first tree page read (from the page file), the writer rewrites
            // every page and checkpoints: the page the reader gets fails the checksum it expects.
            AtomicInteger seq = new AtomicInteger(1);
            AtomicBoolean armed = new AtomicBoolean(true);
            fs.hook((file, offset) -> {
                if (file.endsWith("braid.pages") && offset >= 1024 && armed.getAndSet(false)) {
                    writeAll(w, 400, seq.incrementAndGet());
                    w.checkpoint();
                }
            });
            assertArrayEquals(value(7, 2), ro.get(key(7)));
            assertFalse(armed.get(), "the writer did overwrite the snapshot mid-read");
            assertEquals(2, ro.lastCommitSequence());

            // A writer that checkpoints during every attempt: a typed "busy" error, never a wrong answer.
            fs.hook((file, offset) -> {
                if ((file.endsWith("braid.pages") && offset >= 1024) || (file.endsWith("braid.log") && offset >= 512)) {
                    writeAll(w, 400, seq.incrementAndGet());
                    w.checkpoint();
                }
            });
            assertThrows(StoreBusyException.class, () -> ro.get(key(399))); // not cached: read from the files
            fs.hook((file, offset) -> { });
            assertAllAt(ro, 400, seq.get());
        }
    }

    @Test
    void damageThatStaysIsReportedAsCorruption() throws IOException {
        try (Braid w = Braid.open(dir, quietOptions())) {
            writeAll(w, 400, 1);
        }
        try (Braid ro = Braid.openReadOnly(dir)) {
            assertEquals(List.of(), ro.check());
        }
        Path pages = dir.resolve("braid.pages");
        byte[] bytes = Files.readAllBytes(pages);
        int page = java.nio.ByteBuffer.wrap(bytes).getInt(28); // the root: every read passes through it
        bytes[page * 1024 + 200] ^= 0x10;
        Files.write(pages, bytes);
        try (Braid ro = Braid.openReadOnly(dir)) {
            List<IntegrityFinding> findings = ro.check();
            assertFalse(findings.isEmpty());
            assertTrue(findings.stream().anyMatch(f -> f.offset() == page * 1024L), findings.toString());
            CorruptionException e = assertThrows(CorruptionException.class, () -> ro.get(key(1)));
            assertEquals(page * 1024L, e.offset());
        }
    }

    @Test
    void aDamagedHeaderIsCorruptionAndAForeignFileIsIncompatible() throws IOException {
        try (Braid w = Braid.open(dir, quietOptions())) {
            writeAll(w, 10, 1);
        }
        Path pages = dir.resolve("braid.pages");
        byte[] bytes = Files.readAllBytes(pages);
        bytes[40] ^= 1;
        Files.write(pages, bytes);
        assertThrows(CorruptionException.class, () -> Braid.openReadOnly(dir));
        bytes[0] = 'X';
        Files.write(pages, bytes);
        assertThrows(IncompatibleFormatException.class, () -> Braid.openReadOnly(dir));
    }

    @Test
    void seesTheLastCommitOfAStoreOpenInThisJvm() {
        try (Braid w = Braid.open(dir, BraidOptions.builder().pageSizeBytes(512).cacheBytes(64 * 1024)
                .backgroundCheckpoints(false).backgroundMerges(false).checkpointLogBytes(1L << 30).build())) {
            writeAll(w, 300, 1);
            WriteBatch b = new WriteBatch();
            for (int i = 0; i < 300; i++) {
                b.put(key(i), value(i, 2));
            }
            w.write(b); // spills into the log, uncommitted
            try (Braid ro = Braid.openReadOnly(dir)) {
                assertAllAt(ro, 300, 1);
                w.commit(Map.of("seq", "2"));
                assertAllAt(ro, 300, 1);
            }
            try (Braid ro = Braid.openReadOnly(dir)) {
                assertAllAt(ro, 300, 2);
                assertEquals(List.of(), ro.check());
            }
        }
    }
}
