package dev.braid.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A flush of a write buffer with more than 65,536 keys, whose bloom filter is built on a helper
 * thread from the buffer in write order while the segment is written in key order: every key
 * written (overwritten, deleted) is found through the segment, absent keys are not, before and after
 * reopening, and {@code check()} is clean.
 */
class LargeFlushTest {
    @TempDir
    Path dir;

    @Test
    void everyKeyOfALargeFlushIsFoundThroughItsSegment() {
        BraidOptions opts = BraidOptions.builder().cacheBytes(256L << 20).writeBufferBytes(64L << 20)
                .restoreBufferBytes(0).build();
        Random rnd = new Random(5);
        TreeMap<byte[], byte[]> model = new TreeMap<>(Arrays::compareUnsigned);
        List<byte[]> keys = new ArrayList<>();
        try (Braid b = Braid.open(dir, opts)) {
            b.put(new byte[] {0}, new byte[] {1}); // a tree below: no direct build at commit
            model.put(new byte[] {0}, new byte[] {1});
            b.commit(Map.of("o", "0"));
            b.pauseMerges();
            WriteBatch batch = new WriteBatch().unlogged();
            for (int i = 0; i < 120_000; i++) {
                byte[] k = new byte[8 + rnd.nextInt(17)];
                rnd.nextBytes(k);
                k[0] |= 1;
                byte[] v = new byte[rnd.nextInt(120)];
                rnd.nextBytes(v);
                batch.blindPut(k, v);
                model.put(k, v);
                keys.add(k);
            }
            for (int i = 0; i < 15_000; i++) {
                byte[] k = keys.get(rnd.nextInt(keys.size()));
                if (i % 3 == 0) {
                    batch.blindDelete(k);
                    model.remove(k);
                } else {
                    byte[] v = new byte[] {(byte) i, 7};
                    batch.blindPut(k, v);
                    model.put(k, v);
                }
            }
            b.write(batch);
            b.commit(Map.of("o", "1"));
            assertEquals(1, b.stats().segments(), "the buffer became one segment");
            assertFound(b, model, keys, rnd);
        }
        try (Braid b = Braid.open(dir, opts)) {
            assertEquals(Map.of("o", "1"), b.committedMetadata());
            assertFound(b, model, keys, rnd);
            assertEquals(List.of(), b.check());
        }
    }

    private static void assertFound(Braid b, TreeMap<byte[], byte[]> model, List<byte[]> keys, Random rnd) {
        for (byte[] k : keys) {
            byte[] want = model.get(k);
            byte[] got = b.get(k);
            if (want == null) {
                assertNull(got, "a deleted key");
            } else {
                assertArrayEquals(want, got, "a written key");
            }
        }
        for (int i = 0; i < 20_000; i++) {
            byte[] k = new byte[16];
            rnd.nextBytes(k);
            k[0] &= ~1; // never written: written keys are odd
            assertNull(b.get(k));
        }
        assertEquals(model.size(), b.count());
        assertTrue(b.count() > 65_536);
    }
}
