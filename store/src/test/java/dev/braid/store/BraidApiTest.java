package dev.braid.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Contract tests of the public API, one behaviour each. */
class BraidApiTest {
    private static final byte[] V = {42};

    @TempDir
    Path dir;

    // ---- argument checks -------------------------------------------------------------------------

    @Test
    void nullKeyIsRejected() {
        try (Braid store = Braid.open(dir)) {
            assertThrows(NullPointerException.class, () -> store.put(null, V));
            assertThrows(NullPointerException.class, () -> store.get(null));
            assertThrows(NullPointerException.class, () -> store.delete(null));
            assertThrows(NullPointerException.class, () -> new WriteBatch().put(null, V));
            assertThrows(NullPointerException.class, () -> new WriteBatch().delete(null));
            assertEquals(0, store.count());
        }
    }

    @Test
    void nullValueIsRejected() {
        try (Braid store = Braid.open(dir)) {
            assertThrows(NullPointerException.class, () -> store.put(k(1), null));
            assertThrows(NullPointerException.class, () -> new WriteBatch().put(k(1), null));
            assertNull(store.get(k(1)));
        }
    }

    @Test
    void keyOverTheLimitIsRejected() {
        byte[] tooLong = new byte[Braid.MAX_KEY_BYTES + 1];
        try (Braid store = Braid.open(dir)) {
            assertThrows(IllegalArgumentException.class, () -> store.put(tooLong, V));
            assertThrows(IllegalArgumentException.class, () -> store.get(tooLong));
            assertThrows(IllegalArgumentException.class, () -> store.delete(tooLong));
            assertEquals(0, store.count());
        }
    }

    @Test
    void batchWithAnOversizedKeyAppliesNothing() {
        WriteBatch batch = new WriteBatch().put(k(1), V).put(new byte[Braid.MAX_KEY_BYTES + 1], V).put(k(2), V);
        try (Braid store = Braid.open(dir)) {
            assertThrows(IllegalArgumentException.class, () -> store.write(batch));
            assertNull(store.get(k(1)));
            assertEquals(0, store.count());
        }
    }

    @Test
    void valueOverTheLimitIsRejected() {
        // allocating a 2 GiB array takes seconds: opt in with -Dbraid.soak=true
        assumeTrue(Boolean.getBoolean("braid.soak"), "soak only");
        assumeTrue(Runtime.getRuntime().maxMemory() > 5L << 30, "needs a heap that holds a 2 GiB array");
        byte[] tooLong = new byte[Braid.MAX_VALUE_BYTES + 1];
        try (Braid store = Braid.open(dir)) {
            assertThrows(IllegalArgumentException.class, () -> store.put(k(1), tooLong));
            assertNull(store.get(k(1)));
        }
    }

    @Test
    void optionsRejectOutOfRangeSettings() {
        for (int bad : new int[] {0, 256, 511, 1000, 3 * 1024, 128 * 1024}) {
            assertThrows(IllegalArgumentException.class, () -> BraidOptions.builder().pageSizeBytes(bad), "page " + bad);
        }
        for (int good : new int[] {512, 1024, 4096, 65536}) {
            assertEquals(good, BraidOptions.builder().pageSizeBytes(good).build().pageSizeBytes());
        }
        assertThrows(IllegalArgumentException.class, () -> BraidOptions.builder().cacheBytes(64 * 1024 - 1));
        assertThrows(IllegalArgumentException.class, () -> BraidCache.ofBytes(64 * 1024 - 1));
        assertThrows(IllegalArgumentException.class, () -> BraidOptions.builder().checkpointLogBytes(0));
        assertThrows(IllegalArgumentException.class, () -> BraidOptions.builder().maxLogBytes(0));
        assertThrows(NullPointerException.class, () -> BraidOptions.builder().cache(null));
        assertThrows(NullPointerException.class, () -> BraidOptions.builder().durability(null));
    }

    // ---- edge sizes ------------------------------------------------------------------------------

    @Test
    void emptyKeyIsAnOrdinaryKeyThatSortsFirst() {
        byte[] empty = new byte[0];
        try (Braid store = Braid.open(dir)) {
            store.put(k(0), V);
            store.put(empty, bytes("empty key"));
            assertArrayEquals(bytes("empty key"), store.get(empty));
            assertEquals(List.of("", "00"), keys(store.iterator(KeyRange.all())));
            assertEquals(List.of("00", ""), keys(store.reverseIterator(KeyRange.all())));
            assertEquals(List.of("00"), keys(store.iterator(KeyRange.of(empty, false, null, true))));
            assertEquals(List.of(""), keys(store.iterator(KeyRange.closed(null, empty))));
            store.commit(Map.of());
        }
        try (Braid store = Braid.open(dir)) {
            assertArrayEquals(bytes("empty key"), store.get(empty));
            store.delete(empty);
            assertNull(store.get(empty));
            assertEquals(1, store.count());
        }
    }

    @Test
    void emptyValueIsDistinctFromAbsent() {
        try (Braid store = Braid.open(dir)) {
            store.put(k(1), new byte[0]);
            store.write(new WriteBatch().put(k(2), new byte[0]));
            assertArrayEquals(new byte[0], store.get(k(1)));
            assertArrayEquals(new byte[0], store.get(k(2)));
            assertEquals(2, store.count());
            store.commit(Map.of());
        }
        try (Braid store = Braid.open(dir)) {
            assertArrayEquals(new byte[0], store.get(k(1)));
            List<Entry> all = entries(store.iterator(KeyRange.all()));
            assertEquals(2, all.size());
            assertArrayEquals(new byte[0], all.get(0).value());
        }
    }

