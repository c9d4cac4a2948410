package dev.braid.streams;

import static dev.braid.streams.StoreFixture.b;
import static dev.braid.streams.StoreFixture.s;
import static dev.braid.streams.StoreFixture.v;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.braid.store.BraidIterator;
import dev.braid.store.KeyRange;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.kstream.Windowed;
import org.apache.kafka.streams.kstream.internals.SessionWindow;
import org.apache.kafka.streams.processor.internals.RecordBatchingStateRestoreCallback;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.VersionedKeyValueStore;
import org.apache.kafka.streams.state.VersionedRecord;
import org.apache.kafka.streams.state.internals.SessionKeySchema;
import org.apache.kafka.streams.state.internals.WindowKeySchema;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Window, session and versioned stores on their own, with a test context: restores through the
 * registered callback (blind writes; equal to the same puts), retention drops (the dropped segment's
 * keys are physically gone, also after commit and reopen), the {@code dropped-records} sensor,
 * commit and reopen with offsets, and closed stores and iterators.
 */
class SegmentedStoreLifecycleTest {
    private static final TopicPartition CHANGELOG = new TopicPartition("app-store-changelog", 0);
    private static final long MINUTE = 60_000L;

    @TempDir
    Path dir;

    @Test
    void restoreInBatchesOfOneEqualsThePuts() {
        long seed = System.nanoTime();
        System.out.println("restoreInBatchesOfOneEqualsThePuts seed " + seed);
        Random rnd = new Random(seed);
        BraidWindowStore written = window("written", 3 * MINUTE, false);
        BraidWindowStore restored = window("restored", 3 * MINUTE, false);
        try {
            RecordBatchingStateRestoreCallback callback = lastCallback();
            long time = 0;
            for (int i = 0; i < 3000; i++) {
                time += rnd.nextInt(1000);
                long start = Math.max(0, time - (rnd.nextInt(5) == 0 ? rnd.nextInt(400_000) : 0));
                Bytes key = b("k" + rnd.nextInt(20));
                byte[] value = rnd.nextInt(10) == 0 ? null : v("v" + i);
                written.put(key, value, start);
                callback.restoreBatch(List.of(record(i, WindowKeySchema.toStoreKeyBinary(key, start, 0).get(), value, 0)));
            }
            assertEquals(windows(written.all()), windows(restored.all()), "seed " + seed);
            assertEquals(windows(written.fetchAll(0, Long.MAX_VALUE)), windows(restored.fetchAll(0, Long.MAX_VALUE)));
            assertFalse(windows(restored.all()).isEmpty());
        } finally {
            written.close();
            restored.close();
        }
    }

    @Test
    void restoreUsesBlindWritesAndSkipsWhatIsExpiredAtTheEndOfTheBatch() {
        BraidWindowStore store = window("restore", 2 * MINUTE, false);
        try {
            RecordBatchingStateRestoreCallback callback = lastCallback();
            List<ConsumerRecord<byte[], byte[]>> batch = new ArrayList<>();
            for (int i = 0; i < 100; i++) {
                batch.add(record(i, WindowKeySchema.toStoreKeyBinary(b("k" + i), i * 1000L, 0).get(), v("v" + i), 0));
            }
            // segment interval 60 s: with stream time 10 min, segments below 8 min are expired
            batch.add(record(100, WindowKeySchema.toStoreKeyBinary(b("late"), 10 * MINUTE, 0).get(), v("x"), 0));
            callback.restoreBatch(batch);
            assertTrue(store.openStore().braid().stats().writeBufferBytes() > 0, "restored records are blind writes");
            assertEquals(List.of("late@600000=x"), windows(store.all()));
            assertEquals(0, rawKeysBelow(store, 10), "records of expired segments were not written");
        } finally {
            store.close();
        }
    }

    @Test
    void droppedSegmentIsGoneAfterCommitAndReopen() {
        BraidWindowStore store = window("retention", 2 * MINUTE, false);
        for (int i = 0; i < 50; i++) {
            store.put(b("k" + i), v("old" + i), i * 100L); // segment 0
        }
        store.put(b("k"), v("mid"), 2 * MINUTE + 1); // segment 2
        assertEquals(50, rawKeys(store, 0));
        store.put(b("k"), v("new"), 3 * MINUTE + 1); // stream time 181 s: segment 0 expires (below segment 1)
        assertEquals(0, rawKeys(store, 0), "the expired segment is deleted at once");
        assertEquals(1, rawKeys(store, 2));
        store.commit(Map.of(CHANGELOG, 7L));
        store.close();

        BraidWindowStore reopened = window("retention", 2 * MINUTE, false);
        try {
            assertEquals(7L, reopened.committedOffset(CHANGELOG));
            assertEquals(0, rawKeys(reopened, 0), "the dropped segment stays gone after reopen");
            // the stream time starts over after a reopen (as Kafka's): only stored keys can come back
            assertEquals(List.of("k@120001=mid", "k@180001=new"), windows(reopened.all()));
        } finally {
            reopened.close();
        }
    }

