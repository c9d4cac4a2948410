package dev.braid.store;

import static dev.braid.store.FaultTestSupport.hasCause;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Values too large for a leaf cell but at most a page (docs/format/page-file.md, leaf cell flag 4):
 * stored in one data page each, without a blob index page, by point writes and by folds alike;
 * read back byte for byte around the page-size boundary, after reopen, with a clean {@code check()};
 * a damaged value page is a typed error for that key, never wrong bytes.
 */
class PageSizedValuesTest {
    private static final int PAGE = 1024;

    @TempDir
    Path dir;

    private static BraidOptions options() {
        return BraidOptions.builder().pageSizeBytes(PAGE).cacheBytes(8L << 20).writeBufferBytes(64L << 20).build();
    }

    @Test
    void aValueOfAPageTakesOnePageThroughFoldsAndPointWrites() {
        NavigableMap<byte[], byte[]> model = FaultTestSupport.newModel();
        Random rnd = new Random(7);
        long raw = 0;
        List<byte[]> keys = new ArrayList<>();
        try (Braid b = Braid.open(dir, options())) {
            for (int i = 0; i < 3_000; i += 500) { // a restore: blind, unlogged, then folded
                WriteBatch batch = new WriteBatch().unlogged();
                for (int j = 0; j < 500; j++) {
                    byte[] k = bytes(rnd, 16);
                    byte[] v = bytes(rnd, PAGE);
                    batch.blindPut(k, v);
                    model.put(k, v);
                    keys.add(k);
                    raw += k.length + v.length;
                }
                b.write(batch);
            }
            b.commit(Map.of("offset", "1"));
            b.finishMerges();
            b.commit(Map.of("offset", "1"));
            b.compact();
            long pages = b.stats().pageCount();
            System.out.printf("PageSizedValuesTest: %d values of %d bytes in %d pages%n", keys.size(), PAGE, pages);
            // one page a value, plus leaves (16-byte key and a reference: about 37 cells a page)
            assertTrue(pages <= keys.size() * 11L / 10 + 16, pages + " pages for " + raw + " bytes");
            verify(b, model);
            // point writes around the boundary: inline, direct page, indexed blob
            int[] sizes = {PAGE / 4 - 30, PAGE / 4, PAGE - 1, PAGE, PAGE + 1, 2 * PAGE, 3 * PAGE + 5};
            for (int i = 0; i < 700; i++) {
                byte[] k = i % 2 == 0 ? keys.get(rnd.nextInt(keys.size())) : bytes(rnd, 16);
                byte[] v = bytes(rnd, sizes[rnd.nextInt(sizes.length)]);
                b.put(k, v);
                model.put(k, v);
            }
            for (int i = 0; i < 200; i++) {
                byte[] k = keys.get(rnd.nextInt(keys.size()));
                b.delete(k);
                model.remove(k);
            }
            b.commit(Map.of("offset", "2"));
            verify(b, model);
        }
        try (Braid b = Braid.open(dir, options())) {
            verify(b, model);
            assertEquals(List.of(), b.check());
            assertEquals(Map.of("offset", "2"), b.committedMetadata());
        }
    }

    /**
     * A restore (blind, unlogged, folded into the tree) keeps the value pages it writes in a cache
     * that has room for them, so the gets after it read no value from the file; with a budget too
     * small for them, the gets read them and still answer right.
     */
    @Test
    void aRestoreLeavesItsValuesInACacheWithRoomForThem() {
        for (long cache : new long[] {32L << 20, 256L << 10}) {
            Path d = dir.resolve("cache-" + cache);
            Random rnd = new Random(10);
            NavigableMap<byte[], byte[]> model = FaultTestSupport.newModel();
            BraidOptions opts = BraidOptions.builder().pageSizeBytes(PAGE).cacheBytes(cache)
                    .writeBufferBytes(Math.min(cache / 2, 4L << 20)).build();
            try (Braid b = Braid.open(d, opts)) {
                for (int i = 0; i < 2_000; i += 500) {
                    WriteBatch batch = new WriteBatch().unlogged();
                    for (int j = 0; j < 500; j++) {
                        byte[] k = bytes(rnd, 16);
                        byte[] v = bytes(rnd, PAGE - rnd.nextInt(300));
                        batch.blindPut(k, v);
                        model.put(k, v);
                    }
                    b.write(batch);
                }
                b.commit(Map.of("offset", "1"));
                b.finishMerges();
                b.commit(Map.of("offset", "1"));
                long before = b.stats().bytesRead();
                verify(b, model);
                long read = b.stats().bytesRead() - before;
                if (cache > (8L << 20)) {
                    assertTrue(read < 200L * PAGE, read + " bytes read by the gets: leaves at most, no values");
                } else {
                    assertTrue(read >= 1_000L * PAGE, read + " bytes read: most values came from the file");
                }
                assertEquals(List.of(), b.check());
            }
        }
    }

