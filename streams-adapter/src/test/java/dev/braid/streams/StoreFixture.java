package dev.braid.streams;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/** Opening stores for tests, and small conversions. */
final class StoreFixture {
    private StoreFixture() {
    }

    /** A Braid store from the supplier, initialized with {@code context}. */
    static BraidKeyValueStore open(TestStoreContext context, String name) {
        KeyValueStore<Bytes, byte[]> store = BraidStores.persistentKeyValueStore(name).get();
        store.init(context, store);
        return (BraidKeyValueStore) store;
    }

    /** Where the store {@code name} of a task with state directory {@code stateDir} keeps its files. */
    static Path storeDir(Path stateDir, String name) {
        return stateDir.resolve("braid").resolve(name);
    }

    static TestStoreContext context(Path dir) {
        return new TestStoreContext(dir).config(BraidConfig.MEMORY_BYTES, 16L << 20);
    }

    static Bytes b(String s) {
        return Bytes.wrap(s.getBytes(StandardCharsets.UTF_8));
    }

    static byte[] v(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static String s(byte[] bytes) {
        return bytes == null ? null : new String(bytes, StandardCharsets.UTF_8);
    }

    /** Drains and closes {@code it} into "key=value" strings. */
    static List<String> drain(KeyValueIterator<Bytes, byte[]> it) {
        List<String> out = new ArrayList<>();
        try (it) {
            while (it.hasNext()) {
                KeyValue<Bytes, byte[]> kv = it.next();
                out.add(s(kv.key.get()) + "=" + s(kv.value));
            }
        }
        return out;
    }

    /** Drains and closes {@code it} into key-hex:value-hex strings (for arbitrary bytes). */
    static List<String> drainHex(KeyValueIterator<Bytes, byte[]> it) {
        List<String> out = new ArrayList<>();
        try (it) {
            while (it.hasNext()) {
                KeyValue<Bytes, byte[]> kv = it.next();
                out.add(kv.key + ":" + Bytes.wrap(kv.value));
            }
        }
        return out;
    }
}