    @Test
    void restoredSegmentsAreDroppedWholeAndTheStoreStaysConsistent() {
        BraidWindowStore store = window("big-drop", 2 * MINUTE, false);
        RecordBatchingStateRestoreCallback callback = lastCallback();
        int perSegment = 20_000;
        long offset = 0;
        for (int segment = 0; segment < 2; segment++) {
            List<ConsumerRecord<byte[], byte[]>> batch = new ArrayList<>();
            for (int i = 0; i < perSegment; i++) {
                long start = segment * MINUTE + i % MINUTE;
                batch.add(record(offset++, WindowKeySchema.toStoreKeyBinary(b("key-" + i), start, 0).get(),
                        v("value-" + i), 0));
                if (batch.size() == 1000) {
                    callback.restoreBatch(batch);
                    batch = new ArrayList<>();
                }
            }
        }
        store.commit(Map.of(CHANGELOG, offset));
        store.put(b("half"), v("x"), 2 * MINUTE - 1); // tree write into the blind-written segment 1
        assertEquals(perSegment, rawKeys(store, 0));
        store.put(b("k"), v("new"), 3 * MINUTE); // segment 0 expires
        assertEquals(0, rawKeys(store, 0));
        store.commit(Map.of(CHANGELOG, offset + 2));
        assertTrue(store.openStore().braid().check().isEmpty(), "integrity after the range delete");
        store.close();

        BraidWindowStore reopened = window("big-drop", 2 * MINUTE, false);
        try {
            assertEquals(0, rawKeys(reopened, 0), "the dropped segment stays gone after reopen");
            assertEquals(perSegment + 1, rawKeys(reopened, 1));
            assertEquals(1, rawKeys(reopened, 3));
            assertEquals("x", s(reopened.fetch(b("half"), 2 * MINUTE - 1)));
            assertTrue(reopened.openStore().braid().check().isEmpty(), "integrity after reopen");
        } finally {
            reopened.close();
        }
    }

    @Test
    void writesToExpiredSegmentsAreDroppedAndCounted() {
        TestStoreContext ctx = context();
        BraidWindowStore store = (BraidWindowStore) BraidStores.persistentWindowStore("dropped",
                Duration.ofMinutes(2), Duration.ofSeconds(10), false).get();
        store.init(ctx, store);
        try {
            store.put(b("k"), v("now"), 10 * MINUTE);
            store.put(b("k"), v("late"), MINUTE);
            assertNull(store.fetch(b("k"), MINUTE));
            double dropped = ctx.kafkaMetrics().metrics().entrySet().stream()
                    .filter(e -> e.getKey().name().equals("dropped-records-total"))
                    .mapToDouble(e -> ((Number) e.getValue().metricValue()).doubleValue()).sum();
            assertEquals(1.0, dropped);
        } finally {
            store.close();
        }
    }

    @Test
    void uncommittedWritesAreGoneAfterReopenAndOffsetsSurvive() {
        BraidSessionStore store = session("sessions");
        Windowed<Bytes> a = new Windowed<>(b("a"), new SessionWindow(10, 20));
        Windowed<Bytes> c = new Windowed<>(b("c"), new SessionWindow(30, 40));
        store.put(a, v("1"));
        store.commit(Map.of(CHANGELOG, 41L));
        store.put(c, v("2"));
        store.close();
        BraidSessionStore reopened = session("sessions");
        try {
            assertEquals(41L, reopened.committedOffset(CHANGELOG));
            assertEquals("1", s(reopened.fetchSession(b("a"), 10, 20)));
            assertNull(reopened.fetchSession(b("c"), 30, 40));
            reopened.commit(Map.of());
            assertNull(reopened.committedOffset(CHANGELOG), "an empty commit wipes the offsets");
        } finally {
            reopened.close();
        }
    }

    @Test
    void sessionRestoreGoesThroughTheCallback() {
        BraidSessionStore store = session("session-restore");
        try {
            RecordBatchingStateRestoreCallback callback = lastCallback();
            callback.restoreBatch(List.of(
                    record(0, SessionKeySchema.toBinary(b("a"), 0, 5).get(), v("x"), 0),
                    record(1, SessionKeySchema.toBinary(b("a"), 8, 9).get(), v("y"), 0),
                    record(2, SessionKeySchema.toBinary(b("a"), 0, 5).get(), null, 0)));
            assertEquals(List.of("a@8..9=y"), windows(store.fetch(b("a"))));
        } finally {
            store.close();
        }
    }