    @Test
    void largestKeyRoundTripsAndSurvivesReopen() {
        byte[] big = random(Braid.MAX_KEY_BYTES, 1);
        byte[] sibling = Arrays.copyOf(big, Braid.MAX_KEY_BYTES - 1); // shares all but the last byte
        try (Braid store = Braid.open(dir, BraidOptions.builder().pageSizeBytes(4096).build())) {
            store.put(big, bytes("big"));
            store.put(sibling, bytes("sibling"));
            store.put(k(1), V);
            assertArrayEquals(bytes("big"), store.get(big));
            store.commit(Map.of());
        }
        try (Braid store = Braid.open(dir)) {
            assertArrayEquals(bytes("big"), store.get(big));
            assertArrayEquals(bytes("sibling"), store.get(sibling));
            List<Entry> prefixed = entries(store.iterator(KeyRange.prefix(sibling)));
            assertEquals(2, prefixed.size());
            assertArrayEquals(sibling, prefixed.get(0).key());
            assertArrayEquals(big, prefixed.get(1).key());
            assertEquals(List.of(), store.check());
        }
    }

    @Test
    void sixtyFourMebibyteValueRoundTripsAndSurvivesReopen() {
        byte[] huge = random(64 << 20, 2);
        try (Braid store = Braid.open(dir)) {
            store.put(k(1), V);
            store.put(k(2), huge);
            store.put(k(3), V);
            assertArrayEquals(huge, store.get(k(2)));
            store.commit(Map.of());
        }
        try (Braid store = Braid.open(dir)) {
            assertArrayEquals(huge, store.get(k(2)));
            assertArrayEquals(V, store.get(k(1)));
            assertArrayEquals(V, store.get(k(3)));
            List<Entry> all = entries(store.iterator(KeyRange.all()));
            assertEquals(3, all.size());
            assertArrayEquals(huge, all.get(1).value());
            assertEquals(List.of(), store.check());
        }
    }

    @Test
    void largeValueOverwrittenBySmallOneFreesItsPages() {
        BraidOptions options = BraidOptions.builder().pageSizeBytes(4096).backgroundCheckpoints(false).build();
        try (Braid store = Braid.open(dir, options)) {
            for (int round = 0; round < 10; round++) {
                store.put(k(1), random(4 << 20, round));
                store.commit(Map.of());
                store.put(k(1), V);
                store.commit(Map.of());
                store.checkpoint();
            }
            assertArrayEquals(V, store.get(k(1)));
            assertTrue(store.stats().pageFileBytes() < 12L << 20,
                    "ten 4 MiB values written in turn should reuse the pages: " + store.stats());
            assertEquals(List.of(), store.check());
        }
    }

    // ---- ordering and ranges ---------------------------------------------------------------------

    @Test
    void keysCompareAsUnsignedBytes() {
        try (Braid store = Braid.open(dir)) {
            for (byte[] key : List.of(k(0xFF), k(0x80), k(0x7F), k(0x00), k(0x80, 0x00), k(0x7F, 0xFF), k(0x01))) {
                store.put(key, V);
            }
            assertEquals(List.of("00", "01", "7f", "7fff", "80", "8000", "ff"), keys(store.iterator(KeyRange.all())));
        }
    }

    @Test
    void closedRangeIncludesBothBounds() {
        try (Braid store = tenKeys()) {
            assertEquals(List.of("20", "30", "40"), keys(store.iterator(KeyRange.closed(k(0x20), k(0x40)))));
            assertEquals(List.of("40", "30", "20"), keys(store.reverseIterator(KeyRange.closed(k(0x20), k(0x40)))));
        }
    }

    @Test
    void exclusiveBoundsExcludeTheirKeys() {
        try (Braid store = tenKeys()) {
            assertEquals(List.of("30", "40"), keys(store.iterator(KeyRange.of(k(0x20), false, k(0x40), true))));
            assertEquals(List.of("20", "30"), keys(store.iterator(KeyRange.of(k(0x20), true, k(0x40), false))));
            assertEquals(List.of("30"), keys(store.iterator(KeyRange.of(k(0x20), false, k(0x40), false))));
            assertEquals(List.of("40", "30"),
                    keys(store.reverseIterator(KeyRange.of(k(0x20), false, k(0x40), true))));
            assertEquals(List.of("30", "20"),
                    keys(store.reverseIterator(KeyRange.of(k(0x20), true, k(0x40), false))));
            assertEquals(List.of("30"), keys(store.reverseIterator(KeyRange.of(k(0x20), false, k(0x40), false))));
        }
    }

    @Test
    void boundsBetweenKeysSelectTheKeysInside() {
        try (Braid store = tenKeys()) {
            for (boolean inclusive : new boolean[] {true, false}) {
                KeyRange r = KeyRange.of(k(0x25), inclusive, k(0x55), inclusive);
                assertEquals(List.of("30", "40", "50"), keys(store.iterator(r)));
                assertEquals(List.of("50", "40", "30"), keys(store.reverseIterator(r)));
            }
            // a longer key sorts after its prefix
            assertEquals(List.of("30"), keys(store.iterator(KeyRange.closed(k(0x20, 0x00), k(0x30)))));
        }
    }

    @Test
    void openBoundsReachTheEnds() {
        try (Braid store = tenKeys()) {
            assertEquals(List.of("00", "10", "20"), keys(store.iterator(KeyRange.closed(null, k(0x20)))));
            assertEquals(List.of("00", "10"), keys(store.iterator(KeyRange.of(null, false, k(0x20), false))));
            assertEquals(List.of("80", "90"), keys(store.iterator(KeyRange.closed(k(0x80), null))));
            assertEquals(List.of("90"), keys(store.iterator(KeyRange.of(k(0x80), false, null, false))));
            assertEquals(List.of("20", "10", "00"), keys(store.reverseIterator(KeyRange.closed(null, k(0x20)))));
            assertEquals(List.of("90", "80"), keys(store.reverseIterator(KeyRange.closed(k(0x80), null))));
            assertEquals(10, keys(store.iterator(KeyRange.closed(null, null))).size());
            assertEquals(10, keys(store.reverseIterator(KeyRange.all())).size());
        }
    }

