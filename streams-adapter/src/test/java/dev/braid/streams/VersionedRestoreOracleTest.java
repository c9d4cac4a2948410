package dev.braid.streams;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.processor.StateStore;
import org.apache.kafka.streams.state.Stores;
import org.apache.kafka.streams.state.VersionedKeyValueStore;
import org.apache.kafka.streams.state.VersionedRecord;
import org.apache.kafka.streams.state.internals.RocksDBVersionedStore;
import org.apache.kafka.streams.state.internals.WrappedStateStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Restores of the versioned store next to Kafka's {@code RocksDBVersionedStore}: the same random
 * changelog (out-of-order times, replaced versions, tombstones, times far enough apart that history
 * expires inside a batch) is replayed in random batches into both stores, through each one's restore
 * path (Braid's {@link VersionedRestoreCallback}, Kafka's {@code restoreBatch}), and every key's
 * newest version and versions as of many times are compared after each batch; then live puts go on
 * on the restored stores, with their return values compared. Kafka fast-forwards the stream time to
 * the end of each batch before applying it, so what a restore keeps differs from what the same puts
 * keep: the restore path must reproduce that, not the puts.
 */
class VersionedRestoreOracleTest {
    // enough keys that a key's history often holds a single version (or none) within the retention
    private static final List<String> KEYS = java.util.stream.IntStream.range(0, 30).mapToObj(i -> "k" + i).toList();

    @ParameterizedTest
    @ValueSource(longs = {5_000, 60_000})
    void restoreMatchesRocksDb(long historyMs) throws Exception {
        long seed = Long.getLong("braid.seed", 20261123L);
        System.out.println("VersionedRestoreOracleTest seed " + seed);
        Random rnd = new Random(seed);
        try (TopologyTestDriver driver = driver(historyMs)) {
            VersionedKeyValueStore<String, String> braid = driver.getVersionedKeyValueStore("braid");
            VersionedKeyValueStore<String, String> rocks = driver.getVersionedKeyValueStore("rocks");
            BraidVersionedStore braidInner = unwrap((StateStore) braid, BraidVersionedStore.class);
            RocksDBVersionedStore rocksInner = unwrap((StateStore) rocks, RocksDBVersionedStore.class);
            Method rocksRestore = RocksDBVersionedStore.class.getDeclaredMethod("restoreBatch", Collection.class);
            rocksRestore.setAccessible(true);
            long time = 0;
            List<Long> used = new ArrayList<>();
            Map<String, Long> newest = new HashMap<>();
            long offset = 0;
            for (int b = 0; b < 100; b++) {
                List<ConsumerRecord<byte[], byte[]>> batch = new ArrayList<>();
                int size = 1 + rnd.nextInt(rnd.nextBoolean() ? 5 : 60);
                for (int i = 0; i < size; i++) {
                    time += rnd.nextInt((int) Math.max(2, historyMs / 40));
                    long ts = time - (rnd.nextInt(3) == 0 ? rnd.nextInt((int) historyMs * 2) : 0);
                    if (rnd.nextInt(8) == 0 && !used.isEmpty()) {
                        ts = used.get(used.size() - 1 - rnd.nextInt(Math.min(used.size(), 30))); // replaces one
                    }
                    String key = KEYS.get(rnd.nextInt(KEYS.size()));
                    if (rnd.nextInt(5) == 0 && newest.containsKey(key)) {
                        // at the newest version's time (e.g. a tombstone replacing it), or just before it
                        ts = newest.get(key) - (rnd.nextBoolean() ? 0 : 1 + rnd.nextInt((int) historyMs / 4));
                    }
                    ts = Math.max(0, ts);
                    used.add(ts);
                    newest.merge(key, ts, Math::max);
                    String value = rnd.nextInt(5) == 0 ? null : "v" + offset;
                    batch.add(record(offset++, key, value, ts));
                }
                rocksRestore.invoke(rocksInner, batch);
                braidInner.openStore().restoreCallback().restoreBatch(batch);
                compare(braid, rocks, rnd, time, historyMs, seed + "/batch " + b);
            }
            for (int i = 0; i < 400; i++) {
                time += rnd.nextInt((int) Math.max(2, historyMs / 40));
                long ts = Math.max(0, time - (rnd.nextInt(3) == 0 ? rnd.nextInt((int) historyMs * 2) : 0));
                String key = KEYS.get(rnd.nextInt(KEYS.size()));
                String value = rnd.nextInt(5) == 0 ? null : "p" + i;
                assertEquals(rocks.put(key, value, ts), braid.put(key, value, ts), "put after restore " + seed + "/" + i);
                if (i % 5 == 4) {
                    compare(braid, rocks, rnd, time, historyMs, seed + "/put " + i);
                }
            }
        }
    }

