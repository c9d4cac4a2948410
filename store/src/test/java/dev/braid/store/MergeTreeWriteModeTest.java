package dev.braid.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link WriteMode#MERGE_TREE}: B+tree writes go through the write buffer and segments, and the
 * store holds exactly what it would in {@link WriteMode#TREE} mode, before and after commits,
 * reopens, merges and a close without commit.
 */
class MergeTreeWriteModeTest {
    @TempDir
    Path dir;

    private static BraidOptions options(WriteMode mode) {
        return BraidOptions.builder().writeMode(mode).writeBufferBytes(64 * 1024).backgroundMerges(false).build();
    }

    private static byte[] k(int i) {
        return String.format("key-%06d", i).getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] v(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void treeWritesGoToTheWriteBufferNotTheTree() {
        try (Braid store = Braid.open(dir.resolve("merge"), options(WriteMode.MERGE_TREE));
             Braid tree = Braid.open(dir.resolve("tree"), options(WriteMode.TREE))) {
            for (Braid s : List.of(store, tree)) {
                s.put(k(1), v("one"));
                s.write(new WriteBatch().put(k(2), v("two")).delete(k(1)));
            }
            assertTrue(store.stats().writeBufferBytes() > 0, "merge-tree mode buffers tree writes");
            assertEquals(0, tree.stats().writeBufferBytes(), "tree mode writes into the tree");
            for (Braid s : List.of(store, tree)) {
                assertNull(s.get(k(1)));
                assertArrayEquals(v("two"), s.get(k(2)));
                assertEquals(1, s.count());
            }
        }
    }

    @Test
    void randomUpdatesMatchAModelAcrossFlushesCommitsMergesAndReopens() {
        TreeMap<byte[], byte[]> model = new TreeMap<>(Arrays::compareUnsigned);
        Random rnd = new Random(42);
        Path path = dir.resolve("store");
        long segmentsSeen = 0;
        for (int session = 0; session < 4; session++) {
            try (Braid store = Braid.open(path, options(WriteMode.MERGE_TREE))) {
                assertSame(model, store);
                for (int round = 0; round < 5; round++) {
                    for (int op = 0; op < 3000; op++) {
                        int key = rnd.nextInt(5000);
                        if (rnd.nextInt(10) == 0) {
                            store.delete(k(key));
                            model.remove(k(key));
                        } else {
                            byte[] value = new byte[rnd.nextInt(60)];
                            rnd.nextBytes(value);
                            store.put(k(key), value);
                            model.put(k(key), value);
                        }
                    }
                    segmentsSeen = Math.max(segmentsSeen, store.stats().segments());
                    store.commit(Map.of("offset", session + "." + round));
                    assertSame(model, store);
                }
                store.finishMerges();
                store.commit(Map.of("offset", "merged " + session));
                assertEquals(0, store.stats().segments());
                assertSame(model, store);
                assertEquals(List.of(), store.check());
            }
        }
        assertTrue(segmentsSeen > 0, "the updates were flushed as segments");
    }

    @Test
    void aCloseWithoutCommitLeavesTheLastCommitAfterSegmentsWereFlushed() {
        TreeMap<byte[], byte[]> committed = new TreeMap<>(Arrays::compareUnsigned);
        Path path = dir.resolve("store");
        try (Braid store = Braid.open(path, options(WriteMode.MERGE_TREE))) {
            for (int i = 0; i < 2000; i++) {
                store.put(k(i), v("c" + i));
                committed.put(k(i), v("c" + i));
            }
            store.commit(Map.of("offset", "1"));
            for (int i = 0; i < 4000; i++) {
                store.put(k(i), v("uncommitted, long enough to fill the buffer " + i));
            }
            store.delete(k(7));
            assertTrue(store.stats().segments() > 0, "uncommitted updates were flushed as segments");
        }
        try (Braid store = Braid.open(path, options(WriteMode.MERGE_TREE))) {
            assertEquals(Map.of("offset", "1"), store.committedMetadata());
            assertSame(committed, store);
            assertEquals(List.of(), store.check());
        }
    }

    private static void assertSame(TreeMap<byte[], byte[]> model, Braid store) {
        assertEquals(model.size(), store.count());
        Iterator<Map.Entry<byte[], byte[]>> want = model.entrySet().iterator();
        try (BraidIterator it = store.iterator(KeyRange.all())) {
            while (it.hasNext()) {
                Map.Entry<byte[], byte[]> w = want.next();
                Entry e = it.next();
                assertArrayEquals(w.getKey(), e.key());
                assertArrayEquals(w.getValue(), e.value());
            }
        }
        assertTrue(!want.hasNext());
        for (Map.Entry<byte[], byte[]> w : model.entrySet()) {
            assertArrayEquals(w.getValue(), store.get(w.getKey()));
        }
    }
}