    @Test
    void fromAboveToGivesNothingInEitherDirection() {
        try (Braid store = tenKeys()) {
            KeyRange inverted = KeyRange.closed(k(0x50), k(0x20));
            assertTrue(inverted.isEmpty());
            assertEquals(List.of(), keys(store.iterator(inverted)));
            assertEquals(List.of(), keys(store.reverseIterator(inverted)));
            KeyRange pointExclusive = KeyRange.of(k(0x50), true, k(0x50), false);
            assertEquals(List.of(), keys(store.iterator(pointExclusive)));
            assertEquals(List.of(), keys(store.reverseIterator(pointExclusive)));
            KeyRange point = KeyRange.closed(k(0x50), k(0x50));
            assertEquals(List.of("50"), keys(store.iterator(point)));
            assertEquals(List.of("50"), keys(store.reverseIterator(point)));
        }
    }

    @Test
    void rangeOutsideTheKeysIsEmpty() {
        try (Braid store = tenKeys()) {
            assertEquals(List.of(), keys(store.iterator(KeyRange.closed(k(0xA0), null))));
            assertEquals(List.of(), keys(store.reverseIterator(KeyRange.of(null, true, k(0x00), false))));
        }
        try (Braid empty = Braid.open(dir.resolve("empty"))) {
            assertEquals(List.of(), keys(empty.iterator(KeyRange.all())));
            assertEquals(List.of(), keys(empty.reverseIterator(KeyRange.all())));
        }
    }

    @Test
    void prefixScanReturnsExactlyTheKeysWithThePrefix() {
        try (Braid store = Braid.open(dir)) {
            for (byte[] key : List.of(k(0x61), k(0x61, 0x00), k(0x61, 0x62), k(0x61, 0xFF, 0xFF), k(0x62),
                    k(0x60, 0xFF), k(0x62, 0x00))) {
                store.put(key, V);
            }
            assertEquals(List.of("61", "6100", "6162", "61ffff"), keys(store.iterator(KeyRange.prefix(k(0x61)))));
            assertEquals(List.of("61ffff", "6162", "6100", "61"),
                    keys(store.reverseIterator(KeyRange.prefix(k(0x61)))));
            assertEquals(List.of("61ffff"), keys(store.iterator(KeyRange.prefix(k(0x61, 0xFF)))));
            assertEquals(List.of(), keys(store.iterator(KeyRange.prefix(k(0x63)))));
        }
    }

    @Test
    void prefixOfFfBytesHasNoUpperBound() {
        try (Braid store = Braid.open(dir)) {
            for (byte[] key : List.of(k(0xFE, 0xFF), k(0xFF), k(0xFF, 0x00), k(0xFF, 0xFF), k(0xFF, 0xFF, 0x00),
                    k(0xFF, 0xFF, 0xFF, 0xFF), k(0x00))) {
                store.put(key, V);
            }
            assertEquals(List.of("ff", "ff00", "ffff", "ffff00", "ffffffff"),
                    keys(store.iterator(KeyRange.prefix(k(0xFF)))));
            assertEquals(List.of("ffff", "ffff00", "ffffffff"), keys(store.iterator(KeyRange.prefix(k(0xFF, 0xFF)))));
            assertEquals(List.of("ffffffff", "ffff00", "ffff"),
                    keys(store.reverseIterator(KeyRange.prefix(k(0xFF, 0xFF)))));
            assertEquals(List.of("ffffffff"), keys(store.iterator(KeyRange.prefix(k(0xFF, 0xFF, 0xFF)))));
        }
    }

    @Test
    void emptyPrefixIsEveryKey() {
        try (Braid store = tenKeys()) {
            store.put(new byte[0], V);
            assertEquals(11, keys(store.iterator(KeyRange.prefix(new byte[0]))).size());
            assertEquals(11, keys(store.reverseIterator(KeyRange.prefix(new byte[0]))).size());
        }
    }

    @Test
    void rangeBoundsAreCopied() {
        try (Braid store = tenKeys()) {
            byte[] from = k(0x20);
            byte[] to = k(0x40);
            KeyRange range = KeyRange.closed(from, to);
            from[0] = 0x00;
            to[0] = (byte) 0x90;
            assertEquals(List.of("20", "30", "40"), keys(store.iterator(range)));
        }
    }

    @Test
    void scansLongerThanOneInternalBatchSeeEveryKeyOnce() {
        try (Braid store = Braid.open(dir, BraidOptions.builder().pageSizeBytes(512).build())) {
            for (int i = 0; i < 5_000; i++) {
                store.put(intKey(i), bytes("v" + i));
            }
            List<Entry> forward = entries(store.iterator(KeyRange.all()));
            assertEquals(5_000, forward.size());
            for (int i = 0; i < forward.size(); i++) {
                assertArrayEquals(intKey(i), forward.get(i).key());
                assertArrayEquals(bytes("v" + i), forward.get(i).value());
            }
            List<Entry> backward = entries(store.reverseIterator(KeyRange.closed(intKey(100), intKey(4_899))));
            assertEquals(4_800, backward.size());
            assertArrayEquals(intKey(4_899), backward.get(0).key());
            assertArrayEquals(intKey(100), backward.get(4_799).key());
        }
    }

    // ---- iterators under writes ------------------------------------------------------------------