    @Test
    void versionedRestoreReopenAndHistoryDrop() {
        VersionedKeyValueStore<Bytes, byte[]> store = versioned("versions");
        RecordBatchingStateRestoreCallback callback = lastCallback();
        callback.restoreBatch(List.of(
                record(0, v("k"), v("a"), 1000),
                record(1, v("k"), v("b"), 5000),
                record(2, v("k"), null, 8000),
                record(3, v("k"), v("c"), 9000)));
        assertEquals("c@9000", show(store.get(b("k"))));
        assertEquals("a@1000..5000", show(store.get(b("k"), 4999)));
        assertNull(store.get(b("k"), 8500), "the tombstone");
        store.commit(Map.of(CHANGELOG, 3L));
        store.close();
        VersionedKeyValueStore<Bytes, byte[]> reopened = versioned("versions");
        try {
            assertEquals(3L, reopened.committedOffset(CHANGELOG));
            assertEquals("b@5000..8000", show(reopened.get(b("k"), 7000)));
            // history 20 s, segments of 6.67 s: moving the stream time to 60 s drops every older version
            assertEquals(VersionedKeyValueStore.PUT_RETURN_CODE_VALID_TO_UNDEFINED, reopened.put(b("z"), v("z"), 60_000));
            assertEquals(VersionedKeyValueStore.PUT_RETURN_CODE_NOT_PUT, reopened.put(b("k"), v("old"), 30_000));
            assertEquals("c@9000", show(reopened.get(b("k"))), "the newest version never expires");
            int history = 0;
            try (BraidIterator it = ((BraidVersionedStore) reopened).openStore().braid()
                    .iterator(VersionedKeys.historyFrom(Long.MIN_VALUE))) {
                while (it.hasNext()) {
                    it.next();
                    history++;
                }
            }
            assertEquals(0, history, "the expired history segments were range-deleted");
            assertNull(reopened.get(b("k"), 7000), "history past retention");
        } finally {
            reopened.close();
        }
    }

    @Test
    void aDamagedWindowStoreIsMovedAsideAndOpensEmpty() throws java.io.IOException {
        BraidWindowStore store = window("damaged", 2 * MINUTE, false);
        store.put(b("k"), v("1"), 1000);
        store.commit(Map.of(CHANGELOG, 9L));
        store.close();
        Path pages = StoreFixture.storeDir(dir, "damaged").resolve("braid.pages");
        try (java.io.RandomAccessFile raf = new java.io.RandomAccessFile(pages.toFile(), "rw")) {
            raf.seek(100); // inside the header page: its checksum no longer matches
            int x = raf.read();
            raf.seek(100);
            raf.write(x ^ 0x5A);
        }
        BraidWindowStore reopened = window("damaged", 2 * MINUTE, false);
        try {
            assertNull(reopened.committedOffset(CHANGELOG), "no committed offset: Kafka restores from the start");
            assertTrue(windows(reopened.all()).isEmpty());
            try (var siblings = java.nio.file.Files.list(dir.resolve("braid"))) {
                assertEquals(1, siblings.filter(p -> p.getFileName().toString().startsWith("damaged.corrupt-")).count());
            }
        } finally {
            reopened.close();
        }
    }

    @Test
    void interactiveQueriesReadWhileTheStreamThreadWrites() throws Exception {
        BraidWindowStore store = window("concurrent", 2 * MINUTE, false);
        java.util.concurrent.atomic.AtomicBoolean done = new java.util.concurrent.atomic.AtomicBoolean();
        java.util.concurrent.ExecutorService readers = java.util.concurrent.Executors.newFixedThreadPool(2);
        try {
            List<java.util.concurrent.Future<Integer>> reads = new ArrayList<>();
            for (int r = 0; r < 2; r++) {
                reads.add(readers.submit(() -> {
                    int scans = 0;
                    while (!done.get() || scans == 0) {
                        for (String entry : windows(store.fetch(b("k0"), b("k9"), 0, Long.MAX_VALUE))) {
                            assertTrue(entry.matches("k\\d@\\d+=v\\d+"), entry);
                        }
                        scans++;
                    }
                    return scans;
                }));
            }
            for (int i = 0; i < 5000; i++) {
                store.put(b("k" + (i % 10)), v("v" + i), i * 100L); // several segments expire on the way
            }
            done.set(true);
            for (java.util.concurrent.Future<Integer> f : reads) {
                assertTrue(f.get() > 0);
            }
        } finally {
            done.set(true);
            readers.shutdownNow();
            store.close();
        }
    }

