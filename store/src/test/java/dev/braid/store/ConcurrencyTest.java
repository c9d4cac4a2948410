package dev.braid.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Readers (gets and scans) run while one writer applies batches. Each batch writes the same version
 * to every key of a group of {@value #GROUP} keys, so a reader that gets the keys one after another
 * must see versions that never decrease, and a scan of the group (smaller than one internal
 * iterator batch) must see a single version. Around it the writer churns filler keys, commits, and
 * another thread forces checkpoints, with background checkpoints on. Also: closing the store under
 * running readers and a writer, two stores sharing one cache, and several writer threads.
 *
 * <p>Bounded by {@code -Dbraid.concurrency.millis} (default 3000) of writing. The seed drives the
 * writer's choices ({@code -Dbraid.seed=N}); thread interleavings are not replayable.
 */
class ConcurrencyTest {
    private static final int GROUP = 100;
    private static final long RUN_MILLIS = Long.getLong("braid.concurrency.millis", 3_000);
    private static final long JOIN_SECONDS = 60;
    private static final byte GROUP_PREFIX = 'g';
    private static final byte FILLER_PREFIX = 'f';

    @TempDir
    Path dir;

    private final ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean stop = new AtomicBoolean();
    private final List<Thread> threads = new ArrayList<>();

    private static BraidOptions busyOptions() {
        return BraidOptions.builder()
                .pageSizeBytes(1024)
                .cacheBytes(512 * 1024)
                .checkpointLogBytes(32 * 1024)
                .maxLogBytes(256 * 1024)
                .backgroundCheckpoints(true)
                .build();
    }

    @Test
    void readersNeverSeeATornBatch() throws Exception {
        long seed = seed();
        System.out.println("ConcurrencyTest.readersNeverSeeATornBatch seed=" + seed);
        AtomicLong published = new AtomicLong(); // the newest version whose batch write has returned
        AtomicLong gets = new AtomicLong();
        AtomicLong scans = new AtomicLong();
        AtomicLong fillerWalks = new AtomicLong();
        long lastVersion;
        try (Braid store = Braid.open(dir, busyOptions())) {
            writeGroup(store, 0);
            store.commit(Map.of("version", "0"));

            start("get-reader", () -> {
                while (!stop.get()) {
                    long floor = published.get();
                    long previous = -1;
                    for (int i = 0; i < GROUP; i++) {
                        byte[] value = store.get(groupKey(i));
                        assertNotNull(value, "group key " + i + " missing");
                        long v = versionOf(value, i);
                        assertTrue(v >= floor, "get of key " + i + " saw version " + v
                                + " after version " + floor + " was written");
                        assertTrue(v >= previous, "get of key " + i + " saw version " + v
                                + " after key " + (i - 1) + " showed version " + previous);
                        previous = v;
                    }
                    gets.incrementAndGet();
                }
            });
            start("scan-reader", () -> {
                boolean reverse = false;
                while (!stop.get()) {
                    long floor = published.get();
                    KeyRange group = KeyRange.closed(groupKey(0), groupKey(GROUP - 1));
                    long version = -1;
                    int n = 0;
                    try (BraidIterator it = reverse ? store.reverseIterator(group) : store.iterator(group)) {
                        while (it.hasNext()) {
                            Entry e = it.next();
                            int index = indexOf(e.key());
                            assertEquals(reverse ? GROUP - 1 - n : n, index, "scan order");
                            long v = versionOf(e.value(), index);
                            if (version < 0) {
                                version = v;
                                assertTrue(v >= floor, "scan saw version " + v + " after " + floor + " was written");
                            }
                            assertEquals(version, v, "one scan of the group saw two versions (key " + index + ")");
                            n++;
                        }
                    }
                    assertEquals(GROUP, n, "scan of the group");
                    reverse = !reverse;
                    scans.incrementAndGet();
                }
            });
            start("filler-walker", () -> {
                // long walks over keys that change under them: order, no repeats, within the prefix
                while (!stop.get()) {
                    boolean reverse = fillerWalks.get() % 2 == 1;
                    KeyRange fillers = KeyRange.prefix(new byte[] {FILLER_PREFIX});
                    byte[] last = null;
                    try (BraidIterator it = reverse ? store.reverseIterator(fillers) : store.iterator(fillers)) {
                        while (it.hasNext() && !stop.get()) {
                            byte[] key = it.next().key();
                            assertEquals(FILLER_PREFIX, key[0], "walk left the prefix");
                            if (last != null) {
                                int c = Arrays.compareUnsigned(key, last);
                                assertTrue(reverse ? c < 0 : c > 0, "walk out of order or repeated");
                            }
                            last = key;
                        }
                    }
                    fillerWalks.incrementAndGet();
                }
            });
            start("checkpointer", () -> {
                while (!stop.get()) {
                    long seen = published.get();
                    store.checkpoint();
                    while (!stop.get() && published.get() < seen + 50) {
                        Thread.onSpinWait();
                    }
                }
            });

            lastVersion = runWriter(store, seed, published);
            stopAndJoin();
            assertTrue(gets.get() > 0 && scans.get() > 0 && fillerWalks.get() > 0,
                    "every reader completed a pass: gets " + gets + ", scans " + scans + ", walks " + fillerWalks);
            System.out.println("versions " + lastVersion + ", group gets " + gets + ", group scans " + scans
                    + ", filler walks " + fillerWalks + ", " + store.stats());
            store.commit(Map.of("version", Long.toString(lastVersion)));
            assertEquals(List.of(), store.check());
        }
        try (Braid store = Braid.open(dir, busyOptions())) {
            assertEquals(Map.of("version", Long.toString(lastVersion)), store.committedMetadata());
            for (int i = 0; i < GROUP; i++) {
                assertEquals(lastVersion, versionOf(store.get(groupKey(i)), i));
            }
            assertEquals(List.of(), store.check());
        }
    }

    @Test
    void closingTheStoreStopsReadersWithStoreClosedException() throws Exception {
        long seed = seed();
        System.out.println("ConcurrencyTest.closingTheStoreStopsReadersWithStoreClosedException seed=" + seed);
        Braid store = Braid.open(dir, busyOptions());
        writeGroup(store, 0);
        AtomicLong passes = new AtomicLong();
        AtomicLong closedSeen = new AtomicLong();
        for (int r = 0; r < 3; r++) {
            boolean scanner = r != 0;
            start("reader-" + r, () -> {
                try {
                    while (true) {
                        if (scanner) {
                            try (BraidIterator it = store.iterator(KeyRange.all())) {
                                while (it.hasNext()) {
                                    it.next();
                                }
                            }
                        } else {
                            for (int i = 0; i < GROUP; i++) {
                                store.get(groupKey(i));
                            }
                        }
                        passes.incrementAndGet();
                    }
                } catch (StoreClosedException expected) {
                    closedSeen.incrementAndGet();
                }
            });
        }
        start("writer", () -> {
            Random rnd = new Random(seed);
            try {
                for (long v = 1; ; v++) {
                    writeGroup(store, v);
                    churnFillers(store, rnd);
                    if (v % 20 == 0) {
                        store.commit(Map.of("version", Long.toString(v)));
                    }
                }
            } catch (StoreClosedException expected) {
                closedSeen.incrementAndGet();
            }
        });
        while (passes.get() < 30 && failures.isEmpty() && anyAlive()) {
            Thread.onSpinWait();
        }
        store.close();
        joinAll();
        rethrowFailures();
        assertEquals(4, closedSeen.get(), "every thread ended with StoreClosedException");
        try (Braid reopened = Braid.open(dir, busyOptions())) {
            assertEquals(List.of(), reopened.check());
        }
    }

    @Test
    void storesSharingACacheWorkSideBySide() throws Exception {
        long seed = seed();
        System.out.println("ConcurrencyTest.storesSharingACacheWorkSideBySide seed=" + seed);
        BraidCache cache = BraidCache.ofBytes(256 * 1024);
        BraidOptions options = BraidOptions.builder().pageSizeBytes(1024).cache(cache)
                .checkpointLogBytes(32 * 1024).maxLogBytes(256 * 1024).build();
        long[] finalVersions = new long[2];
        try (Braid a = Braid.open(dir.resolve("a"), options); Braid b = Braid.open(dir.resolve("b"), options)) {
            Braid[] stores = {a, b};
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(RUN_MILLIS);
            for (int s = 0; s < 2; s++) {
                Braid store = stores[s];
                int which = s;
                writeGroup(store, 0);
                AtomicLong published = new AtomicLong();
                start("writer-" + s, () -> {
                    Random rnd = new Random(seed + which);
                    long v = 0;
                    while (System.nanoTime() < deadline && failures.isEmpty()) {
                        v++;
                        writeGroup(store, v);
                        published.set(v);
                        churnFillers(store, rnd);
                        if (v % 10 == 0) {
                            store.commit(Map.of("version", Long.toString(v)));
                        }
                    }
                    store.commit(Map.of("version", Long.toString(v)));
                    finalVersions[which] = v;
                });
                start("reader-" + s, () -> {
                    while (!stop.get()) {
                        long floor = published.get();
                        long previous = -1;
                        for (int i = 0; i < GROUP; i++) {
                            long v = versionOf(store.get(groupKey(i)), i);
                            assertTrue(v >= floor && v >= previous, "store " + which + " key " + i + " version " + v
                                    + ", floor " + floor + ", previous key " + previous);
                            previous = v;
                        }
                    }
                });
            }
            joinWriters();
            stopAndJoin();
            assertTrue(cache.usedBytes() <= cache.capacityBytes(),
                    "shared cache holds " + cache.usedBytes() + " of " + cache.capacityBytes());
            for (int s = 0; s < 2; s++) {
                assertEquals(List.of(), stores[s].check(), "store " + s);
            }
        }
        for (int s = 0; s < 2; s++) {
            try (Braid store = Braid.open(dir.resolve(s == 0 ? "a" : "b"), options)) {
                assertEquals(Map.of("version", Long.toString(finalVersions[s])), store.committedMetadata());
                for (int i = 0; i < GROUP; i++) {
                    assertEquals(finalVersions[s], versionOf(store.get(groupKey(i)), i), "store " + s + " key " + i);
                }
            }
        }
    }

    @Test
    void writesFromSeveralThreadsAreSerialized() throws Exception {
        long seed = seed();
        System.out.println("ConcurrencyTest.writesFromSeveralThreadsAreSerialized seed=" + seed);
        int writers = 3;
        List<TreeMap<byte[], byte[]>> models = new ArrayList<>();
        try (Braid store = Braid.open(dir, busyOptions())) {
            for (int w = 0; w < writers; w++) {
                TreeMap<byte[], byte[]> model = new TreeMap<>(Arrays::compareUnsigned);
                models.add(model);
                int writer = w;
                start("writer-" + w, () -> {
                    // each writer owns the keys under its own prefix and keeps its own model of them
                    Random rnd = new Random(seed + writer);
                    for (int op = 0; op < 3_000 && !stop.get(); op++) {
                        byte[] key = ownedKey(writer, rnd.nextInt(1_000));
                        int p = rnd.nextInt(10);
                        if (p < 6) {
                            byte[] value = new byte[rnd.nextInt(200)];
                            rnd.nextBytes(value);
                            store.put(key, value);
                            model.put(key, value);
                        } else if (p < 8) {
                            store.delete(key);
                            model.remove(key);
                        } else {
                            WriteBatch batch = new WriteBatch();
                            for (int i = 0; i < 10; i++) {
                                byte[] k = ownedKey(writer, rnd.nextInt(1_000));
                                byte[] value = new byte[rnd.nextInt(50)];
                                rnd.nextBytes(value);
                                batch.put(k, value);
                                model.put(k, value);
                            }
                            store.write(batch);
                        }
                        if (op % 250 == 0) {
                            store.commit(Map.of("writer", Integer.toString(writer)));
                        }
                        if (op % 1_000 == 999) {
                            store.checkpoint();
                        }
                    }
                });
            }
            joinWriters();
            rethrowFailures();
            TreeMap<byte[], byte[]> all = new TreeMap<>(Arrays::compareUnsigned);
            models.forEach(all::putAll);
            assertEquals(all.size(), store.count());
            assertSameContents(all, store);
            store.commit(Map.of("done", "yes"));
            assertEquals(List.of(), store.check());
        }
        try (Braid store = Braid.open(dir, busyOptions())) {
            TreeMap<byte[], byte[]> all = new TreeMap<>(Arrays::compareUnsigned);
            models.forEach(all::putAll);
            assertSameContents(all, store);
        }
    }

    private static byte[] ownedKey(int writer, int i) {
        return ByteBuffer.allocate(6).put((byte) 'w').put((byte) writer).putInt(i).array();
    }

    private static void assertSameContents(TreeMap<byte[], byte[]> expected, Braid store) {
        try (BraidIterator it = store.iterator(KeyRange.all())) {
            for (Map.Entry<byte[], byte[]> e : expected.entrySet()) {
                assertTrue(it.hasNext(), "store ended early");
                Entry actual = it.next();
                assertArrayEquals(e.getKey(), actual.key());
                assertArrayEquals(e.getValue(), actual.value());
            }
            assertTrue(!it.hasNext(), "store holds more keys than written");
        }
    }

    // ---- the writer ------------------------------------------------------------------------------

    /** Writes new versions until the time is up; returns the last version written. */
    private long runWriter(Braid store, long seed, AtomicLong published) {
        Random rnd = new Random(seed);
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(RUN_MILLIS);
        long v = 0;
        try {
            while (System.nanoTime() < deadline && failures.isEmpty()) {
                v++;
                writeGroup(store, v);
                published.set(v);
                churnFillers(store, rnd);
                if (v % 10 == 0) {
                    store.commit(Map.of("version", Long.toString(v)));
                }
            }
        } catch (Throwable t) {
            failures.add(new AssertionError("writer failed at version " + v + " (seed " + seed + ")", t));
        }
        return v;
    }

    /** One batch: every group key gets version {@code v}; value sizes vary so leaves split and merge. */
    private static void writeGroup(Braid store, long v) {
        WriteBatch batch = new WriteBatch();
        for (int i = 0; i < GROUP; i++) {
            batch.put(groupKey(i), groupValue(v, i));
        }
        store.write(batch);
    }

    /** Puts and deletes filler keys (outside the group), some with overflow-sized values. */
    private static void churnFillers(Braid store, Random rnd) {
        int n = rnd.nextInt(20);
        for (int i = 0; i < n; i++) {
            byte[] key = fillerKey(rnd.nextInt(3_000));
            if (rnd.nextInt(3) == 0) {
                store.delete(key);
            } else {
                byte[] value = new byte[rnd.nextInt(50) == 0 ? 3_000 + rnd.nextInt(5_000) : rnd.nextInt(100)];
                rnd.nextBytes(value);
                store.put(key, value);
            }
        }
        if (rnd.nextInt(10) == 0) {
            WriteBatch batch = new WriteBatch();
            int start = rnd.nextInt(3_000);
            for (int i = 0; i < 50; i++) {
                batch.delete(fillerKey(start + i));
            }
            store.write(batch);
        }
    }

    // ---- keys and values -------------------------------------------------------------------------

    private static byte[] groupKey(int i) {
        return ByteBuffer.allocate(3).put(GROUP_PREFIX).putShort((short) i).array();
    }

    private static int indexOf(byte[] groupKey) {
        assertEquals(3, groupKey.length);
        assertEquals(GROUP_PREFIX, groupKey[0]);
        return ByteBuffer.wrap(groupKey, 1, 2).getShort();
    }

    private static byte[] fillerKey(int i) {
        return ByteBuffer.allocate(5).put(FILLER_PREFIX).putInt(i).array();
    }

    private static byte[] groupValue(long v, int i) {
        int padding = (int) ((v * 7 + i) % 3) * 40;
        return ByteBuffer.allocate(12 + padding).putLong(v).putInt(i).array();
    }

    /** The version in a group value, checking that the value belongs to key {@code i}. */
    private static long versionOf(byte[] value, int i) {
        assertNotNull(value, "group key " + i + " missing");
        ByteBuffer b = ByteBuffer.wrap(value);
        long v = b.getLong();
        assertEquals(i, b.getInt(), "value of group key " + i + " belongs to another key");
        assertArrayEquals(groupValue(v, i), value, "value of group key " + i + " at version " + v);
        return v;
    }

    // ---- threads ---------------------------------------------------------------------------------

    /** Body of a test thread; assertion errors and exceptions are collected and rethrown by the test. */
    private interface Body {
        void run() throws Exception;
    }

    private void start(String name, Body body) {
        Thread t = new Thread(() -> {
            try {
                body.run();
            } catch (Throwable e) {
                failures.add(new AssertionError(name + " failed", e));
                stop.set(true);
            }
        }, "ConcurrencyTest-" + name);
        t.setDaemon(true);
        threads.add(t);
        t.start();
    }

    private boolean anyAlive() {
        return threads.stream().anyMatch(Thread::isAlive);
    }

    private void joinWriters() throws InterruptedException {
        for (Thread t : threads) {
            if (t.getName().contains("writer")) {
                t.join(TimeUnit.SECONDS.toMillis(JOIN_SECONDS) + RUN_MILLIS);
                if (t.isAlive()) {
                    fail(t.getName() + " did not finish:\n" + stackOf(t));
                }
            }
        }
    }

    private void stopAndJoin() throws InterruptedException {
        stop.set(true);
        joinAll();
        rethrowFailures();
    }

    private void joinAll() throws InterruptedException {
        for (Thread t : threads) {
            t.join(TimeUnit.SECONDS.toMillis(JOIN_SECONDS));
            if (t.isAlive()) {
                fail(t.getName() + " did not finish within " + JOIN_SECONDS + " s:\n" + stackOf(t));
            }
        }
    }

    private void rethrowFailures() {
        Throwable first = failures.poll();
        if (first != null) {
            for (Throwable t : failures) {
                first.addSuppressed(t);
            }
            if (first instanceof AssertionError a) {
                throw a;
            }
            throw new AssertionError(first);
        }
    }

    private static String stackOf(Thread t) {
        StringBuilder sb = new StringBuilder();
        for (StackTraceElement e : t.getStackTrace()) {
            sb.append("    at ").append(e).append('\n');
        }
        return sb.toString();
    }

    private static long seed() {
        String fixed = System.getProperty("braid.seed");
        return fixed != null ? Long.parseLong(fixed) : ThreadLocalRandom.current().nextLong();
    }
}