    @Test
    void iteratorSeesWritesFarAheadAndNotBehind() {
        try (Braid store = evenKeys(2_000)) {
            try (BraidIterator it = store.iterator(KeyRange.all())) {
                List<Integer> seen = new ArrayList<>();
                for (int i = 0; i < 10; i++) {
                    seen.add(intOf(it.next().key()));
                }
                store.put(intKey(1), bytes("behind")); // already passed
                store.put(intKey(3_001), bytes("ahead")); // far beyond anything an internal batch holds
                store.delete(intKey(3_200));
                store.put(intKey(3_400), bytes("overwritten"));
                List<Entry> rest = entries(it);
                rest.forEach(e -> seen.add(intOf(e.key())));
                assertStrictlyAscending(seen);
                assertFalse(seen.contains(1), "a key written behind the position must not be seen");
                assertTrue(seen.contains(3_001), "a key written far ahead of the position must be seen");
                assertFalse(seen.contains(3_200), "a key deleted far ahead of the position must not be seen");
                assertArrayEquals(bytes("overwritten"), valueOf(rest, 3_400));
                assertEquals(2_000, seen.size(), "one key deleted ahead, one inserted ahead");
            }
        }
    }

    @Test
    void reverseIteratorSeesWritesFarAheadAndNotBehind() {
        try (Braid store = evenKeys(2_000)) {
            try (BraidIterator it = store.reverseIterator(KeyRange.all())) {
                List<Integer> seen = new ArrayList<>();
                for (int i = 0; i < 10; i++) {
                    seen.add(intOf(it.next().key()));
                }
                store.put(intKey(3_999), bytes("behind"));
                store.put(intKey(501), bytes("ahead"));
                store.delete(intKey(300));
                List<Entry> rest = entries(it);
                rest.forEach(e -> seen.add(intOf(e.key())));
                List<Integer> ascending = new ArrayList<>(seen);
                Collections.reverse(ascending);
                assertStrictlyAscending(ascending);
                assertFalse(seen.contains(3_999));
                assertTrue(seen.contains(501));
                assertFalse(seen.contains(300));
                assertEquals(2_000, seen.size());
            }
        }
    }

    @Test
    void deletingTheNextKeyDoesNotDerailTheIterator() {
        try (Braid store = evenKeys(1_000)) {
            try (BraidIterator it = store.iterator(KeyRange.all())) {
                List<Integer> seen = new ArrayList<>();
                for (int i = 0; i < 300; i++) {
                    int next = intOf(it.peekNextKey());
                    store.delete(intKey(next));
                    store.delete(intKey(next + 2));
                    seen.add(intOf(it.next().key()));
                }
                entries(it).forEach(e -> seen.add(intOf(e.key())));
                assertStrictlyAscending(seen);
                assertTrue(seen.contains(1_998), "the walk reaches the end");
            }
            assertEquals(List.of(), store.check());
        }
    }

    @Test
    void deletingEverythingAheadEndsTheIteratorCleanly() {
        try (Braid store = evenKeys(1_000)) {
            try (BraidIterator it = store.iterator(KeyRange.all())) {
                it.next();
                for (int i = 0; i < 1_000; i++) {
                    store.delete(intKey(2 * i));
                }
                List<Integer> rest = new ArrayList<>();
                entries(it).forEach(e -> rest.add(intOf(e.key())));
                assertStrictlyAscending(rest);
                assertTrue(rest.size() < 999, "most deleted keys must not be returned: " + rest.size());
            }
            assertEquals(0, store.count());
        }
    }

    @Test
    void iteratorSurvivesSplitsAheadAndCommitsAndCheckpoints() {
        BraidOptions tiny = BraidOptions.builder().pageSizeBytes(512).cacheBytes(64 * 1024)
                .checkpointLogBytes(4 * 1024).maxLogBytes(16 * 1024).build();
        try (Braid store = Braid.open(dir, tiny)) {
            for (int i = 0; i < 2_000; i++) {
                store.put(intKey(10 * i), bytes("old"));
            }
            store.commit(Map.of());
            try (BraidIterator it = store.iterator(KeyRange.all())) {
                List<Integer> seen = new ArrayList<>();
                int written = 0;
                while (it.hasNext()) {
                    seen.add(intOf(it.next().key()));
                    if (written < 5_000 && seen.size() % 10 == 0) {
                        // insert a dense run well ahead of the position: splits pages the iterator will reach
                        int base = seen.get(seen.size() - 1) + 5_000;
                        for (int j = 1; j < 10; j++) {
                            store.put(intKey(base + j), bytes("new"));
                            written++;
                        }
                        store.commit(Map.of("written", Integer.toString(written)));
                        if (seen.size() % 100 == 0) {
                            store.checkpoint();
                        }
                    }
                }
                assertStrictlyAscending(seen);
                Set<Integer> seenSet = new HashSet<>(seen);
                for (int i = 0; i < 2_000; i++) {
                    assertTrue(seenSet.contains(10 * i), "original key " + 10 * i + " skipped");
                }
            }
            assertEquals(List.of(), store.check());
        }
    }

    @Test
    void closingTheStoreClosesItsIterators() {
        Braid store = tenKeys();
        BraidIterator forward = store.iterator(KeyRange.all());
        BraidIterator backward = store.reverseIterator(KeyRange.all());
        forward.next();
        store.close();
        assertThrows(StoreClosedException.class, forward::hasNext);
        assertThrows(StoreClosedException.class, backward::hasNext);
        assertThrows(StoreClosedException.class, forward::next);
        assertDoesNotThrow(forward::close);
    }

    @Test
    void closedIteratorThrowsAndClosesIdempotently() {
        try (Braid store = tenKeys()) {
            BraidIterator it = store.iterator(KeyRange.all());
            it.next();
            it.close();
            assertThrows(StoreClosedException.class, it::hasNext);
            assertDoesNotThrow(it::close);
            assertEquals(10, keys(store.iterator(KeyRange.all())).size(), "the store is unaffected");
        }
    }

