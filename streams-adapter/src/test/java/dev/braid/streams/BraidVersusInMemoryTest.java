package dev.braid.streams;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Seeded random operations on a Braid store and on Kafka's in-memory store side by side; every answer
 * must agree. Keys are short random bytes (so unsigned order, prefixes and the 0xFF edge occur), with
 * commits and a close/reopen of the Braid store in between. The seed is in the failure message.
 */
class BraidVersusInMemoryTest {
    @TempDir
    Path dir;

    /** {@code mode}: the {@code braid.write.mode}; merge-tree runs use a 4 KiB buffer, flushed as segments often. */
    @ParameterizedTest
    @CsvSource({"1, tree", "2, tree", "3, tree", "42, tree", "1, merge-tree", "42, merge-tree"})
    void randomOperationsAgreeWithTheInMemoryStore(long seed, String mode) {
        Random rnd = new Random(seed);
        TestStoreContext ctx = StoreFixture.context(dir).config(BraidConfig.WRITE_MODE, mode);
        if (mode.equals("merge-tree")) {
            ctx.config(BraidConfig.WRITE_BUFFER_BYTES, 4096);
        }
        BraidKeyValueStore braid = StoreFixture.open(ctx, "random");
        KeyValueStore<Bytes, byte[]> oracle = Stores.inMemoryKeyValueStore("oracle").get();
        oracle.init(new TestStoreContext(dir.resolve("oracle")), oracle);
        try {
            for (int op = 0; op < 4000; op++) {
                String where = "seed " + seed + " (" + mode + "), op " + op;
                switch (rnd.nextInt(12)) {
                    case 0, 1, 2 -> {
                        Bytes k = key(rnd);
                        byte[] val = value(rnd);
                        braid.put(k, val);
                        oracle.put(k, val);
                    }
                    case 3 -> {
                        Bytes k = key(rnd);
                        byte[] val = value(rnd);
                        assertEquals(hex(oracle.putIfAbsent(k, val)), hex(braid.putIfAbsent(k, val)), where);
                    }
                    case 4 -> {
                        List<KeyValue<Bytes, byte[]>> batch = new ArrayList<>();
                        for (int i = rnd.nextInt(20); i > 0; i--) {
                            batch.add(KeyValue.pair(key(rnd), rnd.nextInt(4) == 0 ? null : value(rnd)));
                        }
                        braid.putAll(batch);
                        oracle.putAll(batch);
                    }
                    case 5 -> {
                        Bytes k = key(rnd);
                        assertEquals(hex(oracle.delete(k)), hex(braid.delete(k)), where);
                    }
                    case 6 -> {
                        Bytes k = key(rnd);
                        assertEquals(hex(oracle.get(k)), hex(braid.get(k)), where);
                    }
                    case 7 -> {
                        Bytes from = rnd.nextInt(5) == 0 ? null : key(rnd);
                        Bytes to = rnd.nextInt(5) == 0 ? null : key(rnd);
                        assertEquals(StoreFixture.drainHex(oracle.range(from, to)),
                                StoreFixture.drainHex(braid.range(from, to)), where);
                        assertEquals(StoreFixture.drainHex(oracle.reverseRange(from, to)),
                                StoreFixture.drainHex(braid.reverseRange(from, to)), where);
                    }
                    case 8 -> {
                        byte[] prefix = Arrays.copyOf(key(rnd).get(), 1 + rnd.nextInt(2));
                        if (allOnes(prefix)) {
                            continue; // Kafka's in-memory store throws for these; Braid scans to the end
                        }
                        // Kafka's in-memory store scans [prefix, increment(prefix)) with a carry, so for
                        // prefix FC FF it also returns key FD; Braid returns only keys with the prefix
                        String hexPrefix = Bytes.wrap(prefix).toString();
                        List<String> expected = StoreFixture.drainHex(oracle.prefixScan(prefix, (t, d) -> d)).stream()
                                .filter(e -> e.startsWith(hexPrefix)).toList();
                        List<String> actual = StoreFixture.drainHex(braid.prefixScan(prefix, (t, d) -> d));
                        if (!expected.equals(actual)) { // diagnostics for an intermittent engine scan miss
                            where += ", prefix " + hexPrefix + ", rescan " + StoreFixture.drainHex(
                                    braid.prefixScan(prefix, (t, d) -> d)) + ", quarantined " + quarantined()
                                    + ", check "
                                    + braid.braid().check() + ", stats " + braid.stats();
                        }
                        assertEquals(expected, actual, where);
                    }
                    case 9 -> assertEquals(oracle.approximateNumEntries(), braid.approximateNumEntries(), where);
                    case 10 -> {
                        assertEquals(StoreFixture.drainHex(oracle.all()), StoreFixture.drainHex(braid.all()), where);
                        assertEquals(StoreFixture.drainHex(oracle.reverseAll()), StoreFixture.drainHex(braid.reverseAll()), where);
                    }
                    default -> {
                        braid.commit(java.util.Map.of());
                        if (rnd.nextInt(10) == 0) {
                            braid.close();
                            braid = StoreFixture.open(ctx, "random");
                            // A reopen must find the store as committed, not quarantine it and start empty.
                            assertEquals(List.of(), quarantined(), where + ": store moved aside at reopen");
                            assertEquals(oracle.approximateNumEntries(), braid.approximateNumEntries(),
                                    where + ": entries after reopen");
                        }
                    }
                }
            }
            assertEquals(StoreFixture.drainHex(oracle.all()), StoreFixture.drainHex(braid.all()), "seed " + seed);
        } finally {
            braid.close();
            oracle.close();
        }
    }

    /** Store directories moved aside as damaged ({@code *.corrupt-*}) anywhere under the test's dir. */
    private List<String> quarantined() {
        try (var paths = java.nio.file.Files.walk(dir)) {
            return paths.map(p -> p.getFileName().toString()).filter(n -> n.contains(".corrupt-")).toList();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static Bytes key(Random rnd) {
        byte[] k = new byte[1 + rnd.nextInt(3)];
        for (int i = 0; i < k.length; i++) {
            k[i] = (byte) (rnd.nextBoolean() ? rnd.nextInt(4) : 0xFC + rnd.nextInt(4)); // small alphabet: collisions
        }
        return Bytes.wrap(k);
    }

    private static byte[] value(Random rnd) {
        byte[] v = new byte[rnd.nextInt(40)];
        rnd.nextBytes(v);
        return v;
    }

    private static boolean allOnes(byte[] prefix) {
        for (byte x : prefix) {
            if (x != (byte) 0xFF) {
                return false;
            }
        }
        return true;
    }

    private static String hex(byte[] b) {
        return b == null ? null : Bytes.wrap(b).toString();
    }
}
