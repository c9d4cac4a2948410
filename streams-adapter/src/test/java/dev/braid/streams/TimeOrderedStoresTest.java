package dev.braid.streams;

import static dev.braid.streams.StoreFixture.b;
import static dev.braid.streams.StoreFixture.s;
import static dev.braid.streams.StoreFixture.v;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.braid.store.Braid;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.kstream.Windowed;
import org.apache.kafka.streams.kstream.internals.SessionWindow;
import org.apache.kafka.streams.processor.StateStore;
import org.apache.kafka.streams.processor.internals.RecordBatchingStateRestoreCallback;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.SessionStore;
import org.apache.kafka.streams.state.internals.SessionKeySchema;
import org.apache.kafka.streams.state.internals.WindowKeySchema;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The time-ordered window and session stores (emit-on-window-close) on their own: their all-key scans
 * read the store as they go (an entry written into a later segment while a scan is open still shows
 * up in it, which a collected and sorted result could not do), restores write the time-first layout
 * and its index, and the layout tag: a directory written with another key layout (the key-first one
 * the time-ordered window store had before) is set aside and restored from the changelog, while
 * untagged key-first directories still open as they are. Kafka-order equality is in
 * {@link SegmentedStoreOracleTest}.
 */
class TimeOrderedStoresTest {
    private static final TopicPartition CHANGELOG = new TopicPartition("app-store-changelog", 0);
    private static final long MINUTE = 60_000L;
    private static final Duration RETENTION = Duration.ofMinutes(10); // segment interval 5 min

    @TempDir
    Path dir;
    private TestStoreContext lastContext;

    @Test
    void windowScansReadTheStoreAsTheyGo() {
        for (boolean indexed : new boolean[] {false, true}) {
            BraidWindowStore store = timeOrderedWindow("scan" + indexed, indexed);
            try {
                for (int i = 0; i < 500; i++) {
                    store.put(b("k" + (499 - i)), v("v" + i), (i % 50) * 1000L); // segment 0, keys against time order
                }
                try (KeyValueIterator<Windowed<Bytes>, byte[]> all = store.all();
                     KeyValueIterator<Windowed<Bytes>, byte[]> fetchAll = store.fetchAll(0, 7 * MINUTE)) {
                    assertEquals("k149@0=v350", show(next(all, 1).get(0)), "first of all(): by start, then key");
                    next(fetchAll, 1);
                    store.put(b("late"), v("x"), 6 * MINUTE); // segment 1, written while both scans are open
                    List<KeyValueIterator<Windowed<Bytes>, byte[]>> scans = List.of(all, fetchAll);
                    for (KeyValueIterator<Windowed<Bytes>, byte[]> it : scans) {
                        List<String> rest = new ArrayList<>();
                        it.forEachRemaining(kv -> rest.add(show(kv)));
                        assertEquals(500, rest.size(), "indexed " + indexed);
                        assertEquals("late@360000=x", rest.get(rest.size() - 1), "indexed " + indexed);
                    }
                }
                try (KeyValueIterator<Windowed<Bytes>, byte[]> backward = store.backwardAll()) {
                    assertEquals("late@360000=x", show(backward.next()));
                    assertEquals("k50@49000=v449", show(backward.next()));
                }
                assertEquals(List.of("k7@42000=v492"), drain(store.fetch(b("k7"), b("k7"), 0, Long.MAX_VALUE)));
            } finally {
                store.close();
            }
        }
    }

    @Test
    void sessionScanByEndReadsTheStoreAsItGoes() {
        BraidSessionStore store = timeOrderedSession("sessions");
        try {
            for (int i = 0; i < 300; i++) {
                store.put(new Windowed<>(b("k" + (299 - i)), new SessionWindow(i * 100L, 30_000 + i * 100L)), v("v" + i));
            }
            try (KeyValueIterator<Windowed<Bytes>, byte[]> it = store.findSessions(0, 7 * MINUTE)) {
                assertEquals("k299@0..30000=v0", show(next(it, 1).get(0)));
                store.put(new Windowed<>(b("a"), new SessionWindow(5 * MINUTE, 6 * MINUTE)), v("x")); // segment 1
                List<String> rest = new ArrayList<>();
                it.forEachRemaining(kv -> rest.add(show(kv)));
                assertEquals(300, rest.size());
                assertEquals("a@300000..360000=x", rest.get(rest.size() - 1));
            }
            assertEquals(List.of("k7@29200..59200=v292"), drain(store.fetch(b("k7"))), "key lookups use the index");
        } finally {
            store.close();
        }
    }