    @Test
    void returnedArraysBelongToTheCaller() {
        try (Braid store = Braid.open(dir)) {
            byte[] key = k(1);
            byte[] value = bytes("value");
            store.put(key, value);
            key[0] = 2;
            value[0] = 'X';
            assertArrayEquals(bytes("value"), store.get(k(1)), "put must not keep the caller's arrays");
            assertNull(store.get(k(2)));
            store.get(k(1))[0] = 'Y';
            try (BraidIterator it = store.iterator(KeyRange.all())) {
                Entry e = it.next();
                e.value()[0] = 'Z';
                e.key()[0] = 9;
            }
            assertArrayEquals(bytes("value"), store.get(k(1)));
            assertEquals(List.of("01"), keys(store.iterator(KeyRange.all())));
        }
    }

    // ---- batches ---------------------------------------------------------------------------------

    @Test
    void batchAppliesInOrderAndTheLastWriteOfAKeyWins() {
        try (Braid store = Braid.open(dir)) {
            store.put(k(4), V);
            store.write(new WriteBatch()
                    .put(k(1), bytes("a")).put(k(1), bytes("b"))
                    .put(k(2), bytes("a")).delete(k(2))
                    .delete(k(3)).put(k(3), bytes("c"))
                    .delete(k(4)).put(k(4), bytes("d")).delete(k(4)));
            assertArrayEquals(bytes("b"), store.get(k(1)));
            assertNull(store.get(k(2)));
            assertArrayEquals(bytes("c"), store.get(k(3)));
            assertNull(store.get(k(4)));
            assertEquals(2, store.count());
        }
    }

    @Test
    void emptyBatchChangesNothing() {
        try (Braid store = tenKeys()) {
            store.write(new WriteBatch());
            assertEquals(10, store.count());
        }
    }

    @Test
    void batchIsReusableAfterClear() {
        try (Braid store = Braid.open(dir)) {
            WriteBatch batch = new WriteBatch().put(k(1), V).put(k(2), V);
            assertEquals(2, batch.size());
            assertEquals(4, batch.payloadBytes());
            store.write(batch);
            batch.clear();
            assertEquals(0, batch.size());
            store.write(batch.delete(k(1)));
            assertNull(store.get(k(1)));
            assertArrayEquals(V, store.get(k(2)));
        }
    }

    // ---- commits, metadata and reopen -------------------------------------------------------------

    @Test
    void uncommittedWritesAreGoneAfterReopen() {
        try (Braid store = Braid.open(dir)) {
            store.put(k(1), bytes("one"));
            store.put(k(2), bytes("two"));
            store.commit(Map.of("at", "1"));
            store.put(k(3), bytes("three"));
            store.delete(k(1));
            store.put(k(2), bytes("TWO"));
            store.write(new WriteBatch().put(k(4), V));
            assertEquals(3, store.count());
        }
        try (Braid store = Braid.open(dir)) {
            assertArrayEquals(bytes("one"), store.get(k(1)));
            assertArrayEquals(bytes("two"), store.get(k(2)));
            assertNull(store.get(k(3)));
            assertNull(store.get(k(4)));
            assertEquals(2, store.count());
            assertEquals(Map.of("at", "1"), store.committedMetadata());
            assertEquals(List.of(), store.check());
        }
    }

    @Test
    void uncommittedWritesLargerThanTheCacheAreGoneAfterReopen() {
        BraidOptions tiny = BraidOptions.builder().pageSizeBytes(512).cacheBytes(64 * 1024)
                .checkpointLogBytes(4 * 1024).maxLogBytes(16 * 1024).backgroundCheckpoints(false).build();
        byte[] big = random(8 << 20, 3);
        try (Braid store = Braid.open(dir, tiny)) {
            for (int i = 0; i < 1_000; i++) {
                store.put(intKey(i), bytes("v" + i));
            }
            store.commit(Map.of("at", "1"));
            // far more than the 64 KiB cache: dirty pages must spill before any commit
            store.put(intKey(5_000), big);
            for (int i = 0; i < 1_000; i++) {
                store.delete(intKey(i));
            }
            assertArrayEquals(big, store.get(intKey(5_000)));
            assertEquals(1, store.count());
            assertEquals(List.of(), store.check());
        }
        for (int reopen = 0; reopen < 3; reopen++) {
            try (Braid store = Braid.open(dir, tiny)) {
                assertEquals(1_000, store.count(), "reopen " + reopen);
                assertNull(store.get(intKey(5_000)));
                assertArrayEquals(bytes("v7"), store.get(intKey(7)));
                assertEquals(Map.of("at", "1"), store.committedMetadata());
                assertEquals(List.of(), store.check());
                store.put(intKey(5_000), big); // spilled again, dropped again
            }
        }
    }

    @Test
    void neverCommittedStoreReopensEmpty() {
        try (Braid store = Braid.open(dir)) {
            store.put(k(1), V);
            store.checkpoint();
        }
        try (Braid store = Braid.open(dir)) {
            assertEquals(0, store.count());
            assertNull(store.get(k(1)));
            assertEquals(Map.of(), store.committedMetadata());
            assertEquals(0, store.lastCommitSequence());
        }
    }

    @Test
    void metadataRoundTripsThroughReopen() {
        Map<String, String> metadata = new LinkedHashMap<>();
        metadata.put("changelog-0", "1234567890123");
        metadata.put("", "empty name");
        metadata.put("empty value", "");
        metadata.put("unicode \u00e9\u4e2d\ud83d\ude00", "\u00fcber");
        for (int i = 0; i < 200; i++) {
            metadata.put("partition-" + i, Long.toString(Long.MAX_VALUE - i));
        }
        try (Braid store = Braid.open(dir)) {
            assertEquals(Map.of(), store.committedMetadata());
            store.put(k(1), V);
            store.commit(metadata);
            assertEquals(metadata, store.committedMetadata());
        }
        try (Braid store = Braid.open(dir)) {
            assertEquals(metadata, store.committedMetadata());
        }
    }

