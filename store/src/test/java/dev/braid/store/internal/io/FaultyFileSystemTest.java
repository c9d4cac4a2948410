package dev.braid.store.internal.io;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.braid.store.internal.io.FaultyFileSystem.CrashMode;
import java.io.Closeable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class FaultyFileSystemTest {
    private static final Path DIR = Path.of("/faulty/dir");
    private static final Path A = DIR.resolve("a");
    private static final Path B = DIR.resolve("b");

    private static byte[] ascii(String s) {
        return s.getBytes(US_ASCII);
    }

    private static void write(StoreFile f, long offset, String s) throws IOException {
        byte[] b = ascii(s);
        f.write(offset, b, 0, b.length);
    }

    private static String read(FaultyFileSystem fs, Path p) {
        return new String(fs.bytes(p), US_ASCII);
    }

    /** A file with durable content "hello" and its directory entry synced. */
    private static FaultyFileSystem fsWithSyncedFile() throws IOException {
        FaultyFileSystem fs = new FaultyFileSystem();
        fs.createDirectories(DIR);
        try (StoreFile f = fs.open(A, true)) {
            write(f, 0, "hello");
            f.sync();
        }
        fs.syncDirectory(DIR);
        return fs;
    }

    @Test
    void readsSeeUnsyncedWritesAndPositionalSemantics() throws IOException {
        FaultyFileSystem fs = new FaultyFileSystem();
        fs.createDirectories(DIR);
        StoreFile f = fs.open(A, true);
        write(f, 0, "hello");
        write(f, 8, "xy"); // leaves a zero gap
        assertEquals(10, f.size());
        byte[] buf = new byte[20];
        assertEquals(10, f.read(0, buf, 0, 20));
        assertArrayEquals(new byte[] {'h', 'e', 'l', 'l', 'o', 0, 0, 0, 'x', 'y'}, Arrays.copyOf(buf, 10));
        assertEquals(0, f.read(10, buf, 0, 5));
        assertEquals(2, f.read(1, buf, 3, 2));
        assertEquals('e', buf[3]);
        f.truncate(3);
        assertEquals("hel", read(fs, A));
        f.truncate(5);
        assertArrayEquals(new byte[] {'h', 'e', 'l', 0, 0}, fs.bytes(A));
        f.close();
        assertThrows(IOException.class, () -> f.size());
        assertThrows(NoSuchFileException.class, () -> fs.open(B, false));
        assertThrows(NoSuchFileException.class, () -> fs.open(Path.of("/nowhere/x"), true));
        assertEquals(Set.of(Path.of("a")), new HashSet<>(fs.list(DIR)));
    }

    @Test
    void syncMakesContentDurableAndProcessCrashKeepsEverything() throws IOException {
        FaultyFileSystem fs = fsWithSyncedFile();
        StoreFile f = fs.open(A, false);
        write(f, 5, " world");
        f.truncate(8);

        FaultyFileSystem afterKill = fs.crash(CrashMode.PROCESS, 1);
        assertEquals("hello wo", read(afterKill, A));
        FaultyFileSystem afterPowerLoss = fs.crash(CrashMode.POWER_LOSS_DROP, 1);
        assertEquals("hello", read(afterPowerLoss, A));
        // A process crash leaves the writes unsynced: a later power loss can still drop them.
        assertEquals("hello", read(afterKill.crash(CrashMode.POWER_LOSS_DROP, 2), A));
    }

    @Test
    void syncedWritesSurviveEveryMode() throws IOException {
        FaultyFileSystem fs = fsWithSyncedFile();
        for (CrashMode mode : CrashMode.values()) {
            for (long seed = 0; seed < 20; seed++) {
                assertEquals("hello", read(fs.crash(mode, seed), A), mode + " seed " + seed);
            }
        }
    }

    @Test
    void fileCreationNeedsDirectorySync() throws IOException {
        FaultyFileSystem fs = new FaultyFileSystem();
        fs.createDirectories(DIR);
        StoreFile f = fs.open(A, true);
        write(f, 0, "data");
        f.sync(); // content durable, but the name is not
        assertFalse(fs.crash(CrashMode.POWER_LOSS_DROP, 0).exists(A));
        assertTrue(fs.crash(CrashMode.PROCESS, 0).exists(A));

        FaultyFileSystem fs2 = new FaultyFileSystem();
        fs2.createDirectories(DIR);
        StoreFile g = fs2.open(A, true);
        write(g, 0, "data");
        fs2.syncDirectory(DIR); // the name is durable, the content is not
        FaultyFileSystem lost = fs2.crash(CrashMode.POWER_LOSS_DROP, 0);
        assertTrue(lost.exists(A));
        assertEquals(0, lost.bytes(A).length);
    }

    @Test
    void renameAndDeleteNeedDirectorySync() throws IOException {
        FaultyFileSystem fs = fsWithSyncedFile();
        StoreFile open = fs.open(A, false);
        fs.move(A, B);
        assertFalse(fs.exists(A));
        assertEquals("hello", read(fs, B));
        assertEquals(5, open.size()); // an open file follows its inode
        assertThrows(FileAlreadyExistsException.class, () -> fs.move(B, B));

        FaultyFileSystem lost = fs.crash(CrashMode.POWER_LOSS_DROP, 0);
        assertTrue(lost.exists(A));
        assertFalse(lost.exists(B));

        FaultyFileSystem fs2 = fsWithSyncedFile();
        fs2.move(A, B);
        fs2.syncDirectory(DIR);
        fs2.delete(B);
        FaultyFileSystem kept = fs2.crash(CrashMode.POWER_LOSS_DROP, 0);
        assertFalse(kept.exists(A));
        assertEquals("hello", read(kept, B)); // the delete was not synced
        assertFalse(fs2.crash(CrashMode.PROCESS, 0).exists(B));
    }

    @Test
    void everyWriteTruncateAndSyncIsAPoint() throws IOException {
        FaultyFileSystem fs = new FaultyFileSystem();
        fs.createDirectories(DIR);
        StoreFile f = fs.open(A, true);
        assertEquals(0, fs.pointCount());
        write(f, 0, "abc");
        f.truncate(2);
        f.sync();
        fs.syncDirectory(DIR);
        byte[] buf = new byte[3];
        f.read(0, buf, 0, 3);
        f.size();
        fs.move(A, B);
        fs.delete(B);
        assertEquals(4, fs.pointCount());
        List<String> trace = fs.trace();
        assertTrue(trace.get(0).startsWith("1 write "), trace.toString());
        assertTrue(trace.get(1).startsWith("2 truncate "), trace.toString());
        assertTrue(trace.get(2).startsWith("3 sync "), trace.toString());
        assertTrue(trace.get(3).startsWith("4 syncdir "), trace.toString());
    }

    @Test
    void crashPointStopsTheOperationAndKillsTheInstance() throws IOException {
        FaultyFileSystem fs = fsWithSyncedFile(); // points 1..3
        fs.crashAtPoint(5);
        StoreFile f = fs.open(A, false);
        write(f, 5, "12345678"); // point 4
        SimulatedCrashException e = assertThrows(SimulatedCrashException.class, () -> write(f, 13, "abcdefgh"));
        assertTrue(e.getMessage().contains("point 5"), e.getMessage());
        assertTrue(fs.isDead());
        assertThrows(SimulatedCrashException.class, () -> f.read(0, new byte[1], 0, 1));
        assertThrows(SimulatedCrashException.class, () -> f.sync());
        assertThrows(SimulatedCrashException.class, () -> f.close());
        assertThrows(SimulatedCrashException.class, () -> fs.open(B, true));
        assertThrows(SimulatedCrashException.class, () -> fs.list(DIR));
        assertThrows(SimulatedCrashException.class, () -> fs.syncDirectory(DIR));
        assertThrows(SimulatedCrashException.class, () -> fs.tryLock(DIR.resolve("lock")));
        UncheckedIOException u = assertThrows(UncheckedIOException.class, () -> fs.exists(A));
        assertTrue(u.getCause() instanceof SimulatedCrashException);
        assertEquals(5, fs.pointCount());

        // The cut write is at most partly applied after a process crash, and never after a drop.
        boolean sawNone = false;
        boolean sawTorn = false;
        for (long seed = 0; seed < 50; seed++) {
            String s = read(fs.crash(CrashMode.PROCESS, seed), A);
            assertTrue(s.startsWith("hello12345678"), s);
            String cut = s.substring(13);
            assertTrue("abcdefgh".startsWith(cut) && cut.length() < 8, "seed " + seed + ": " + s);
            sawNone |= cut.isEmpty();
            sawTorn |= !cut.isEmpty();
            assertEquals("hello", read(fs.crash(CrashMode.POWER_LOSS_DROP, seed), A));
        }
        assertTrue(sawNone && sawTorn);
        // Same seed, same result.
        assertEquals(read(fs.crash(CrashMode.PROCESS, 7), A), read(fs.crash(CrashMode.PROCESS, 7), A));
    }

    @Test
    void crashTriggerPicksAPointByWhatItIsAndItsThread() throws Exception {
        FaultyFileSystem fs = fsWithSyncedFile(); // points 1..3
        StoreFile f = fs.open(A, false);
        List<String> seen = new ArrayList<>();
        fs.crashWhen(p -> {
            seen.add(p.number() + (p.isWrite() ? " write" : " sync"));
            return p.thread().getName().equals("other") && !p.isWrite();
        });
        write(f, 5, "!"); // point 4: not this thread's to crash
        Thread other = new Thread(() -> {
            try {
                write(f, 6, "?"); // point 5
                f.sync();         // point 6: the crash
            } catch (IOException e) {
                seen.add(e.getMessage());
            }
        }, "other");
        other.start();
        other.join();
        assertEquals(List.of("4 write", "5 write", "6 sync", "simulated crash at point 6 (sync " + A + ")"), seen);
        assertTrue(fs.isDead());
        assertEquals("hello!?", read(fs.crash(CrashMode.PROCESS, 0), A));
        assertEquals("hello", read(fs.crash(CrashMode.POWER_LOSS_DROP, 0), A));
    }

    @Test
    void beforeFilePointRunsOutsideTheMonitorBeforeEachFilePoint() throws Exception {
        FaultyFileSystem fs = fsWithSyncedFile();
        StoreFile f = fs.open(A, false);
        List<String> seen = new ArrayList<>();
        fs.beforeFilePoint(what -> {
            assertFalse(Thread.holdsLock(fs), what);
            seen.add(what + " after " + fs.pointCount() + " points");
        });
        write(f, 5, "!");
        f.truncate(6);
        f.sync();
        fs.beforeFilePoint(null);
        write(f, 6, "?");
        assertEquals(List.of("write " + A + " @5+1 after 3 points", "truncate " + A + " to 6 after 4 points",
                "sync " + A + " after 5 points"), seen);
    }

    @Test
    void crashAtASyncLeavesTheDataUnsynced() throws IOException {
        FaultyFileSystem fs = fsWithSyncedFile(); // points 1..3
        StoreFile f = fs.open(A, false);
        write(f, 5, "!"); // point 4
        fs.crashAtPoint(5);
        assertThrows(SimulatedCrashException.class, f::sync);
        assertEquals("hello!", read(fs.crash(CrashMode.PROCESS, 0), A));
        assertEquals("hello", read(fs.crash(CrashMode.POWER_LOSS_DROP, 0), A));
    }

    @Test
    void crashAtADirectorySyncLosesTheCreation() throws IOException {
        FaultyFileSystem fs = new FaultyFileSystem();
        fs.createDirectories(DIR);
        StoreFile f = fs.open(A, true);
        write(f, 0, "x");
        f.sync();
        fs.crashAtPoint(3);
        assertThrows(SimulatedCrashException.class, () -> fs.syncDirectory(DIR));
        assertFalse(fs.crash(CrashMode.POWER_LOSS_DROP, 0).exists(A));
        assertEquals("x", read(fs.crash(CrashMode.PROCESS, 0), A));
    }

    @Test
    void powerLossRandomKeepsDropsOrTearsEachWriteReproducibly() throws IOException {
        FaultyFileSystem fs = fsWithSyncedFile();
        StoreFile f = fs.open(A, false);
        write(f, 0, "ABCDE");   // over the durable "hello"
        write(f, 10, "0123456789");
        Set<String> firstOutcomes = new HashSet<>();
        Set<String> secondOutcomes = new HashSet<>();
        for (long seed = 0; seed < 200; seed++) {
            byte[] got = fs.crash(CrashMode.POWER_LOSS_RANDOM, seed).bytes(A);
            assertArrayEquals(got, fs.crash(CrashMode.POWER_LOSS_RANDOM, seed).bytes(A), "seed " + seed);
            String first = new String(got, 0, 5, US_ASCII);
            int k = 0;
            while (k < 5 && first.charAt(k) == "ABCDE".charAt(k)) {
                k++;
            }
            assertEquals("hello".substring(k), first.substring(k), "a prefix of the write, then old bytes: " + first);
            firstOutcomes.add(k == 0 ? "dropped" : k == 5 ? "kept" : "torn");
            if (got.length <= 10) {
                assertEquals(5, got.length);
                secondOutcomes.add("dropped");
            } else {
                String second = new String(got, 10, got.length - 10, US_ASCII);
                assertTrue("0123456789".startsWith(second), second);
                assertArrayEquals(new byte[5], Arrays.copyOfRange(got, 5, 10));
                secondOutcomes.add(second.length() == 10 ? "kept" : "torn");
            }
        }
        assertEquals(Set.of("dropped", "kept", "torn"), firstOutcomes);
        assertEquals(Set.of("dropped", "kept", "torn"), secondOutcomes);
    }

    @Test
    void powerLossRandomKeepsAPrefixOfDirectoryChanges() throws IOException {
        FaultyFileSystem fs = fsWithSyncedFile();
        fs.move(A, B);
        fs.open(DIR.resolve("c"), true).close();
        Set<String> outcomes = new HashSet<>();
        for (long seed = 0; seed < 100; seed++) {
            FaultyFileSystem after = fs.crash(CrashMode.POWER_LOSS_RANDOM, seed);
            boolean a = after.exists(A);
            boolean b = after.exists(B);
            boolean c = after.exists(DIR.resolve("c"));
            assertTrue(a != b, "a rename is atomic");
            assertTrue(!c || b, "directory changes survive in order");
            outcomes.add(a + "/" + b + "/" + c);
        }
        assertEquals(3, outcomes.size(), outcomes.toString());
    }

    @Test
    void failAtPointThrowsOnceWithoutEffect() throws IOException {
        FaultyFileSystem fs = fsWithSyncedFile(); // points 1..3
        IOException injected = new IOException("injected");
        fs.failAtPoint(4, injected);
        fs.failAtPoint(6, new IOException("injected sync"));
        StoreFile f = fs.open(A, false);
        assertSame(injected, assertThrows(IOException.class, () -> write(f, 0, "J")));
        assertEquals("hello", read(fs, A));
        write(f, 0, "j"); // point 5 works
        assertThrows(IOException.class, f::sync);
        assertEquals("hello", read(fs.crash(CrashMode.POWER_LOSS_DROP, 0), A), "the failed sync did nothing");
    }

    @Test
    void fullDiskRefusesGrowthButNotOverwrites() throws IOException {
        FaultyFileSystem fs = new FaultyFileSystem();
        fs.createDirectories(DIR);
        StoreFile a = fs.open(A, true);
        StoreFile b = fs.open(B, true);
        fs.diskLimitBytes(10);
        write(a, 0, "123456");
        IOException e = assertThrows(IOException.class, () -> write(b, 0, "12345"));
        assertEquals(FaultyFileSystem.DISK_FULL_MESSAGE, e.getMessage());
        assertEquals(0, b.size());
        assertThrows(IOException.class, () -> a.truncate(11));
        write(b, 0, "1234");
        write(a, 0, "abcdef"); // in place: no growth
        assertEquals(10, fs.totalBytes());
        a.truncate(2);
        write(b, 4, "5678");
        fs.diskLimitBytes(Long.MAX_VALUE);
        write(b, 100, "x");
    }

    @Test
    void locksAreExclusiveAndDoNotSurviveACrash() throws IOException {
        FaultyFileSystem fs = new FaultyFileSystem();
        fs.createDirectories(DIR);
        Path lockFile = DIR.resolve("braid.lock");
        Closeable lock = fs.tryLock(lockFile);
        assertNotNull(lock);
        assertTrue(fs.exists(lockFile));
        assertNull(fs.tryLock(lockFile));
        lock.close();
        lock.close();
        Closeable again = fs.tryLock(lockFile);
        assertNotNull(again);
        FaultyFileSystem after = fs.crash(CrashMode.PROCESS, 0);
        assertThrows(SimulatedCrashException.class, again::close);
        assertNotNull(after.tryLock(lockFile));
    }

    @Test
    void offlineEditsChangeContentAndAreDurable() throws IOException {
        FaultyFileSystem fs = fsWithSyncedFile();
        fs.flipBit(A, 0); // 'h' ^ 1 = 'i'
        assertEquals("iello", read(fs, A));
        fs.zero(A, 3, 100);
        assertArrayEquals(new byte[] {'i', 'e', 'l', 0, 0}, fs.bytes(A));
        fs.overwrite(A, 1, ascii("EL"));
        assertEquals("iEL", read(fs, A).substring(0, 3));
        byte[] saved = fs.range(A, 0, 2);
        fs.truncateFile(A, 2);
        assertEquals(2, fs.fileSize(A));
        fs.overwrite(A, 0, ascii("zz"));
        fs.overwrite(A, 0, saved);
        assertEquals("iE", read(fs, A));
        fs.writeFile(DIR.resolve("sub/foreign"), ascii("not a store"));
        FaultyFileSystem after = fs.crash(CrashMode.POWER_LOSS_DROP, 0);
        assertEquals("iE", read(after, A));
        assertEquals("not a store", read(after, DIR.resolve("sub/foreign")));
    }
}
