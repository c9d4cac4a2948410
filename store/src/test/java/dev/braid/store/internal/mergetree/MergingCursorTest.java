package dev.braid.store.internal.mergetree;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.braid.store.internal.page.PageCache;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The k-way merge against a model in which the newest source holding a key wins. */
class MergingCursorTest {

    /** Random sorted sources over a small key space (many keys in several sources), newest first. */
    private static List<NavigableMap<byte[], byte[]>> sources(Random rnd, int k, int keySpace) {
        List<NavigableMap<byte[], byte[]>> out = new ArrayList<>();
        for (int s = 0; s < k; s++) {
            NavigableMap<byte[], byte[]> m = SegTestSupport.newModel();
            int n = rnd.nextInt(4) == 0 ? 0 : rnd.nextInt(rnd.nextBoolean() ? 20 : 400);
            for (int i = 0; i < n; i++) {
                int kind = rnd.nextInt(10);
                byte[] key = kind == 0 ? SegTestSupport.randomKey(rnd, 3)
                        : kind == 1 ? tiedHead(rnd)
                        : new byte[] {(byte) rnd.nextInt(keySpace >> 8), (byte) rnd.nextInt(256)};
                // The value names its source, so the model can tell which one won.
                m.put(key, rnd.nextInt(6) == 0 ? WriteBuffer.TOMBSTONE : new byte[] {(byte) s, (byte) i});
            }
            out.add(m);
        }
        return out;
    }

    /**
     * A key whose first eight bytes most such keys share (the cursor's heads tie and the keys
     * themselves decide), possibly shorter, or longer by bytes 0x00, 0x01 or 0xFF.
     */
    private static byte[] tiedHead(Random rnd) {
        byte[] k = new byte[6 + rnd.nextInt(5)];
        java.util.Arrays.fill(k, (byte) 9);
        for (int i = 8; i < k.length; i++) {
            k[i] = new byte[] {0x00, 0x01, (byte) 0xFF}[rnd.nextInt(3)];
        }
        return k;
    }

    private static NavigableMap<byte[], byte[]> model(List<NavigableMap<byte[], byte[]>> newestFirst) {
        NavigableMap<byte[], byte[]> m = SegTestSupport.newModel();
        for (int s = newestFirst.size() - 1; s >= 0; s--) {
            m.putAll(newestFirst.get(s)); // newer sources overwrite older ones
        }
        return m;
    }

    private static SortedSource arraySource(NavigableMap<byte[], byte[]> m, boolean reverse) {
        byte[][] keys = m.keySet().toArray(new byte[0][]);
        byte[][] vals = m.values().toArray(new byte[0][]);
        return reverse ? SortedSource.of(keys, vals, keys.length - 1, -1) : SortedSource.of(keys, vals, 0, keys.length);
    }

    private static void check(String ctx, MergingCursor c, NavigableMap<byte[], byte[]> model, boolean reverse)
            throws IOException {
        int i = 0;
        for (Map.Entry<byte[], byte[]> e : (reverse ? model.descendingMap() : model).entrySet()) {
            assertTrue(c.valid(), ctx + ": ended after " + i + " of " + model.size());
            assertArrayEquals(e.getKey(), c.key(), ctx + ": key " + i);
            if (e.getValue() == WriteBuffer.TOMBSTONE) {
                assertSame(WriteBuffer.TOMBSTONE, c.value(), ctx + ": tombstone at " + i);
            } else {
                assertArrayEquals(e.getValue(), c.value(), ctx + ": value " + i + " (first byte = winning source)");
            }
            c.next();
            i++;
        }
        assertFalse(c.valid(), ctx + ": runs past the end");
    }

    @Test
    void newestSourceWinsBothWays() throws IOException {
        long seed = SegTestSupport.seed(101);
        Random rnd = new Random(seed);
        for (int round = 0; round < 150; round++) {
            int k = 1 + rnd.nextInt(12);
            List<NavigableMap<byte[], byte[]>> srcs = sources(rnd, k, rnd.nextBoolean() ? 256 : 4096);
            NavigableMap<byte[], byte[]> model = model(srcs);
            for (boolean reverse : new boolean[] {false, true}) {
                List<SortedSource> list = new ArrayList<>();
                for (NavigableMap<byte[], byte[]> m : srcs) {
                    list.add(arraySource(m, reverse));
                }
                check("seed " + seed + " round " + round + " k " + k + " reverse " + reverse,
                        new MergingCursor(list, reverse), model, reverse);
            }
        }
    }

    @Test
    void identicalSourcesAndNoSources() throws IOException {
        assertFalse(new MergingCursor(List.of(), false).valid());
        NavigableMap<byte[], byte[]> empty = SegTestSupport.newModel();
        assertFalse(new MergingCursor(List.of(arraySource(empty, false), arraySource(empty, false)), false).valid());
        // Every source holds the same keys: only the newest one's entries come out.
        List<NavigableMap<byte[], byte[]>> srcs = new ArrayList<>();
        for (int s = 0; s < 12; s++) {
            NavigableMap<byte[], byte[]> m = SegTestSupport.newModel();
            for (int i = 0; i < 50; i++) {
                m.put(new byte[] {(byte) i}, s == 3 && i % 2 == 0 ? WriteBuffer.TOMBSTONE : new byte[] {(byte) s});
            }
            srcs.add(m);
        }
        for (boolean reverse : new boolean[] {false, true}) {
            List<SortedSource> list = new ArrayList<>();
            srcs.forEach(m -> list.add(arraySource(m, reverse)));
            check("identical reverse " + reverse, new MergingCursor(list, reverse), srcs.get(0), reverse);
            List<SortedSource> from3 = new ArrayList<>();
            srcs.subList(3, 12).forEach(m -> from3.add(arraySource(m, reverse)));
            check("identical from 3, reverse " + reverse, new MergingCursor(from3, reverse), srcs.get(3), reverse);
        }
    }

    /** Segments as sources, through {@link SortedSource#of(SegmentCursor, boolean)}. */
    @Test
    void mergesSegmentCursors() throws IOException {
        long seed = SegTestSupport.seed(102);
        Random rnd = new Random(seed);
        for (int round = 0; round < 20; round++) {
            int k = 1 + rnd.nextInt(8);
            List<NavigableMap<byte[], byte[]>> srcs = sources(rnd, k, 4096);
            srcs.removeIf(NavigableMap::isEmpty); // a segment has at least one entry
            NavigableMap<byte[], byte[]> model = model(srcs);
            MemPageFile f = new MemPageFile(512, new Random(seed + round));
            SegmentReader reader = new SegmentReader(f, new PageCache(1 << 20), 512);
            List<Segment> segs = new ArrayList<>();
            for (NavigableMap<byte[], byte[]> m : srcs) {
                SegmentWriter w = new SegmentWriter(f, m.size());
                for (Map.Entry<byte[], byte[]> e : m.entrySet()) {
                    w.add(e.getKey(), e.getValue());
                }
                segs.add(Segment.open(w.finish(0, false), reader));
            }
            for (boolean reverse : new boolean[] {false, true}) {
                List<SortedSource> list = new ArrayList<>();
                for (Segment s : segs) {
                    SegmentCursor c = s.cursor(rnd.nextBoolean());
                    if (reverse) {
                        c.seekBackward(null, true);
                    } else {
                        c.seekForward(null, true);
                    }
                    list.add(SortedSource.of(c, reverse));
                }
                check("segments seed " + seed + " round " + round + " reverse " + reverse,
                        new MergingCursor(list, reverse), model, reverse);
            }
        }
    }
}