    @Test
    void metadataLargerThanManyPagesRoundTrips() {
        BraidOptions tinyPages = BraidOptions.builder().pageSizeBytes(512).backgroundCheckpoints(false).build();
        Map<String, String> big = new HashMap<>();
        for (int i = 0; i < 5_000; i++) {
            big.put("partition-" + i, Long.toString(i * 1_234_567L));
        }
        try (Braid store = Braid.open(dir, tinyPages)) {
            store.put(k(1), V);
            store.commit(big);
            for (int round = 0; round < 20; round++) {
                Map<String, String> next = new HashMap<>();
                for (int i = 0; i < (round * 97) % 3_000; i++) {
                    next.put("p" + i, "r" + round);
                }
                store.commit(next); // shrinks and grows across page boundaries
                assertEquals(next, store.committedMetadata());
                if (round % 5 == 0) {
                    store.checkpoint();
                }
            }
            store.commit(big);
            assertEquals(List.of(), store.check());
        }
        try (Braid store = Braid.open(dir, tinyPages)) {
            assertEquals(big, store.committedMetadata());
            assertEquals(List.of(), store.check());
        }
    }

    @Test
    void metadataIsReplacedNotMerged() {
        try (Braid store = Braid.open(dir)) {
            store.commit(Map.of("a", "1", "b", "2"));
            store.commit(Map.of("c", "3"));
            assertEquals(Map.of("c", "3"), store.committedMetadata());
            store.commit(Map.of());
            assertEquals(Map.of(), store.committedMetadata());
            store.commit(Map.of("d", "4"));
        }
        try (Braid store = Braid.open(dir)) {
            assertEquals(Map.of("d", "4"), store.committedMetadata());
            store.commit(Map.of());
        }
        try (Braid store = Braid.open(dir)) {
            assertEquals(Map.of(), store.committedMetadata());
        }
    }

    @Test
    void metadataIsCopiedAtCommit() {
        Map<String, String> metadata = new LinkedHashMap<>(Map.of("a", "1"));
        try (Braid store = Braid.open(dir)) {
            store.commit(metadata);
            metadata.put("a", "changed");
            assertEquals(Map.of("a", "1"), store.committedMetadata());
            try {
                store.committedMetadata().put("x", "y");
            } catch (UnsupportedOperationException expected) {
                // an unmodifiable view is fine too
            }
            assertEquals(Map.of("a", "1"), store.committedMetadata(), "the returned map is not the store's own");
        }
    }

    @Test
    void uncommittedMetadataIsNotVisible() {
        try (Braid store = Braid.open(dir)) {
            store.commit(Map.of("a", "1"));
            store.put(k(1), V);
            assertEquals(Map.of("a", "1"), store.committedMetadata());
        }
    }

    @Test
    void lastCommitSequenceCountsCommits() {
        try (Braid store = Braid.open(dir)) {
            assertEquals(0, store.lastCommitSequence());
            store.put(k(1), V);
            store.commit(Map.of());
            assertEquals(1, store.lastCommitSequence());
            store.commit(Map.of("no", "writes"));
            assertEquals(2, store.lastCommitSequence());
            store.put(k(2), V);
            store.commit(Map.of());
            assertEquals(3, store.lastCommitSequence());
            store.checkpoint();
            assertEquals(3, store.lastCommitSequence(), "a checkpoint is not a commit");
            assertEquals(3, store.stats().lastCommitSequence());
            store.put(k(3), V);
        }
        try (Braid store = Braid.open(dir)) {
            assertEquals(3, store.lastCommitSequence());
            store.commit(Map.of());
            assertEquals(4, store.lastCommitSequence());
        }
    }

    @Test
    void countIsExactThroughOverwritesDeletesAndReopen() {
        try (Braid store = Braid.open(dir)) {
            for (int i = 0; i < 100; i++) {
                store.put(intKey(i), V);
            }
            for (int i = 0; i < 50; i++) {
                store.put(intKey(i), bytes("again"));
            }
            assertEquals(100, store.count());
            for (int i = 0; i < 30; i++) {
                store.delete(intKey(i));
            }
            for (int i = 1_000; i < 1_010; i++) {
                store.delete(intKey(i)); // absent
            }
            assertEquals(70, store.count());
            store.write(new WriteBatch().put(intKey(0), V).put(intKey(0), V).delete(intKey(99)).delete(intKey(99)));
            assertEquals(70, store.count());
            store.commit(Map.of());
            store.put(intKey(500), V);
            store.delete(intKey(50));
            store.delete(intKey(51));
            assertEquals(69, store.count());
            assertEquals(69, store.stats().entries());
        }
        try (Braid store = Braid.open(dir)) {
            assertEquals(70, store.count());
            assertEquals(70, store.stats().entries());
        }
    }

    @Test
    void checkpointKeepsContentsAndIsCounted() {
        // Image commits only: a record commit leaves nothing for this checkpoint to copy (RecordCommitTest)
        try (Braid store = Braid.open(dir, BraidOptions.builder().recordCommits(false).build())) {
            for (int i = 0; i < 10; i++) {
                store.put(k(i * 0x10), bytes("v" + i));
            }
            store.commit(Map.of("x", "y"));
            store.put(k(0xA0), V); // uncommitted: a checkpoint must not make it durable
            long before = store.stats().checkpoints();
            store.checkpoint();
            assertTrue(store.stats().checkpoints() > before);
            assertEquals(11, store.count());
            assertEquals(List.of(), store.check());
        }
        try (Braid store = Braid.open(dir)) {
            assertEquals(10, store.count());
            assertNull(store.get(k(0xA0)));
            assertEquals(Map.of("x", "y"), store.committedMetadata());
        }
    }