    @Test
    void keyFirstSessionStoreRefusesTheScanByEndAsKafkaDoes() {
        SessionStore<Bytes, byte[]> store = BraidStores.persistentSessionStore("plain", RETENTION).get();
        store.init(context(), store);
        try {
            assertThrows(UnsupportedOperationException.class, () -> store.findSessions(0, 1));
        } finally {
            store.close();
        }
    }

    @Test
    void restoreWritesTheTimeFirstKeysAndTheIndex() {
        BraidSessionStore store = timeOrderedSession("restored");
        try {
            lastCallback().restoreBatch(List.of(
                    record(0, SessionKeySchema.toBinary(b("b"), 1000, 2000).get(), v("b1")),
                    record(1, SessionKeySchema.toBinary(b("a"), 1500, 2000).get(), v("a1")),
                    record(2, SessionKeySchema.toBinary(b("a"), 0, 500).get(), v("a0")),
                    record(3, SessionKeySchema.toBinary(b("b"), 1000, 2000).get(), null)));
            assertEquals(List.of("a@0..500=a0", "a@1500..2000=a1"), drain(store.findSessions(0, 10_000)));
            assertEquals(List.of("a@0..500=a0", "a@1500..2000=a1"), drain(store.fetch(b("a"))));
            assertEquals(List.of(), drain(store.fetch(b("b"))), "the tombstone removed the index key too");
            assertEquals(4, rawKeys(store), "two primary keys, two index keys");
        } finally {
            store.close();
        }
    }

    @Test
    void windowDirectoryOfTheKeyFirstLayoutIsSetAsideAndRestored() throws IOException {
        String name = "emit-final";
        Path storeDir = StoreFixture.storeDir(dir, name);
        // what the previous adapter wrote for a time-ordered window store: key-first keys, no layout tag
        try (Braid old = Braid.open(storeDir)) {
            old.put(SegmentedKeys.key(0, WindowKeySchema.toStoreKeyBinary(b("b"), 1000, 0).get()), v("old-b"));
            old.put(SegmentedKeys.key(0, WindowKeySchema.toStoreKeyBinary(b("a"), 2000, 0).get()), v("old-a"));
            old.commit(new CommitMetadata(Map.of(CHANGELOG, 2L), org.apache.kafka.streams.query.Position.emptyPosition())
                    .encode());
        }
        BraidWindowStore store = timeOrderedWindow(name, false);
        try {
            assertNull(store.committedOffset(CHANGELOG), "no offset: Kafka restores the whole changelog");
            assertEquals(List.of(), drain(store.all()), "nothing of the old layout is read");
            assertEquals(1, aside(name, ".old-layout-"), "the old directory is kept aside");
            lastCallback().restoreBatch(List.of(
                    record(0, WindowKeySchema.toStoreKeyBinary(b("b"), 1000, 0).get(), v("old-b")),
                    record(1, WindowKeySchema.toStoreKeyBinary(b("a"), 2000, 0).get(), v("old-a")),
                    record(2, WindowKeySchema.toStoreKeyBinary(b("c"), 1000, 0).get(), v("new-c"))));
            assertEquals(List.of("b@1000=old-b", "c@1000=new-c", "a@2000=old-a"), drain(store.all()));
            store.commit(Map.of(CHANGELOG, 3L));
        } finally {
            store.close();
        }
        assertEquals("time-ordered-window", committedMetadata(storeDir).get(SegmentLayout.METADATA_KEY));
        BraidWindowStore reopened = timeOrderedWindow(name, false);
        try {
            assertEquals(3L, reopened.committedOffset(CHANGELOG), "the tagged directory opens as it is");
            assertEquals(List.of("b@1000=old-b", "c@1000=new-c", "a@2000=old-a"), drain(reopened.all()));
            assertEquals(1, aside(name, ".old-layout-"));
        } finally {
            reopened.close();
        }
        // a time-ordered window store with index does not read the directory of one without
        BraidWindowStore indexed = timeOrderedWindow(name, true);
        try {
            assertNull(indexed.committedOffset(CHANGELOG));
            assertEquals(2, aside(name, ".old-layout-"));
        } finally {
            indexed.close();
        }
    }