    @Test
    void aDamagedValuePageIsATypedErrorForItsKeyOnly() throws IOException {
        Random rnd = new Random(8);
        byte[] victim = "victim".getBytes();
        byte[] value = bytes(rnd, PAGE - 3);
        NavigableMap<byte[], byte[]> others = FaultTestSupport.newModel();
        try (Braid b = Braid.open(dir, options())) {
            b.put(victim, value);
            for (int i = 0; i < 50; i++) {
                byte[] v = bytes(rnd, PAGE / 2);
                others.put(("other-" + i).getBytes(), v);
                b.put(("other-" + i).getBytes(), v);
            }
            b.commit(Map.of("offset", "1"));
        }
        Path pages = dir.resolve("braid.pages");
        byte[] file = Files.readAllBytes(pages);
        int at = FaultTestSupport.indexOf(file, Arrays.copyOf(value, 64));
        assertTrue(at > 0 && at % PAGE == 0, "the value starts a page of its own");
        file[at + 100] ^= 0x10;
        Files.write(pages, file);
        try (Braid b = Braid.open(dir, options())) {
            BraidException e = assertThrows(BraidException.class, () -> b.get(victim));
            assertTrue(hasCause(e, c -> c instanceof CorruptionException), "typed: " + e);
            for (Map.Entry<byte[], byte[]> o : others.entrySet()) {
                assertArrayEquals(o.getValue(), b.get(o.getKey()));
            }
            assertFalse(b.check().isEmpty(), "check() reports the damaged page");
        }
    }

    @Test
    void aValuePageIsReadOnceThenFromTheCacheAndNeverStaleWhenItsPageIsReused() {
        Random rnd = new Random(9);
        NavigableMap<byte[], byte[]> model = FaultTestSupport.newModel();
        List<byte[]> keys = new ArrayList<>();
        try (Braid b = Braid.open(dir, options())) {
            for (int i = 0; i < 200; i++) {
                byte[] k = ("key-" + i).getBytes();
                keys.add(k);
                model.put(k, bytes(rnd, PAGE - 1 - rnd.nextInt(200)));
                b.put(k, model.get(k));
            }
            b.commit(Map.of("offset", "1"));
            verify(b, model);
            long read = b.stats().bytesRead();
            verify(b, model);
            assertEquals(read, b.stats().bytesRead(), "the second get of each value reads nothing");
            for (int round = 0; round < 30; round++) {
                for (int i = 0; i < 40; i++) {
                    byte[] k = keys.get(rnd.nextInt(keys.size()));
                    if (rnd.nextInt(4) == 0) {
                        b.delete(k); // frees its value page for the next value
                        model.remove(k);
                    } else {
                        model.put(k, bytes(rnd, PAGE - 1 - rnd.nextInt(200)));
                        b.put(k, model.get(k));
                    }
                }
                if (round % 3 == 0) {
                    b.commit(Map.of("offset", Integer.toString(round)));
                }
                verify(b, model);
            }
            b.commit(Map.of("offset", "end"));
        }
        try (Braid b = Braid.open(dir, options())) {
            verify(b, model);
            assertTrue(b.check().isEmpty());
        }
    }

    private static void verify(Braid b, NavigableMap<byte[], byte[]> model) {
        FaultTestSupport.assertContents(b, model, model.keySet(), "the store against its model");
    }

    private static byte[] bytes(Random rnd, int n) {
        byte[] b = new byte[n];
        rnd.nextBytes(b);
        return b;
    }
}