    @Test
    void existingStoreKeepsItsPageSize() {
        try (Braid store = Braid.open(dir, BraidOptions.builder().pageSizeBytes(1024).build())) {
            store.put(k(1), V);
            store.commit(Map.of());
            assertEquals(1024, store.stats().pageSizeBytes());
        }
        try (Braid store = Braid.open(dir, BraidOptions.builder().pageSizeBytes(16384).build())) {
            assertEquals(1024, store.stats().pageSizeBytes());
            assertArrayEquals(V, store.get(k(1)));
        }
    }

    @Test
    void newStoreIsCleanAndEmpty() {
        try (Braid store = Braid.open(dir)) {
            assertEquals(List.of(), store.check());
            assertEquals(0, store.count());
            assertEquals(dir, store.directory());
            BraidStats stats = store.stats();
            assertEquals(BraidOptions.defaults().pageSizeBytes(), stats.pageSizeBytes());
            assertEquals(0, stats.entries());
            assertEquals(0, stats.lastCommitSequence());
        }
    }

    // ---- space -----------------------------------------------------------------------------------

    @Test
    void deletedSpaceIsReused() throws Exception {
        BraidOptions options = BraidOptions.builder().pageSizeBytes(4096).backgroundCheckpoints(false).build();
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < 20_000; i++) {
            order.add(i);
        }
        Collections.shuffle(order, new Random(7));
        try (Braid store = Braid.open(dir, options)) {
            putAll(store, order, "first");
            store.commit(Map.of());
            store.checkpoint();
            long first = Files.size(dir.resolve("braid.pages"));
            for (int i : order) {
                store.delete(intKey(i));
            }
            store.commit(Map.of());
            store.checkpoint();
            assertEquals(0, store.count());
            putAll(store, order, "again");
            store.commit(Map.of());
            store.checkpoint();
            long second = Files.size(dir.resolve("braid.pages"));
            assertTrue(second < first * 1.3, "page file grew from " + first + " to " + second + " bytes; " + store.stats());
            assertEquals(20_000, store.count());
            assertEquals(List.of(), store.check());
        }
    }

    // ---- lifecycle -------------------------------------------------------------------------------

    @Test
    void secondOpenOfTheSameDirectoryIsLocked() {
        try (Braid store = Braid.open(dir)) {
            store.put(k(1), V);
            assertThrows(StoreLockedException.class, () -> Braid.open(dir));
            assertThrows(StoreLockedException.class, () -> Braid.open(dir.resolve(".")));
            assertArrayEquals(V, store.get(k(1)), "the first store is unaffected");
            store.commit(Map.of());
        }
        try (Braid again = Braid.open(dir)) {
            assertArrayEquals(V, again.get(k(1)));
        }
    }

    @Test
    void closedStoreRejectsEveryCall() {
        Braid store = tenKeys();
        store.close();
        List<Executable> calls = List.of(
                () -> store.get(k(1)),
                () -> store.put(k(1), V),
                () -> store.delete(k(1)),
                () -> store.write(new WriteBatch().put(k(1), V)),
                () -> store.count(),
                () -> store.commit(Map.of()),
                () -> store.committedMetadata(),
                () -> store.lastCommitSequence(),
                () -> store.check(),
                () -> store.checkpoint(),
                () -> store.stats(),
                () -> {
                    try (BraidIterator it = store.iterator(KeyRange.all())) {
                        it.hasNext();
                    }
                },
                () -> {
                    try (BraidIterator it = store.reverseIterator(KeyRange.all())) {
                        it.hasNext();
                    }
                });
        for (int i = 0; i < calls.size(); i++) {
            assertThrows(StoreClosedException.class, calls.get(i), "call #" + i + " after close");
        }
        assertDoesNotThrow(store::close, "close is idempotent");
    }

    @Test
    void foreignPageFileIsIncompatibleAndLeftUntouched() throws Exception {
        Path pages = dir.resolve("braid.pages");
        byte[] text = "This is a text file, not a Braid page file.\n".repeat(400).getBytes(StandardCharsets.UTF_8);
        Files.write(pages, text);
        assertThrows(IncompatibleFormatException.class, () -> Braid.open(dir).close());
        assertArrayEquals(text, Files.readAllBytes(pages));
        // the failed open released the directory: a second try fails the same way, not with a lock error
        assertThrows(IncompatibleFormatException.class, () -> Braid.open(dir).close());
        assertArrayEquals(text, Files.readAllBytes(pages));
    }

    @Test
    void createIfMissingFalseRefusesAMissingStore() {
        Path missing = dir.resolve("missing");
        BraidOptions options = BraidOptions.builder().createIfMissing(false).build();
        assertThrows(BraidException.class, () -> Braid.open(missing, options).close());
        try (Braid store = Braid.open(dir)) {
            store.commit(Map.of());
        }
        assertDoesNotThrow(() -> Braid.open(dir, options).close(), "an existing store opens");
    }

    // ---- cache and log bounds --------------------------------------------------------------------

    @Test
    void sharedCacheStaysWithinItsBudget() {
        BraidCache cache = BraidCache.ofBytes(256 * 1024);
        BraidOptions options = BraidOptions.builder().pageSizeBytes(4096).cache(cache).build();
        Random rnd = new Random(11);
        try (Braid a = Braid.open(dir.resolve("a"), options); Braid b = Braid.open(dir.resolve("b"), options)) {
            for (int round = 0; round < 6; round++) {
                for (int i = 0; i < 2_000; i++) {
                    int key = rnd.nextInt(20_000);
                    a.put(intKey(key), valueFor("a", key));
                    b.put(intKey(key), valueFor("b", key));
                    if (i % 100 == 0) {
                        assertWithinBudget(cache);
                    }
                }
                a.commit(Map.of());
                b.commit(Map.of());
                assertWithinBudget(cache);
                for (int i = 0; i < 2_000; i++) {
                    int key = rnd.nextInt(20_000);
                    byte[] va = a.get(intKey(key));
                    if (va != null) {
                        assertArrayEquals(valueFor("a", key), va);
                    }
                    byte[] vb = b.get(intKey(key));
                    if (vb != null) {
                        assertArrayEquals(valueFor("b", key), vb);
                    }
                }
                assertEquals(a.count(), entries(a.iterator(KeyRange.all())).size());
                assertEquals(b.count(), entries(b.reverseIterator(KeyRange.all())).size());
                assertWithinBudget(cache);
            }
            assertEquals(a.count(), b.count(), "both stores received the same keys");
            assertTrue(cache.hits() + cache.misses() > 0, "the cache was used");
            assertTrue(cache.misses() > 0, "a 256 KiB cache cannot hold two stores of several MiB");
            assertEquals(List.of(), a.check());
            assertEquals(List.of(), b.check());
        }
        assertWithinBudget(cache);
    }

    @ParameterizedTest(name = "backgroundCheckpoints={0}")
    @ValueSource(booleans = {false, true})
    void logStaysBoundedUnderSustainedCommits(boolean background) {
        int pageSize = 1024;
        long maxLog = 64 * 1024;
        int putsPerCommit = 10;
        // one commit's worth: every put may dirty a leaf, a split sibling and a parent, plus the
        // pages of the free list and the header, each logged as a frame with a header
        long oneCommit = (3L * putsPerCommit + 8) * (pageSize + 256);
        BraidOptions options = BraidOptions.builder().pageSizeBytes(pageSize).checkpointLogBytes(16 * 1024)
                .maxLogBytes(maxLog).backgroundCheckpoints(background).build();
        Random rnd = new Random(5);
        long maxSeen = 0;
        try (Braid store = Braid.open(dir, options)) {
            for (int c = 0; c < 1_000; c++) {
                for (int i = 0; i < putsPerCommit; i++) {
                    int key = rnd.nextInt(5_000);
                    if (rnd.nextInt(4) == 0) {
                        store.delete(intKey(key));
                    } else {
                        store.put(intKey(key), random(20 + rnd.nextInt(80), key));
                    }
                }
                // Record commits leave pages dirty across commits; the image commit that follows
                // writes them all, once each: the bound's "one commit" includes them.
                long image = EngineProbe.transactionPages(store) * (pageSize + 256L);
                store.commit(Map.of("c", Integer.toString(c)));
                long log = store.stats().logBytes();
                maxSeen = Math.max(maxSeen, log);
                assertTrue(log <= maxLog + oneCommit + image, "after commit " + c + " the log holds " + log
                        + " bytes, more than maxLogBytes " + maxLog + " + one commit " + oneCommit
                        + " + an image of the pages changed since the last image commit " + image);
            }
            BraidStats stats = store.stats();
            assertTrue(stats.bytesWritten() > 4 * (maxLog + oneCommit), "the workload must outgrow the bound: " + stats);
            assertTrue(stats.checkpoints() > 0, "checkpoints ran: " + stats);
            assertEquals(List.of(), store.check());
        }
        System.out.println("logStaysBounded background=" + background + " max log bytes seen " + maxSeen);
    }

    // ---- helpers ---------------------------------------------------------------------------------

    private Braid tenKeys() {
        Braid store = Braid.open(dir);
        for (int i = 0; i < 10; i++) {
            store.put(k(i * 0x10), bytes("v" + i));
        }
        return store;
    }

    /** A store holding the even numbers below {@code 2 * n} as keys. */
    private Braid evenKeys(int n) {
        Braid store = Braid.open(dir, BraidOptions.builder().pageSizeBytes(1024).build());
        for (int i = 0; i < n; i++) {
            store.put(intKey(2 * i), bytes("v" + 2 * i));
        }
        return store;
    }

    private static void putAll(Braid store, List<Integer> keys, String tag) {
        for (int i : keys) {
            store.put(intKey(i), bytes(tag + "-" + i + "-" + "x".repeat(80)));
        }
    }

    private static void assertWithinBudget(BraidCache cache) {
        assertTrue(cache.usedBytes() <= cache.capacityBytes(),
                "cache holds " + cache.usedBytes() + " of " + cache.capacityBytes() + " bytes");
    }

    private static void assertStrictlyAscending(List<Integer> keys) {
        for (int i = 1; i < keys.size(); i++) {
            assertTrue(keys.get(i - 1) < keys.get(i),
                    "keys out of order or repeated at #" + i + ": " + keys.get(i - 1) + " then " + keys.get(i));
        }
    }

    private static byte[] valueOf(List<Entry> entries, int key) {
        for (Entry e : entries) {
            if (intOf(e.key()) == key) {
                return e.value();
            }
        }
        return null;
    }

    private static byte[] valueFor(String store, int key) {
        return bytes(store + key + "-".repeat(key % 200));
    }

    static byte[] k(int... unsigned) {
        byte[] b = new byte[unsigned.length];
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte) unsigned[i];
        }
        return b;
    }

    static byte[] intKey(int i) {
        return ByteBuffer.allocate(4).putInt(i).array();
    }

    static int intOf(byte[] key) {
        assertEquals(4, key.length);
        return ByteBuffer.wrap(key).getInt();
    }

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static byte[] random(int length, long seed) {
        byte[] b = new byte[length];
        new Random(seed).nextBytes(b);
        return b;
    }

    static List<Entry> entries(BraidIterator iterator) {
        List<Entry> out = new ArrayList<>();
        try (BraidIterator it = iterator) {
            while (it.hasNext()) {
                out.add(it.next());
            }
        }
        return out;
    }

    /** The keys of an iterator as hex strings, which read well in assertion messages. */
    static List<String> keys(BraidIterator iterator) {
        List<String> out = new ArrayList<>();
        for (Entry e : entries(iterator)) {
            StringBuilder sb = new StringBuilder();
            for (byte x : e.key()) {
                sb.append(String.format("%02x", x & 0xFF));
            }
            out.add(sb.toString());
        }
        return out;
    }
}