    @Test
    void perStoreOptionsReachTheEngine() {
        BraidStoreOptions options = BraidStoreOptions.defaults().withPrivateMemoryBytes(4L << 20);
        BraidWindowStore store = (BraidWindowStore) BraidStores.persistentTimestampedWindowStore("options",
                Duration.ofMinutes(2), Duration.ofSeconds(10), false, options).get();
        store.init(context(), store);
        try {
            assertEquals(4L << 20, store.openStore().braid().stats().memoryBudgetBytes());
            assertInstanceOf(org.apache.kafka.streams.state.TimestampedBytesStore.class, store);
        } finally {
            store.close();
        }
    }

    @Test
    void gaugesAreRegisteredAndRemoved() {
        BraidSessionStore store = session("gauged");
        store.put(new Windowed<>(b("a"), new SessionWindow(1, 2)), v("x"));
        java.util.function.Supplier<Map<String, Object>> gauges = () -> {
            Map<String, Object> out = new java.util.HashMap<>();
            lastContext.kafkaMetrics().metrics().values().stream()
                    .filter(m -> "gauged".equals(m.metricName().tags().get("braid-state-id")))
                    .forEach(m -> out.put(m.metricName().name(), m.metricValue()));
            return out;
        };
        assertEquals(1.0, (Double) gauges.get().get("number-keys"));
        store.close();
        assertTrue(gauges.get().isEmpty(), "gauges are removed with the store");
    }

    @Test
    void closedStoreAndItsIteratorsFail() {
        BraidWindowStore store = window("closing", 2 * MINUTE, true);
        store.put(b("a"), v("1"), 1000);
        store.put(b("a"), v("2"), 1000);
        KeyValueIterator<Windowed<Bytes>, byte[]> it = store.all();
        assertEquals(2, windows(store.all()).size(), "retainDuplicates keeps both");
        store.close();
        assertThrows(InvalidStateStoreException.class, it::hasNext);
        assertThrows(InvalidStateStoreException.class, () -> store.fetch(b("a"), 0, 5000));
        assertFalse(store.isOpen());
    }

    private TestStoreContext lastContext;

    private TestStoreContext context() {
        lastContext = StoreFixture.context(dir);
        return lastContext;
    }

    private RecordBatchingStateRestoreCallback lastCallback() {
        return assertInstanceOf(RecordBatchingStateRestoreCallback.class, lastContext.restoreCallback());
    }

    private BraidWindowStore window(String name, long retentionMs, boolean duplicates) {
        BraidWindowStore store = (BraidWindowStore) BraidStores.persistentWindowStore(name,
                Duration.ofMillis(retentionMs), Duration.ofSeconds(10), duplicates).get();
        store.init(context(), store);
        return store;
    }

    private BraidSessionStore session(String name) {
        BraidSessionStore store = (BraidSessionStore) BraidStores.persistentSessionStore(name, Duration.ofMinutes(5)).get();
        store.init(context(), store);
        return store;
    }

    private VersionedKeyValueStore<Bytes, byte[]> versioned(String name) {
        BraidVersionedStore store = new BraidVersionedStore(name, "braid", BraidStoreOptions.defaults(), 20_000,
                BraidVersionedBytesStoreSupplier.defaultSegmentIntervalMs(20_000));
        store.init(context(), store);
        return store;
    }

    /** Keys stored in window segment {@code segmentId}, read from the engine. */
    private static int rawKeys(BraidSegmentedStore store, long segmentId) {
        return count(store, SegmentedKeys.segments(segmentId, segmentId));
    }

    private static int rawKeysBelow(BraidSegmentedStore store, long segmentId) {
        return count(store, SegmentedKeys.below(segmentId));
    }

    private static int count(BraidSegmentedStore store, KeyRange range) {
        int n = 0;
        try (BraidIterator it = store.openStore().braid().iterator(range)) {
            while (it.hasNext()) {
                it.next();
                n++;
            }
        }
        return n;
    }

    private static ConsumerRecord<byte[], byte[]> record(long offset, byte[] key, byte[] value, long timestamp) {
        return new ConsumerRecord<>(CHANGELOG.topic(), CHANGELOG.partition(), offset, timestamp,
                TimestampType.CREATE_TIME, 0, 0, key, value, new RecordHeaders(), Optional.empty());
    }

    private static List<String> windows(KeyValueIterator<Windowed<Bytes>, byte[]> it) {
        List<String> out = new ArrayList<>();
        try (it) {
            it.forEachRemaining(kv -> out.add(new String(kv.key.key().get()) + "@"
                    + (kv.key.window() instanceof SessionWindow ? kv.key.window().start() + ".." + kv.key.window().end()
                    : Long.toString(kv.key.window().start())) + "=" + s(kv.value)));
        }
        return out;
    }

    private static String show(VersionedRecord<byte[]> r) {
        return r == null ? null : s(r.value()) + "@" + r.timestamp() + r.validTo().map(t -> ".." + t).orElse("");
    }
}
