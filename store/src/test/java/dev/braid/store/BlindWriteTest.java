package dev.braid.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Blind writes ({@link Braid#blindPut}, {@link Braid#blindDelete}, their {@link WriteBatch} forms):
 * an in-memory write buffer over the B+tree, drained at commit and when full (into an empty tree as
 * a bottom-up bulk build). One behaviour per test.
 */
class BlindWriteTest {
    private static final Map<String, String> META = Map.of("offset", "1");

    @TempDir
    Path dir;

    // ---- visibility and durability -------------------------------------------------------------

    @Test
    void blindWritesAreVisibleAtOnce() {
        try (Braid store = Braid.open(dir)) {
            store.put(k(1), v("tree"));
            store.blindPut(k(2), v("blind"));
            store.blindPut(k(0), v("blind0"));
            store.blindDelete(k(9)); // absent: no effect
            assertArrayEquals(v("blind"), store.get(k(2)));
            assertArrayEquals(v("blind0"), store.get(k(0)));
            assertNull(store.get(k(9)));
            assertEquals(3, store.count());
            NavigableMap<byte[], byte[]> want = map(k(0), v("blind0"), k(1), v("tree"), k(2), v("blind"));
            assertScan(want, store, KeyRange.all());
            assertScan(want, store, KeyRange.closed(k(0), k(2)));
        }
    }

    /** A reverse walk merges the buffer and the tree, whichever of the two runs out first. */
    @Test
    void reverseIteratorMergesBufferAndTree() {
        try (Braid store = Braid.open(dir)) {
            store.blindPut(k(1), v("b1"));
            assertScan(map(k(1), v("b1")), store.reverseIterator(KeyRange.all()), "buffer only");
            store.put(k(5), v("t5"));
            store.put(k(0), v("t0"));
            store.blindPut(k(3), v("b3"));
            NavigableMap<byte[], byte[]> want = map(k(0), v("t0"), k(1), v("b1"), k(3), v("b3"), k(5), v("t5"));
            assertScan(want.descendingMap(), store.reverseIterator(KeyRange.all()), "buffer and tree");
            assertScan(want, store.iterator(KeyRange.all()), "forward");
        }
    }

    @Test
    void blindWritesSurviveCommitAndReopen() {
        NavigableMap<byte[], byte[]> want = newMap();
        try (Braid store = Braid.open(dir)) {
            for (int i = 0; i < 500; i++) {
                store.blindPut(k(i), v("b" + i));
                want.put(k(i), v("b" + i));
            }
            store.write(new WriteBatch().blindPut(k(1000), v("batch")).blindDelete(k(3)));
            want.put(k(1000), v("batch"));
            want.remove(k(3));
            store.commit(META);
            assertAll(want, store);
        }
        try (Braid store = Braid.open(dir)) {
            assertEquals(META, store.committedMetadata());
            assertAll(want, store);
            assertEquals(List.of(), store.check());
        }
    }

    @Test
    void blindWritesAreGoneAfterCloseWithoutCommit() {
        NavigableMap<byte[], byte[]> committed = newMap();
        try (Braid store = Braid.open(dir)) {
            for (int i = 0; i < 100; i++) {
                store.put(k(i), v("c" + i));
                committed.put(k(i), v("c" + i));
            }
            store.commit(META);
            store.blindPut(k(5), v("overwrite"));
            store.blindPut(k(500), v("new"));
            store.blindDelete(k(7));
            store.write(new WriteBatch().blindPut(k(501), v("new")).blindDelete(k(8)).unlogged());
            store.put(k(5), v("tree write over the buffer"));
            assertEquals(100, store.count()); // +k500 +k501 -k7 -k8
        }
        try (Braid store = Braid.open(dir)) {
            assertAll(committed, store);
            assertEquals(List.of(), store.check());
        }
    }

    @Test
    void unloggedBatchOfBlindAndTreeWritesAppliesAndCommitsLikeAnyBatch() {
        WriteBatch batch = new WriteBatch()
                .put(k(1), v("tree"))
                .blindPut(k(2), v("blind"))
                .blindPut(k(3), v("blind"))
                .delete(k(3)) // through the buffer: deletes the blind put just before it
                .blindDelete(k(1))
                .put(k(1), v("again")) // through the buffer: revives it
                .unlogged();
        assertTrue(batch.isUnlogged());
        assertEquals(6, batch.size());
        assertTrue(batch.ops().get(1).blind());
        assertFalse(batch.ops().get(0).blind());
        try (Braid store = Braid.open(dir)) {
            store.write(batch);
            NavigableMap<byte[], byte[]> want = map(k(1), v("again"), k(2), v("blind"));
            assertAll(want, store);
            store.commit(META);
            assertAll(want, store);
        }
        try (Braid store = Braid.open(dir)) {
            assertAll(map(k(1), v("again"), k(2), v("blind")), store);
        }
        batch.clear();
        assertFalse(batch.isUnlogged(), "clear() resets the mark");
        assertEquals(0, batch.size());
    }

    @Test
    void blindWritesCheckTheirArguments() {
        try (Braid store = Braid.open(dir)) {
            assertThrows(NullPointerException.class, () -> store.blindPut(null, v("x")));
            assertThrows(NullPointerException.class, () -> store.blindPut(k(1), null));
            assertThrows(NullPointerException.class, () -> store.blindDelete(null));
            assertThrows(NullPointerException.class, () -> new WriteBatch().blindPut(k(1), null));
            assertThrows(NullPointerException.class, () -> new WriteBatch().blindDelete(null));
            assertThrows(IllegalArgumentException.class,
                    () -> store.blindPut(new byte[Braid.MAX_KEY_BYTES + 1], v("x")));
            assertThrows(IllegalArgumentException.class, () -> store.blindDelete(new byte[Braid.MAX_KEY_BYTES + 1]));
            assertEquals(0, store.count());
            store.blindPut(k(1), v("ok")); // the store is still usable
            assertArrayEquals(v("ok"), store.get(k(1)));
        }
        Braid closed = Braid.open(dir);
        closed.close();
        assertThrows(StoreClosedException.class, () -> closed.blindPut(k(1), v("x")));
        assertThrows(StoreClosedException.class, () -> closed.blindDelete(k(1)));
    }

    // ---- blind delete over the tree --------------------------------------------------------------

    @Test
    void blindDeleteHidesACommittedTreeKeyAndRemovesItAtCommit() {
        try (Braid store = Braid.open(dir)) {
            for (int i = 0; i < 10; i++) {
                store.put(k(i), v("c" + i));
            }
            store.commit(META);
            store.blindDelete(k(4));
            assertNull(store.get(k(4)));
            assertEquals(9, store.count());
            NavigableMap<byte[], byte[]> want = newMap();
            for (int i = 0; i < 10; i++) {
                if (i != 4) {
                    want.put(k(i), v("c" + i));
                }
            }
            assertScan(want, store, KeyRange.all());
            assertScan(want.subMap(k(3), true, k(5), true), store, KeyRange.closed(k(3), k(5)));
            assertScan(want.subMap(k(4), true, k(4), true), store, KeyRange.closed(k(4), k(4)));

            store.commit(META);
            assertNull(store.get(k(4)));
            assertEquals(9, store.count());
            // the buffer is empty after the commit, so the tree alone says 9
            assertEquals(9, store.stats().entries(), "stats().entries() after the drain");
            assertEquals(List.of(), store.check());
        }
        try (Braid store = Braid.open(dir)) {
            assertNull(store.get(k(4)));
            assertEquals(9, store.count());
            assertEquals(9, store.stats().entries());
        }
    }

    /** {@link BraidStats#entries()} is documented as the exact number of keys, like {@link Braid#count()}. */
    @Test
    void statsEntriesCountsBufferedWrites() {
        try (Braid store = Braid.open(dir)) {
            for (int i = 0; i < 10; i++) {
                store.put(k(i), v("c" + i));
            }
            store.commit(META);
            store.blindDelete(k(1));
            store.blindPut(k(100), v("new"));
            store.blindPut(k(101), v("new"));
            assertEquals(11, store.count());
            assertEquals(store.count(), store.stats().entries(), "stats().entries() with buffered blind writes");
        }
    }

    // ---- the shadowing rule -----------------------------------------------------------------------

    @Test
    void treePutAfterBlindPutWins() {
        try (Braid store = Braid.open(dir)) {
            store.blindPut(k(1), v("v1"));
            store.put(k(1), v("v2"));
            assertArrayEquals(v("v2"), store.get(k(1)));
            assertScan(map(k(1), v("v2")), store, KeyRange.all());
            store.commit(META);
            assertArrayEquals(v("v2"), store.get(k(1)));
            assertEquals(1, store.count());
        }
        try (Braid store = Braid.open(dir)) {
            assertArrayEquals(v("v2"), store.get(k(1)));
        }
    }

    @Test
    void treePutAfterBlindPutOfACommittedKeyWins() {
        try (Braid store = Braid.open(dir)) {
            store.put(k(1), v("v0"));
            store.commit(META);
            store.blindPut(k(1), v("v1"));
            store.put(k(1), v("v2"));
            assertArrayEquals(v("v2"), store.get(k(1)));
            store.commit(META);
        }
        try (Braid store = Braid.open(dir)) {
            assertArrayEquals(v("v2"), store.get(k(1)));
            assertEquals(1, store.count());
        }
    }

    @Test
    void treePutAfterBlindDeleteRevivesTheKey() {
        try (Braid store = Braid.open(dir)) {
            store.put(k(1), v("v0"));
            store.commit(META);
            store.blindDelete(k(1));
            assertNull(store.get(k(1)));
            store.put(k(1), v("v"));
            assertArrayEquals(v("v"), store.get(k(1)));
            assertEquals(1, store.count());
            assertScan(map(k(1), v("v")), store, KeyRange.all());
            store.blindDelete(k(2)); // absent key
            store.put(k(2), v("w"));
            assertArrayEquals(v("w"), store.get(k(2)));
            assertEquals(2, store.count());
            store.commit(META);
            assertArrayEquals(v("v"), store.get(k(1)));
            assertArrayEquals(v("w"), store.get(k(2)));
        }
        try (Braid store = Braid.open(dir)) {
            assertAll(map(k(1), v("v"), k(2), v("w")), store);
        }
    }

    @Test
    void treeDeleteAfterBlindPutDeletes() {
        try (Braid store = Braid.open(dir)) {
            store.put(k(1), v("v0"));
            store.commit(META);
            store.blindPut(k(1), v("v1"));
            store.blindPut(k(2), v("v1"));
            store.delete(k(1));
            store.delete(k(2));
            assertNull(store.get(k(1)));
            assertNull(store.get(k(2)));
            assertEquals(0, store.count());
            store.commit(META);
            assertEquals(0, store.count());
        }
        try (Braid store = Braid.open(dir)) {
            assertAll(newMap(), store);
        }
    }

    @Test
    void blindPutAfterTreePutWins() {
        try (Braid store = Braid.open(dir)) {
            store.put(k(1), v("tree"));
            store.blindPut(k(1), v("blind"));
            assertArrayEquals(v("blind"), store.get(k(1)));
            store.commit(META);
            assertArrayEquals(v("blind"), store.get(k(1)));
        }
        try (Braid store = Braid.open(dir)) {
            assertArrayEquals(v("blind"), store.get(k(1)));
            assertEquals(1, store.count());
        }
    }

    @Test
    void shadowingHoldsInsideOneBatch() {
        try (Braid store = Braid.open(dir)) {
            store.write(new WriteBatch().blindPut(k(1), v("v1")).put(k(1), v("v2"))
                    .put(k(2), v("t")).blindPut(k(2), v("b")));
            assertArrayEquals(v("v2"), store.get(k(1)));
            assertArrayEquals(v("b"), store.get(k(2)));
            store.commit(META);
            assertArrayEquals(v("v2"), store.get(k(1)));
            assertArrayEquals(v("b"), store.get(k(2)));
        }
    }

    /** With a 1 KiB buffer the blind write reaches the tree at once; the later tree write still wins. */
    @Test
    void treeWriteAfterBlindWriteWinsWhenTheBufferDrainsInBetween() {
        BraidOptions opts = BraidOptions.builder().writeBufferBytes(1024).build();
        try (Braid store = Braid.open(dir, opts)) {
            store.blindPut(k(1), new byte[2000]); // past the limit: drained at once
            store.put(k(1), v("v2"));
            assertArrayEquals(v("v2"), store.get(k(1)));
            store.blindPut(k(2), v("v1"));
            store.blindPut(k(3), new byte[2000]); // drains k(2) with it
            store.put(k(2), v("v2"));
            assertArrayEquals(v("v2"), store.get(k(2)));
            store.commit(META);
            assertArrayEquals(v("v2"), store.get(k(1)));
            assertArrayEquals(v("v2"), store.get(k(2)));
        }
    }

    // ---- bulk loads --------------------------------------------------------------------------------

    /**
     * 200k random keys blind-written in random order into an empty store with 1 KiB pages; the buffer
     * is large enough to hold them all, so the commit builds the tree bottom-up in one pass.
     */
    @Test
    void bulkLoadOf200kKeysIntoAnEmptyStore() {
        BraidOptions opts = BraidOptions.builder()
                .pageSizeBytes(1024)
                .cacheBytes(128L << 20) // the buffer may take half of it: all 200k keys (about 26 MB) fit
                .writeBufferBytes(256L << 20)
                .backgroundCheckpoints(false)
                .build();
        Random rnd = new Random(200_000);
        NavigableMap<byte[], byte[]> want = newMap();
        while (want.size() < 200_000) {
            byte[] key = new byte[4 + rnd.nextInt(20)];
            rnd.nextBytes(key);
            byte[] value = new byte[rnd.nextInt(40)];
            rnd.nextBytes(value);
            want.put(key, value);
        }
        List<Map.Entry<byte[], byte[]>> shuffled = new ArrayList<>(want.entrySet());
        Collections.shuffle(shuffled, rnd);
        try (Braid store = Braid.open(dir, opts)) {
            long pagesBefore = store.stats().pageCount();
            for (Map.Entry<byte[], byte[]> e : shuffled) {
                store.blindPut(e.getKey(), e.getValue());
            }
            assertEquals(want.size(), store.count(), "count() before commit");
            store.commit(META);
            BraidStats stats = store.stats();
            System.out.println("bulk load of 200k keys: " + (stats.pageCount() - pagesBefore) + " new pages of "
                    + stats.pageSizeBytes() + " bytes, page file " + stats.pageFileBytes() + " bytes");
            assertEquals(List.of(), store.check(), "check() after the bulk load");
            assertEquals(want.size(), store.stats().entries());
            assertEveryKeyReadable(want, store);
            assertAll(want, store);
            assertScan(want.descendingMap(), store.reverseIterator(KeyRange.all()), "reverse full scan");
        }
        try (Braid store = Braid.open(dir, opts)) {
            assertEquals(List.of(), store.check(), "check() after reopen");
            assertEveryKeyReadable(want, store);
            assertAll(want, store);
            assertScan(want.descendingMap(), store.reverseIterator(KeyRange.all()), "reverse full scan");

            // mixed tree and blind writes on top of the bulk-built tree
            List<byte[]> keys = new ArrayList<>(want.keySet());
            for (int i = 0; i < 20_000; i++) {
                int p = rnd.nextInt(6);
                byte[] key = rnd.nextInt(3) == 0 ? randomKey(rnd) : keys.get(rnd.nextInt(keys.size()));
                byte[] value = new byte[rnd.nextInt(100)];
                rnd.nextBytes(value);
                switch (p) {
                    case 0 -> store.put(key, value);
                    case 1 -> store.blindPut(key, value);
                    case 2 -> store.delete(key);
                    case 3 -> store.blindDelete(key);
                    default -> {
                        store.blindPut(key, value);
                        value = new byte[] {(byte) i};
                        store.put(key, value); // through the buffer
                    }
                }
                if (p == 2 || p == 3) {
                    want.remove(key);
                } else {
                    want.put(key, value);
                }
                if (i % 5000 == 4999) {
                    assertEquals(want.size(), store.count());
                    store.commit(META);
                }
            }
            assertAll(want, store);
            assertEquals(List.of(), store.check());
        }
        try (Braid store = Braid.open(dir, opts)) {
            assertAll(want, store);
            assertEveryKeyReadable(want, store);
            assertEquals(List.of(), store.check());
        }
    }

    @Test
    void bulkLoadWithOverflowValuesEmptyValuesAndLongKeys() {
        BraidOptions opts = BraidOptions.builder().pageSizeBytes(1024).build();
        Random rnd = new Random(7);
        NavigableMap<byte[], byte[]> want = newMap();
        while (want.size() < 3000) {
            int p = rnd.nextInt(20);
            byte[] key = p == 0 ? new byte[300 + rnd.nextInt(5000)] : new byte[1 + rnd.nextInt(12)];
            rnd.nextBytes(key);
            int len = p == 1 || p == 2 ? 0 : p == 3 ? 1024 * (1 + rnd.nextInt(5)) + rnd.nextInt(1024)
                    : p == 4 ? 200 + rnd.nextInt(300) : rnd.nextInt(50);
            byte[] value = new byte[len];
            rnd.nextBytes(value);
            want.put(key, value);
        }
        List<Map.Entry<byte[], byte[]>> shuffled = new ArrayList<>(want.entrySet());
        Collections.shuffle(shuffled, rnd);
        try (Braid store = Braid.open(dir, opts)) {
            WriteBatch batch = new WriteBatch();
            for (Map.Entry<byte[], byte[]> e : shuffled) {
                batch.blindPut(e.getKey(), e.getValue());
            }
            store.write(batch);
            assertAll(want, store);
            store.commit(META);
            assertEquals(List.of(), store.check());
            assertEveryKeyReadable(want, store);
            assertAll(want, store);
        }
        try (Braid store = Braid.open(dir, opts)) {
            assertEquals(List.of(), store.check());
            assertEveryKeyReadable(want, store);
            assertAll(want, store);
            assertScan(want.descendingMap(), store.reverseIterator(KeyRange.all()), "reverse full scan");
        }
    }

    /** Deleting everything and committing leaves an empty tree, into which the next drain bulk-builds. */
    @Test
    void bulkLoadIntoAStoreEmptiedByDeletes() {
        BraidOptions opts = BraidOptions.builder().pageSizeBytes(512).cacheBytes(4 << 20).build();
        try (Braid store = Braid.open(dir, opts)) {
            for (int i = 0; i < 3000; i++) {
                store.put(k(i), v("old" + i));
            }
            store.commit(META);
            for (int i = 0; i < 3000; i++) {
                if (i % 2 == 0) {
                    store.delete(k(i));
                } else {
                    store.blindDelete(k(i));
                }
            }
            store.commit(META);
            assertEquals(0, store.count());
            NavigableMap<byte[], byte[]> want = newMap();
            for (int i = 5000; i > 1000; i--) {
                store.blindPut(k(i), v("new" + i));
                want.put(k(i), v("new" + i));
            }
            store.commit(META);
            assertEquals(List.of(), store.check());
            assertAll(want, store);
            assertEveryKeyReadable(want, store);
            for (int i = 0; i < 1000; i++) {
                assertNull(store.get(k(i)));
            }
        }
    }

    // ---- a full buffer drains mid-transaction ----------------------------------------------------

    @Test
    void oneKibBufferDrainsMidTransactionAndStaysCorrect() {
        BraidOptions opts = BraidOptions.builder()
                .pageSizeBytes(1024)
                .cacheBytes(256 * 1024)
                .writeBufferBytes(1024)
                .build();
        Random rnd = new Random(1024);
        NavigableMap<byte[], byte[]> want = newMap();
        try (Braid store = Braid.open(dir, opts)) {
            for (int round = 0; round < 3; round++) {
                for (int i = 0; i < 10_000; i++) {
                    byte[] key = k(rnd.nextInt(6000));
                    int p = rnd.nextInt(10);
                    if (p < 6) {
                        byte[] value = new byte[rnd.nextInt(p == 0 ? 3000 : 60)];
                        rnd.nextBytes(value);
                        store.blindPut(key, value);
                        want.put(key, value);
                    } else if (p < 8) {
                        store.blindDelete(key);
                        want.remove(key);
                    } else if (p < 9) {
                        byte[] value = v("tree" + i);
                        store.put(key, value);
                        want.put(key, value);
                    } else {
                        store.delete(key);
                        want.remove(key);
                    }
                    if (i % 1000 == 999) {
                        assertEquals(want.size(), store.count(), "count() mid-transaction, round " + round);
                        byte[] probe = k(rnd.nextInt(6000));
                        assertArrayEquals(want.get(probe), store.get(probe));
                    }
                }
                assertAll(want, store);
                store.commit(META);
                assertAll(want, store);
                assertEquals(List.of(), store.check(), "check() after round " + round);
            }
        }
        try (Braid store = Braid.open(dir, opts)) {
            assertAll(want, store);
            assertEveryKeyReadable(want, store);
            assertEquals(List.of(), store.check());
        }
    }

    // ---- iterators ---------------------------------------------------------------------------------

    /**
     * An open iterator while blind writes land behind and ahead of its position (and drain, with the
     * 1 KiB buffer or by a commit): keys behind never appear, nothing repeats, the order holds, and
     * writes well beyond its current batch are seen.
     */
    @ParameterizedTest(name = "reverse={0} tinyBuffer={1}")
    @CsvSource({"false,false", "true,false", "false,true", "true,true"})
    void openIteratorAcrossBlindWrites(boolean reverse, boolean tinyBuffer) {
        BraidOptions.Builder b = BraidOptions.builder().pageSizeBytes(1024);
        if (tinyBuffer) {
            b.writeBufferBytes(1024);
        }
        // committed: the even numbers 0..7998; position i counts from the walk's start
        int n = 4000;
        NavigableMap<byte[], byte[]> model = newMap();
        try (Braid store = Braid.open(dir, b.build())) {
            for (int i = 0; i < n; i++) {
                store.put(k(2 * i), v("c"));
                model.put(k(2 * i), v("c"));
            }
            store.commit(META);
            BraidIterator it = reverse ? store.reverseIterator(KeyRange.all()) : store.iterator(KeyRange.all());
            List<byte[]> seen = new ArrayList<>();
            for (int i = 0; i < 700; i++) {
                seen.add(it.next().key());
            }
            byte[] last = seen.get(seen.size() - 1);
            int lastNum = num(last);
            // Keys far ahead (more than 2 batches of up to 256 entries): the iterator must see these writes.
            int farAhead = reverse ? lastNum - 2 * 1100 : lastNum + 2 * 1100;
            Set<Integer> writtenBehind = new HashSet<>();
            for (int x = 0; x < 2 * n; x++) {
                if (x == n) {
                    store.commit(META); // drains the buffer while the iterator is open
                }
                boolean behind = reverse ? x > lastNum : x < lastNum;
                if (x % 2 == 1 && x % 3 == 0) { // new keys, behind and ahead
                    store.blindPut(k(x), v("new"));
                    model.put(k(x), v("new"));
                } else if (x % 2 == 0 && x % 5 == 0) { // deletes of committed keys
                    store.blindDelete(k(x));
                    model.remove(k(x));
                } else if (x % 2 == 0 && x % 7 == 0) { // overwrites
                    store.blindPut(k(x), v("over"));
                    model.put(k(x), v("over"));
                } else if (x % 2 == 1 && x % 11 == 0) { // blind, then a tree write through the buffer
                    store.blindPut(k(x), v("blind"));
                    store.put(k(x), v("tree"));
                    model.put(k(x), v("tree"));
                } else {
                    continue;
                }
                if (behind) {
                    writtenBehind.add(x);
                }
            }
            NavigableMap<byte[], byte[]> rest = newMap();
            byte[] prev = last;
            while (it.hasNext()) {
                Entry e = it.next();
                int c = Arrays.compareUnsigned(e.key(), prev);
                assertTrue(reverse ? c < 0 : c > 0, "order: " + num(e.key()) + " after " + num(prev));
                int x = num(e.key());
                assertFalse(writtenBehind.contains(x), "key " + x + " written behind the position appeared");
                boolean far = reverse ? x < farAhead : x > farAhead;
                if (far) {
                    assertArrayEquals(model.get(e.key()), e.value(), "value of " + x + " far ahead");
                } else if (model.get(e.key()) == null || !Arrays.equals(model.get(e.key()), e.value())) {
                    // near the position: the old committed value is allowed
                    assertTrue(x % 2 == 0 && Arrays.equals(v("c"), e.value()),
                            "value of " + x + " near the position: " + new String(e.value(), StandardCharsets.UTF_8));
                }
                assertNull(rest.put(e.key(), e.value()), "key " + x + " returned twice");
                prev = e.key();
            }
            it.close();
            NavigableMap<byte[], byte[]> farPart = reverse ? model.headMap(k(farAhead), false)
                    : model.tailMap(k(farAhead), false);
            NavigableMap<byte[], byte[]> seenFar = reverse ? rest.headMap(k(farAhead), false)
                    : rest.tailMap(k(farAhead), false);
            assertEquals(keys(farPart), keys(seenFar), "keys far ahead of the position");
            // the keys behind stay as they were returned; nothing behind was returned again
            for (byte[] key : seen) {
                assertFalse(rest.containsKey(key));
            }
            store.commit(META);
            assertAll(model, store);
        }
    }

    @Test
    void iteratorOverARangeWhoseKeysAreAllDeletedInTheBufferEndsEmpty() {
        try (Braid store = Braid.open(dir, BraidOptions.builder().pageSizeBytes(1024).build())) {
            for (int i = 0; i < 10_000; i++) {
                store.put(k(i), v("c" + i));
            }
            store.commit(META);
            for (int i = 2000; i < 8000; i++) {
                store.blindDelete(k(i)); // tombstones over tree keys
            }
            for (int i = 20_000; i < 30_000; i++) {
                store.blindDelete(k(i)); // tombstones of absent keys: nothing in the tree there
            }
            assertTimeoutPreemptively(Duration.ofSeconds(30), () -> {
                assertEmpty(store.iterator(KeyRange.of(k(2000), true, k(8000), false)), "forward over deleted keys");
                assertEmpty(store.reverseIterator(KeyRange.of(k(2000), true, k(8000), false)),
                        "reverse over deleted keys");
                assertEmpty(store.iterator(KeyRange.closed(k(20_000), k(29_999))), "forward over tombstones only");
                assertEmpty(store.reverseIterator(KeyRange.closed(k(20_000), k(29_999))),
                        "reverse over tombstones only");
                assertEmpty(store.iterator(KeyRange.of(k(10_000), true, null, false)), "forward from past the tree");
                assertEmpty(store.reverseIterator(KeyRange.of(k(10_000), true, null, false)),
                        "reverse down to past the tree");
                NavigableMap<byte[], byte[]> want = newMap();
                for (int i = 0; i < 10_000; i++) {
                    if (i < 2000 || i >= 8000) {
                        want.put(k(i), v("c" + i));
                    }
                }
                assertScan(want, store.iterator(KeyRange.all()), "full scan");
                assertScan(want.descendingMap(), store.reverseIterator(KeyRange.all()), "reverse full scan");
            });
            assertEquals(4000, store.count());
        }
    }

    // ---- count ------------------------------------------------------------------------------------

    @Test
    void countIsExactWithOverwritesNewKeysAndDeletesInTheBuffer() {
        try (Braid store = Braid.open(dir)) {
            for (int i = 0; i < 100; i++) {
                store.put(k(i), v("c"));
            }
            store.commit(META);
            long want = 100;
            for (int i = 0; i < 20; i++) {
                store.blindPut(k(i), v("over")); // overwrites of tree keys: +0
            }
            for (int i = 100; i < 130; i++) {
                store.blindPut(k(i), v("new")); // new keys: +30
            }
            want += 30;
            for (int i = 20; i < 35; i++) {
                store.blindDelete(k(i)); // deletes of tree keys: -15
            }
            want -= 15;
            for (int i = 1000; i < 1040; i++) {
                store.blindDelete(k(i)); // deletes of absent keys: +0
            }
            store.blindPut(k(2000), v("x"));
            store.blindDelete(k(2000)); // a new key put then deleted: +0
            store.blindDelete(k(40));
            store.blindPut(k(40), v("back")); // a tree key deleted then put back: +0
            store.blindDelete(k(0)); // an overwritten tree key deleted: -1
            want -= 1;
            store.blindDelete(k(100));
            store.blindDelete(k(100)); // a new key deleted twice: -1
            want -= 1;
            assertEquals(want, store.count(), "count() with a mixed buffer");
            assertEquals(want, countByScan(store));
            store.commit(META);
            assertEquals(want, store.count(), "count() after the drain");
            assertEquals(want, countByScan(store));
        }
        try (Braid store = Braid.open(dir)) {
            assertEquals(113, store.count());
        }
    }

    // ---- the cache budget --------------------------------------------------------------------------

    /**
     * The buffer counts against the cache budget ({@link BraidOptions.Builder#writeBufferBytes}), and
     * the budget bounds clean and dirty pages ({@link BraidCache}): with a buffer well inside the
     * budget, a shared cache never holds more than its capacity while blind writes fill, drain and
     * commit.
     */
    @Test
    void sharedCacheStaysWithinCapacityWithABufferInsideTheBudget() {
        BraidCache cache = BraidCache.ofBytes(1 << 20);
        Path other = dir.resolve("other");
        try (Braid reader = Braid.open(other, BraidOptions.builder().cache(cache).build());
                Braid store = Braid.open(dir.resolve("blind"),
                        BraidOptions.builder().cache(cache).writeBufferBytes(192 * 1024).build())) {
            for (int i = 0; i < 20_000; i++) {
                reader.put(k(i), new byte[100]);
            }
            reader.commit(META);
            Random rnd = new Random(3);
            long peak = 0;
            for (int i = 0; i < 40_000; i++) {
                byte[] value = new byte[rnd.nextInt(300)];
                store.blindPut(k(rnd.nextInt(100_000)), value);
                if (i % 7 == 0) {
                    reader.get(k(rnd.nextInt(20_000))); // keeps clean pages coming into the cache
                }
                if (i % 10_000 == 9_999) {
                    store.commit(META);
                }
                long used = cache.usedBytes();
                peak = Math.max(peak, used);
                assertTrue(used <= cache.capacityBytes(),
                        "usedBytes " + used + " > capacity " + cache.capacityBytes() + " after blind write " + i);
            }
            System.out.println("buffer inside the budget: usedBytes peaked at " + peak + " of "
                    + cache.capacityBytes());
            assertEquals(List.of(), store.check());
        }
    }

    /**
     * A buffer larger than the cache is accepted; the engine caps it at half the cache budget (it is
     * charged to that budget, README: writeBufferBytes), so it drains long before its configured
     * size, and the budget promise of {@link BraidCache} (clean plus dirty pages within capacity)
     * holds as with a small buffer. Both stores sharing the cache keep reading correctly.
     */
    @Test
    void bufferLargerThanTheCacheIsCappedAndTheCacheStaysWithinCapacity() {
        BraidCache cache = BraidCache.ofBytes(1 << 20);
        long bufferLimit = 8L << 20;
        try (Braid reader = Braid.open(dir.resolve("other"), BraidOptions.builder().cache(cache).build());
                Braid store = Braid.open(dir.resolve("blind"),
                        BraidOptions.builder().cache(cache).writeBufferBytes(bufferLimit).build())) {
            NavigableMap<byte[], byte[]> want = newMap();
            for (int i = 0; i < 10_000; i++) {
                reader.put(k(i), v("r" + i));
            }
            reader.commit(META);
            long pagesBefore = store.stats().pageCount();
            Random rnd = new Random(4);
            long peak = 0;
            long firstOver = -1;
            for (int i = 0; i < 20_000; i++) { // about 5 MiB of buffer: more than the cache, below the limit
                byte[] value = new byte[100 + rnd.nextInt(300)];
                rnd.nextBytes(value);
                byte[] key = k(rnd.nextInt(1_000_000));
                store.blindPut(key, value);
                want.put(key, value);
                long used = cache.usedBytes();
                peak = Math.max(peak, used);
                if (used > cache.capacityBytes() && firstOver < 0) {
                    firstOver = i;
                }
                if (i % 50 == 0) {
                    assertArrayEquals(v("r" + (i % 10_000)), reader.get(k(i % 10_000)), "the other store's reads");
                }
            }
            long pagesBeforeCommit = store.stats().pageCount();
            System.out.println("buffer larger than the cache (" + bufferLimit + " > " + cache.capacityBytes()
                    + "): usedBytes peaked at " + peak + " before the commit; " + (pagesBeforeCommit - pagesBefore)
                    + " pages allocated before the commit (buffer drained mid-transaction)");
            assertTrue(pagesBeforeCommit > pagesBefore,
                    "the buffer, capped at half the cache, should have drained into the tree before the commit");
            assertAll(want, store);
            store.commit(META);
            assertAll(want, store);
            assertEquals(List.of(), store.check());
            for (int i = 0; i < 10_000; i += 97) {
                assertArrayEquals(v("r" + i), reader.get(k(i)));
            }
            assertTrue(cache.usedBytes() <= cache.capacityBytes(), "usedBytes after the commit");
            assertTrue(firstOver < 0, "usedBytes " + peak + " > capacity " + cache.capacityBytes()
                    + " (first after blind write " + firstOver + ")");
        }
    }

    // ---- helpers ---------------------------------------------------------------------------------

    /** Key i as 4 big-endian bytes: unsigned order is numeric order. */
    private static byte[] k(int i) {
        return new byte[] {(byte) (i >>> 24), (byte) (i >>> 16), (byte) (i >>> 8), (byte) i};
    }

    private static int num(byte[] key) {
        return ((key[0] & 0xFF) << 24) | ((key[1] & 0xFF) << 16) | ((key[2] & 0xFF) << 8) | (key[3] & 0xFF);
    }

    private static byte[] v(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] randomKey(Random rnd) {
        byte[] key = new byte[4 + rnd.nextInt(20)];
        rnd.nextBytes(key);
        return key;
    }

    private static NavigableMap<byte[], byte[]> newMap() {
        return new TreeMap<>(Arrays::compareUnsigned);
    }

    private static NavigableMap<byte[], byte[]> map(byte[]... kv) {
        NavigableMap<byte[], byte[]> m = newMap();
        for (int i = 0; i < kv.length; i += 2) {
            m.put(kv[i], kv[i + 1]);
        }
        return m;
    }

    private static List<String> keys(NavigableMap<byte[], byte[]> m) {
        List<String> out = new ArrayList<>();
        for (byte[] key : m.keySet()) {
            out.add(RandomModelTest.hex(key));
        }
        return out;
    }

    /** count(), and full scans both ways, against {@code want}. */
    private static void assertAll(NavigableMap<byte[], byte[]> want, Braid store) {
        assertEquals(want.size(), store.count(), "count()");
        assertScan(want, store.iterator(KeyRange.all()), "full scan");
        assertScan(want.descendingMap(), store.reverseIterator(KeyRange.all()), "reverse full scan");
    }

    /** A range scanned both ways against {@code want} (already cut to the range). */
    private static void assertScan(NavigableMap<byte[], byte[]> want, Braid store, KeyRange range) {
        assertScan(want, store.iterator(range), "scan");
        assertScan(want.descendingMap(), store.reverseIterator(range), "reverse scan");
    }

    private static void assertScan(NavigableMap<byte[], byte[]> want, BraidIterator iterator, String what) {
        try (BraidIterator it = iterator) {
            Iterator<Map.Entry<byte[], byte[]>> w = want.entrySet().iterator();
            int i = 0;
            while (w.hasNext()) {
                Map.Entry<byte[], byte[]> e = w.next();
                int index = i++;
                assertTrue(it.hasNext(), () -> what + ": ended after " + index + " of " + want.size()
                        + " entries; missing " + RandomModelTest.hex(e.getKey()));
                Entry got = it.next();
                if (!Arrays.equals(e.getKey(), got.key())) {
                    fail(what + ": entry #" + index + " is " + RandomModelTest.hex(got.key()) + ", expected "
                            + RandomModelTest.hex(e.getKey()));
                }
                if (!Arrays.equals(e.getValue(), got.value())) {
                    fail(what + ": value of " + RandomModelTest.hex(got.key()) + " has " + got.value().length
                            + " bytes, expected " + e.getValue().length);
                }
            }
            if (it.hasNext()) {
                fail(what + ": more than the " + want.size() + " expected entries, next "
                        + RandomModelTest.hex(it.next().key()));
            }
        }
    }

    private static void assertEmpty(BraidIterator iterator, String what) {
        try (BraidIterator it = iterator) {
            if (it.hasNext()) {
                fail(what + ": returned " + RandomModelTest.hex(it.next().key()));
            }
        }
    }

    private static void assertEveryKeyReadable(NavigableMap<byte[], byte[]> want, Braid store) {
        for (Map.Entry<byte[], byte[]> e : want.entrySet()) {
            byte[] got = store.get(e.getKey());
            assertNotNull(got, () -> "get " + RandomModelTest.hex(e.getKey()) + " returned null");
            if (!Arrays.equals(e.getValue(), got)) {
                fail("get " + RandomModelTest.hex(e.getKey()) + ": " + got.length + " bytes, expected "
                        + e.getValue().length);
            }
        }
    }

    private static long countByScan(Braid store) {
        long n = 0;
        try (BraidIterator it = store.iterator(KeyRange.all())) {
            while (it.hasNext()) {
                it.next();
                n++;
            }
        }
        return n;
    }
}
