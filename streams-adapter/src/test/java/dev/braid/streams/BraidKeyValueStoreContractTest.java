package dev.braid.streams;

import static dev.braid.streams.StoreFixture.b;
import static dev.braid.streams.StoreFixture.drain;
import static dev.braid.streams.StoreFixture.s;
import static dev.braid.streams.StoreFixture.v;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every method of the key-value contract, as Kafka's built-in stores behave. */
class BraidKeyValueStoreContractTest {
    @TempDir
    Path dir;
    private BraidKeyValueStore store;

    @BeforeEach
    void open() {
        store = StoreFixture.open(StoreFixture.context(dir), "contract");
    }

    @AfterEach
    void close() {
        store.close();
    }

    @Test
    void describesItselfAsAPersistentStoreThatManagesOffsets() {
        assertEquals("contract", store.name());
        assertTrue(store.persistent());
        assertTrue(store.managesOffsets());
        assertTrue(store.isOpen());
        assertTrue(dir.resolve("braid").resolve("contract").toFile().isDirectory());
        assertEquals("braid", BraidStores.persistentKeyValueStore("x").metricsScope());
    }

    @Test
    void putGetDeleteAndNullValueDeletes() {
        store.put(b("a"), v("1"));
        assertEquals("1", s(store.get(b("a"))));
        store.put(b("a"), v("2"));
        assertEquals("2", s(store.get(b("a"))));
        store.put(b("a"), null);
        assertNull(store.get(b("a")));
        store.put(b("e"), new byte[0]);
        assertArrayEquals(new byte[0], store.get(b("e")));
        assertNull(store.get(b("missing")));
    }

    @Test
    void nullKeysThrowNullPointerException() {
        assertThrows(NullPointerException.class, () -> store.put(null, v("x")));
        assertThrows(NullPointerException.class, () -> store.putIfAbsent(null, v("x")));
        assertThrows(NullPointerException.class, () -> store.get(null));
        assertThrows(NullPointerException.class, () -> store.delete(null));
        List<KeyValue<Bytes, byte[]>> withNull = Arrays.asList(KeyValue.pair(b("a"), v("1")), KeyValue.pair(null, v("2")));
        assertThrows(NullPointerException.class, () -> store.putAll(withNull));
        assertNull(store.get(b("a")), "putAll with a null key writes nothing");
    }

    @Test
    void putIfAbsentKeepsTheOldValue() {
        assertNull(store.putIfAbsent(b("k"), v("1")));
        assertEquals("1", s(store.putIfAbsent(b("k"), v("2"))));
        assertEquals("1", s(store.get(b("k"))));
    }

    @Test
    void deleteReturnsTheOldValue() {
        store.put(b("k"), v("1"));
        assertEquals("1", s(store.delete(b("k"))));
        assertNull(store.delete(b("k")));
        assertNull(store.get(b("k")));
    }

    @Test
    void putAllAppliesPutsAndDeletes() {
        store.put(b("gone"), v("x"));
        store.putAll(List.of(KeyValue.pair(b("a"), v("1")), KeyValue.pair(b("b"), v("2")),
                KeyValue.pair(b("gone"), null), KeyValue.pair(b("a"), v("3"))));
        assertEquals(List.of("a=3", "b=2"), drain(store.all()));
    }

    @Test
    void rangesAreInclusiveWithOpenNullBounds() {
        for (String k : List.of("a", "b", "c", "d", "e")) {
            store.put(b(k), v(k.toUpperCase()));
        }
        assertEquals(List.of("b=B", "c=C", "d=D"), drain(store.range(b("b"), b("d"))));
        assertEquals(List.of("d=D", "c=C", "b=B"), drain(store.reverseRange(b("b"), b("d"))));
        assertEquals(List.of("a=A", "b=B"), drain(store.range(null, b("b"))));
        assertEquals(List.of("d=D", "e=E"), drain(store.range(b("d"), null)));
        assertEquals(List.of("e=E", "d=D"), drain(store.reverseRange(b("d"), null)));
        assertEquals(5, drain(store.range(null, null)).size());
        assertEquals(List.of("b=B", "c=C"), drain(store.range(b("az"), b("cz"))));
        assertEquals(List.of("c=C"), drain(store.range(b("c"), b("c"))));
        assertEquals(List.of("e=E", "d=D", "c=C", "b=B", "a=A"), drain(store.reverseAll()));
    }

    @Test
    void rangeWithFromAboveToIsEmpty() {
        store.put(b("a"), v("1"));
        store.put(b("z"), v("2"));
        assertEquals(List.of(), drain(store.range(b("z"), b("a"))));
        assertEquals(List.of(), drain(store.reverseRange(b("z"), b("a"))));
    }