    /**
     * A tombstone at the newest version's own time: Kafka only deletes its latest-value row, so with
     * no older value the time is not marked at all (a later, older put becomes the newest version),
     * and with one, that value still ends there (a gap until the next version). Replayed through
     * both restore paths and through puts.
     */
    @Test
    void tombstoneAtTheNewestVersionsTime() throws Exception {
        String[][] changelog = {
            {"lone", "v1", "1000"}, {"lone", null, "1000"}, {"lone", "v2", "900"},
            {"gap", "a", "500"}, {"gap", "b", "1000"}, {"gap", null, "1000"}, {"gap", "c", "1200"},
            {"gap", "d", "1100"}, {"gap", "e", "700"},
            {"after-tomb", "a", "500"}, {"after-tomb", null, "800"}, {"after-tomb", "b", "1000"},
            {"after-tomb", null, "1000"}, {"after-tomb", "c", "900"},
        };
        for (boolean restore : new boolean[] {true, false}) {
            try (TopologyTestDriver driver = driver(60_000)) {
                VersionedKeyValueStore<String, String> braid = driver.getVersionedKeyValueStore("braid");
                VersionedKeyValueStore<String, String> rocks = driver.getVersionedKeyValueStore("rocks");
                List<ConsumerRecord<byte[], byte[]>> batch = new ArrayList<>();
                for (String[] r : changelog) {
                    long ts = Long.parseLong(r[2]);
                    if (restore) {
                        batch.add(record(batch.size(), r[0], r[1], ts));
                    } else {
                        assertEquals(rocks.put(r[0], r[1], ts), braid.put(r[0], r[1], ts), "put " + String.join(",", r));
                    }
                }
                if (restore) {
                    Method rocksRestore = RocksDBVersionedStore.class.getDeclaredMethod("restoreBatch", Collection.class);
                    rocksRestore.setAccessible(true);
                    rocksRestore.invoke(unwrap((StateStore) rocks, RocksDBVersionedStore.class), batch);
                    unwrap((StateStore) braid, BraidVersionedStore.class).openStore().restoreCallback().restoreBatch(batch);
                }
                assertEquals("v2@900", show(braid.get("lone")), "the older put became the newest");
                assertEquals("null", show(braid.get("gap", 1050)), "the gap after b");
                for (String k : List.of("lone", "gap", "after-tomb")) {
                    assertEquals(show(rocks.get(k)), show(braid.get(k)), k + " restore=" + restore);
                    for (long asOf = 400; asOf <= 1300; asOf += 50) {
                        assertEquals(show(rocks.get(k, asOf)), show(braid.get(k, asOf)), k + " asOf " + asOf + " restore=" + restore);
                    }
                }
            }
        }
    }

    private static void compare(VersionedKeyValueStore<String, String> braid, VersionedKeyValueStore<String, String> rocks,
                                Random rnd, long time, long historyMs, String where) {
        for (String k : KEYS) {
            assertEquals(show(rocks.get(k)), show(braid.get(k)), "get " + k + " " + where);
            for (int q = 0; q < 4; q++) {
                long asOf = Math.max(0, time - rnd.nextInt((int) historyMs * 2));
                assertEquals(show(rocks.get(k, asOf)), show(braid.get(k, asOf)), "get " + k + " asOf " + asOf + " " + where);
            }
        }
    }

    private static <T> T unwrap(StateStore store, Class<T> type) throws ReflectiveOperationException {
        Object s = store;
        while (!type.isInstance(s)) {
            if (s instanceof WrappedStateStore<?, ?, ?> w) {
                s = w.wrapped();
            } else {
                Field inner = s.getClass().getDeclaredField("inner"); // VersionedKeyValueToBytesStoreAdapter
                inner.setAccessible(true);
                s = inner.get(s);
            }
        }
        return type.cast(s);
    }

    private static ConsumerRecord<byte[], byte[]> record(long offset, String key, String value, long timestamp) {
        return new ConsumerRecord<>("changelog", 0, offset, timestamp, TimestampType.CREATE_TIME, 0, 0,
                key.getBytes(StandardCharsets.UTF_8), value == null ? null : value.getBytes(StandardCharsets.UTF_8),
                new RecordHeaders(), Optional.empty());
    }

    private static String show(VersionedRecord<String> r) {
        return r == null ? "null" : r.value() + "@" + r.timestamp() + r.validTo().map(t -> ".." + t).orElse("");
    }

    private static TopologyTestDriver driver(long historyMs) {
        Duration history = Duration.ofMillis(historyMs);
        return SegmentedStoreOracleTest.driver(
                Stores.versionedKeyValueStoreBuilder(BraidStores.persistentVersionedKeyValueStore("braid", history),
                        Serdes.String(), Serdes.String()),
                Stores.versionedKeyValueStoreBuilder(Stores.persistentVersionedKeyValueStore("rocks", history),
                        Serdes.String(), Serdes.String()));
    }
}
