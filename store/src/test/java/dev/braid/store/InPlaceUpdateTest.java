package dev.braid.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Updates of fixed-size values, which change a committed (packed) leaf in place without unpacking
 * it, mixed on the same leaves with inserts, deletes, other sizes and blob values (which unpack it),
 * with reads and scans between them, commits, uncommitted writes dropped at close, and reopen: the
 * store always answers like a map, and {@code check()} stays clean.
 */
class InPlaceUpdateTest {
    @TempDir
    Path dir;

    @Test
    void fixedSizeUpdatesMixedWithEverythingElse() {
        BraidOptions opts = BraidOptions.builder().pageSizeBytes(1024).cacheBytes(4L << 20).build();
        Random rnd = new Random(11);
        NavigableMap<byte[], byte[]> model = FaultTestSupport.newModel();
        List<byte[]> keys = new ArrayList<>();
        try (Braid b = Braid.open(dir, opts)) {
            for (int i = 0; i < 4_000; i++) {
                byte[] k = ("key-" + (100_000 + i * 7)).getBytes();
                byte[] v = value(rnd, 40);
                b.put(k, v);
                model.put(k, v);
                keys.add(k);
            }
            b.commit(Map.of("c", "0"));
            for (int c = 1; c <= 12; c++) {
                for (int i = 0; i < 1_500; i++) {
                    byte[] k = keys.get(rnd.nextInt(keys.size()));
                    int what = rnd.nextInt(20);
                    if (what < 14 || !model.containsKey(k)) {
                        byte[] v = value(rnd, 40); // same size: in place while the leaf is packed
                        b.put(k, v);
                        model.put(k, v);
                    } else if (what < 16) {
                        byte[] v = value(rnd, rnd.nextBoolean() ? 12 : 600); // other size, or a blob
                        b.put(k, v);
                        model.put(k, v);
                    } else if (what < 18) {
                        b.delete(k);
                        model.remove(k);
                    } else {
                        byte[] nk = (new String(k) + "-" + c).getBytes(); // a neighbour in the same leaf
                        byte[] v = value(rnd, 40);
                        b.put(nk, v);
                        model.put(nk, v);
                    }
                    if (i % 500 == 0) {
                        byte[] probe = keys.get(rnd.nextInt(keys.size()));
                        assertArrayEquals(model.get(probe), b.get(probe), "read your writes");
                    }
                }
                verify(b, model);
                b.commit(Map.of("c", "" + c));
                if (c % 4 == 0) {
                    b.checkpoint(); // leaves read back from the file: packed again
                }
            }
            for (int i = 0; i < 500; i++) { // never committed: dropped at close
                b.put(keys.get(rnd.nextInt(keys.size())), value(rnd, 40));
            }
        }
        try (Braid b = Braid.open(dir, opts)) {
            verify(b, model);
            assertEquals(Map.of("c", "12"), b.committedMetadata());
            assertEquals(List.of(), b.check());
        }
    }

    private static void verify(Braid b, NavigableMap<byte[], byte[]> model) {
        FaultTestSupport.assertContents(b, model, java.util.List.of(), "the store against its model");
    }

    /**
     * A packed leaf marks a value on overflow pages with the in-cell length 0xFFFF (which no cell of
     * a page of at most 64 KiB can hold): an update by a value of exactly 65,535 bytes must replace
     * the blob, not be written into the cell over the blob's 8-byte reference.
     */
    @Test
    void aValueOf65535BytesIsNeverTakenForAnInCellOne() {
        BraidOptions opts = BraidOptions.builder().pageSizeBytes(4096).cacheBytes(8L << 20).build();
        Random rnd = new Random(5);
        byte[] k = "the-key".getBytes();
        byte[] neighbour = "the-key-2".getBytes();
        byte[] small = value(rnd, 20);
        byte[] first = value(rnd, 0xFFFF);
        byte[] second = value(rnd, 0xFFFF);
        try (Braid b = Braid.open(dir, opts)) {
            b.put(k, first);
            b.put(neighbour, small);
            b.commit(Map.of("c", "1")); // the leaf is packed now, its value a blob
            b.put(k, second); // same length as the marker
            assertArrayEquals(second, b.get(k));
            assertArrayEquals(small, b.get(neighbour));
            b.commit(Map.of("c", "2"));
            b.put(k, second); // the same value again: still not compared as in-cell bytes
            assertArrayEquals(second, b.get(k));
            b.commit(Map.of("c", "3"));
            assertEquals(List.of(), b.check());
        }
        try (Braid b = Braid.open(dir, opts)) {
            assertArrayEquals(second, b.get(k));
            assertArrayEquals(small, b.get(neighbour));
            assertEquals(List.of(), b.check());
        }
    }

    private static byte[] value(Random rnd, int n) {
        byte[] v = new byte[n];
        rnd.nextBytes(v);
        return v;
    }
}