    @Test
    void keysCompareAsUnsignedBytes() {
        store.put(Bytes.wrap(new byte[] {(byte) 0x80}), v("high"));
        store.put(Bytes.wrap(new byte[] {0x01}), v("low"));
        store.put(Bytes.wrap(new byte[] {(byte) 0xFF, 0x00}), v("top"));
        assertEquals(List.of("low", "high", "top"), drain(store.all()).stream().map(e -> e.substring(e.indexOf('=') + 1)).toList());
    }

    @Test
    void prefixScanReturnsTheKeysStartingWithThePrefix() {
        for (String k : List.of("a", "ab", "abc", "abd", "ac", "b")) {
            store.put(b(k), v(k));
        }
        assertEquals(List.of("ab=ab", "abc=abc", "abd=abd"), drain(store.prefixScan("ab", new StringSerializer())));
        assertEquals(List.of(), drain(store.prefixScan("x", new StringSerializer())));
        assertEquals(6, drain(store.prefixScan("", new StringSerializer())).size());
        store.put(Bytes.wrap(new byte[] {(byte) 0xFF, (byte) 0xFF, 1}), v("ff"));
        store.put(Bytes.wrap(new byte[] {(byte) 0xFF, (byte) 0xFE}), v("fe"));
        try (KeyValueIterator<Bytes, byte[]> it = store.prefixScan(new byte[] {(byte) 0xFF, (byte) 0xFF},
                (topic, data) -> data)) {
            assertEquals("ff", s(it.next().value));
            assertFalse(it.hasNext());
        }
    }

    @Test
    void approximateNumEntriesIsExact() {
        assertEquals(0, store.approximateNumEntries());
        for (int i = 0; i < 500; i++) {
            store.put(b("k" + i), v("v"));
        }
        store.delete(b("k7"));
        store.put(b("k8"), null);
        assertEquals(498, store.approximateNumEntries());
    }

    @Test
    void iteratorsKeepWorkingWhileTheSameThreadWrites() {
        for (int i = 0; i < 1000; i++) {
            store.put(b(String.format("k%04d", i)), v("old"));
        }
        List<String> seen = new ArrayList<>();
        try (KeyValueIterator<Bytes, byte[]> it = store.all()) {
            int n = 0;
            while (it.hasNext()) {
                KeyValue<Bytes, byte[]> kv = it.next();
                seen.add(s(kv.key.get()));
                if (n++ == 10) {
                    for (int i = 0; i < 1000; i += 2) {
                        store.delete(b(String.format("k%04d", i))); // behind and ahead of the iterator
                    }
                    store.put(b("k9999"), v("new"));
                }
            }
        }
        assertEquals("k0000", seen.get(0));
        assertEquals("k9999", seen.get(seen.size() - 1), "a key written ahead of the iterator is seen");
        assertTrue(seen.size() < 1000, "deleted keys ahead of the iterator are skipped: " + seen.size());
        assertEquals(501, store.approximateNumEntries());
    }

    @Test
    void closedIteratorThrowsInvalidStateStoreException() {
        store.put(b("a"), v("1"));
        KeyValueIterator<Bytes, byte[]> it = store.all();
        assertEquals(b("a"), it.peekNextKey());
        it.close();
        assertThrows(InvalidStateStoreException.class, it::hasNext);
        assertThrows(InvalidStateStoreException.class, it::next);
        it.close(); // idempotent
    }

    @Test
    void closingTheStoreClosesItsIterators() {
        store.put(b("a"), v("1"));
        store.put(b("b"), v("2"));
        KeyValueIterator<Bytes, byte[]> it = store.range(b("a"), b("b"));
        KeyValueIterator<Bytes, byte[]> empty = store.range(b("b"), b("a"));
        it.next();
        store.close();
        assertFalse(store.isOpen());
        assertThrows(InvalidStateStoreException.class, it::hasNext);
        assertThrows(InvalidStateStoreException.class, it::next);
        assertThrows(InvalidStateStoreException.class, empty::hasNext);
        it.close();
    }

    @Test
    void callsOnAClosedStoreThrowInvalidStateStoreException() {
        store.close();
        store.close(); // idempotent
        assertThrows(InvalidStateStoreException.class, () -> store.get(b("a")));
        assertThrows(InvalidStateStoreException.class, () -> store.put(b("a"), v("1")));
        assertThrows(InvalidStateStoreException.class, () -> store.all());
        assertThrows(InvalidStateStoreException.class, () -> store.approximateNumEntries());
        assertThrows(InvalidStateStoreException.class, () -> store.commit(java.util.Map.of()));
    }

    @Test
    void valuesAndKeysAreNotSharedWithTheCaller() {
        byte[] value = v("abc");
        store.put(b("k"), value);
        value[0] = 'X';
        assertEquals("abc", s(store.get(b("k"))));
        byte[] read = store.get(b("k"));
        read[0] = 'Y';
        assertEquals("abc", s(store.get(b("k"))));
    }
}