    @Test
    void untaggedKeyFirstDirectoryStillOpens() throws IOException {
        String name = "plain";
        try (Braid old = Braid.open(StoreFixture.storeDir(dir, name))) {
            old.put(SegmentedKeys.key(0, WindowKeySchema.toStoreKeyBinary(b("a"), 2000, 0).get()), v("old-a"));
            old.commit(new CommitMetadata(Map.of(CHANGELOG, 5L), org.apache.kafka.streams.query.Position.emptyPosition())
                    .encode());
        }
        BraidWindowStore store = (BraidWindowStore) BraidStores.persistentWindowStore(name, RETENTION,
                Duration.ofSeconds(10), false).get();
        store.init(context(), store);
        try {
            assertEquals(5L, store.committedOffset(CHANGELOG));
            assertEquals(List.of("a@2000=old-a"), drain(store.all()));
            assertEquals(0, aside(name, ".old-layout-"));
            store.commit(Map.of(CHANGELOG, 6L));
        } finally {
            store.close();
        }
        assertEquals("window", committedMetadata(StoreFixture.storeDir(dir, name)).get(SegmentLayout.METADATA_KEY));
    }

    private BraidWindowStore timeOrderedWindow(String name, boolean indexed) {
        StateStore store = BraidStores.timeOrderedWindowStore(name, RETENTION, Duration.ofSeconds(10), false, indexed,
                StoreFormat.PLAIN).get();
        store.init(context(), store);
        return (BraidWindowStore) store;
    }

    private BraidSessionStore timeOrderedSession(String name) {
        StateStore store = BraidStores.timeOrderedSessionStore(name, RETENTION, false).get();
        store.init(context(), store);
        return (BraidSessionStore) store;
    }

    private TestStoreContext context() {
        lastContext = StoreFixture.context(dir);
        return lastContext;
    }

    private RecordBatchingStateRestoreCallback lastCallback() {
        return assertInstanceOf(RecordBatchingStateRestoreCallback.class, lastContext.restoreCallback());
    }

    private long aside(String name, String suffix) throws IOException {
        try (Stream<Path> files = Files.list(dir.resolve("braid"))) {
            return files.filter(p -> p.getFileName().toString().startsWith(name + suffix)).count();
        }
    }

    private static Map<String, String> committedMetadata(Path storeDir) {
        try (Braid b = Braid.open(storeDir)) {
            return b.committedMetadata();
        }
    }

    private static int rawKeys(BraidSegmentedStore store) {
        int n = 0;
        try (var it = store.openStore().braid().iterator(dev.braid.store.KeyRange.all())) {
            while (it.hasNext()) {
                it.next();
                n++;
            }
        }
        return n;
    }

    private static ConsumerRecord<byte[], byte[]> record(long offset, byte[] key, byte[] value) {
        return new ConsumerRecord<>(CHANGELOG.topic(), CHANGELOG.partition(), offset, 0L,
                TimestampType.CREATE_TIME, 0, 0, key, value, new RecordHeaders(), Optional.empty());
    }

    private static <T> List<T> next(java.util.Iterator<T> it, int n) {
        List<T> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            assertTrue(it.hasNext());
            out.add(it.next());
        }
        return out;
    }

    private static String show(org.apache.kafka.streams.KeyValue<Windowed<Bytes>, byte[]> kv) {
        return new String(kv.key.key().get()) + "@" + (kv.key.window() instanceof SessionWindow
                ? kv.key.window().start() + ".." + kv.key.window().end() : Long.toString(kv.key.window().start()))
                + "=" + s(kv.value);
    }

    private static List<String> drain(KeyValueIterator<Windowed<Bytes>, byte[]> it) {
        List<String> out = new ArrayList<>();
        try (it) {
            it.forEachRemaining(kv -> out.add(show(kv)));
        }
        return out;
    }
}
