package dev.braid.store.internal.mergetree;

import static dev.braid.store.internal.mergetree.SegTestSupport.show;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.braid.store.Braid;
import dev.braid.store.internal.page.PageCache;
import dev.braid.store.internal.page.Run;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Segments written by {@link SegmentWriter} and read back through {@link Segment} and
 * {@link SegmentCursor}, compared with a sorted-map model: point reads of every key and of absent
 * keys, full walks both ways, seeks with neighbouring steps, and the {@link SegmentInfo} the writer
 * returns (counts, key range, and runs that cover exactly the pages written).
 */
class SegmentRoundTripTest {

    /** What a dataset holds, beyond ordinary short keys and values. */
    record Shape(int n, double tombstones, double emptyValues, double bigValues, int bigValueMax, int maxKeys,
            boolean oneByteKeys, boolean emptyKey, int keyLen) {
        Shape(int n, double tombstones, double emptyValues, double bigValues, int bigValueMax, int maxKeys,
                boolean oneByteKeys, boolean emptyKey) {
            this(n, tombstones, emptyValues, bigValues, bigValueMax, maxKeys, oneByteKeys, emptyKey, 24);
        }
    }

    /** A written segment and what the writer reported. */
    record Written(MemPageFile file, SegmentInfo info, List<Run> spare, List<Run> taken, long live) {
    }

    static NavigableMap<byte[], byte[]> dataset(Random rnd, Shape s) {
        NavigableMap<byte[], byte[]> m = SegTestSupport.newModel();
        if (s.oneByteKeys) {
            for (int b = 0; b < 256; b++) {
                if (rnd.nextBoolean()) {
                    m.put(new byte[] {(byte) b}, value(rnd, s));
                }
            }
        }
        if (s.emptyKey) {
            m.put(new byte[0], value(rnd, s));
        }
        List<byte[]> bigKeys = new ArrayList<>();
        for (int i = 0; i < s.maxKeys; i++) {
            byte[] k = SegTestSupport.maxKey(rnd);
            m.put(k, value(rnd, s));
            bigKeys.add(k);
            if (i % 3 == 0) {
                // A neighbour differing only in its last byte: a long shared prefix in an index block.
                byte[] k2 = k.clone();
                k2[k2.length - 1] ^= 1;
                m.put(k2, value(rnd, s));
            }
        }
        while (m.size() < s.n) {
            m.put(SegTestSupport.randomKey(rnd, rnd.nextInt(4) == 0 ? s.keyLen : 24), value(rnd, s));
        }
        while (m.size() > s.n) {
            m.pollLastEntry(); // a shape may ask for fewer entries than its special keys
        }
        return m;
    }

    private static byte[] value(Random rnd, Shape s) {
        double r = rnd.nextDouble();
        if (r < s.tombstones) {
            return WriteBuffer.TOMBSTONE;
        }
        r -= s.tombstones;
        if (r < s.emptyValues) {
            return new byte[0];
        }
        r -= s.emptyValues;
        if (r < s.bigValues) {
            return SegTestSupport.randomValue(rnd, 1 + rnd.nextInt(s.bigValueMax));
        }
        return SegTestSupport.randomValue(rnd, rnd.nextInt(4) == 0 ? 0 : rnd.nextInt(16));
    }

    /**
     * Writes the model as a segment. Keys are handed over inside larger buffers at random offsets
     * (the offset variant of {@code add}), sometimes from one scratch buffer that is overwritten after
     * each add, as a merge would do.
     */
    static Written write(MemPageFile f, NavigableMap<byte[], byte[]> model, long expected, Random rnd, boolean known,
            long delta) throws IOException {
        SegmentWriter w = new SegmentWriter(f, expected);
        boolean scratch = rnd.nextBoolean();
        byte[] buf = new byte[Braid.MAX_KEY_BYTES + 64];
        int left = model.size();
        for (Map.Entry<byte[], byte[]> e : model.entrySet()) {
            byte[] k = e.getKey();
            int mode = rnd.nextInt(3);
            left--;
            if (mode == 0) {
                w.add(k.clone(), e.getValue());
            } else if (scratch) {
                int off = rnd.nextInt(32);
                System.arraycopy(k, 0, buf, off, k.length);
                w.add(buf, off, k.length, e.getValue());
                if (left > 0) {
                    // Scribble over it: the writer must have copied what it keeps. (Not after the last
                    // add: the writer reads the last key from the caller's buffer in finish, see
                    // lastKeyBufferOverwrittenBeforeFinish.)
                    Arrays.fill(buf, off, off + k.length, (byte) 0x5A);
                }
            } else {
                int off = rnd.nextInt(8);
                byte[] b = new byte[off + k.length + rnd.nextInt(8)];
                rnd.nextBytes(b);
                System.arraycopy(k, 0, b, off, k.length);
                w.add(b, off, k.length, e.getValue());
            }
        }
        assertEquals(model.size(), w.entries());
        SegmentInfo info = w.finish(delta, known);
        return new Written(f, info, w.sparePages(), w.taken(), w.liveEntries());
    }

    static Segment open(Written w, long cacheBytes) throws IOException {
        SegmentReader reader = new SegmentReader(w.file, new PageCache(cacheBytes), w.file.pageSize());
        return Segment.open(w.info, reader);
    }

    /** Checks the writer's report against the model and the pages written. */
    static void checkInfo(String ctx, Written w, NavigableMap<byte[], byte[]> model, boolean known, long delta) {
        SegmentInfo info = w.info;
        long tombs = model.values().stream().filter(v -> v == WriteBuffer.TOMBSTONE).count();
        long bytes = 0;
        for (Map.Entry<byte[], byte[]> e : model.entrySet()) {
            bytes += e.getKey().length + e.getValue().length;
        }
        assertEquals(0, info.id(), ctx);
        assertEquals(model.size(), info.entries(), ctx + ": entries");
        assertEquals(tombs, info.tombstones(), ctx + ": tombstones");
        assertEquals(model.size() - tombs, w.live, ctx + ": live entries");
        assertEquals(bytes, info.dataBytes(), ctx + ": data bytes");
        assertArrayEquals(model.firstKey(), info.minKey(), ctx + ": min key");
        assertArrayEquals(model.lastKey(), info.maxKey(), ctx + ": max key");
        assertEquals(known, info.deltaKnown(), ctx);
        assertEquals(known ? delta : 0, info.liveDelta(), ctx);
        assertTrue(info.rootPages() >= 1, ctx);
        assertTrue(info.bloomBytes() >= 12, ctx);

        MemPageFile f = w.file;
        assertEquals(List.of(), f.errors(), ctx + ": misuse of the sink");
        BitSet runs = MemPageFile.pagesOf(info.runs());
        BitSet spare = MemPageFile.pagesOf(w.spare);
        BitSet written = f.written();
        assertEquals(written, runs, ctx + ": the runs must cover exactly the pages written");
        assertEquals(written.cardinality(), info.pages(), ctx);
        BitSet both = (BitSet) runs.clone();
        both.and(spare);
        assertTrue(both.isEmpty(), ctx + ": runs and spare pages overlap: " + both);
        BitSet all = (BitSet) runs.clone();
        all.or(spare);
        assertEquals(f.allocated(), all, ctx + ": runs plus spare must be every page handed out");
        assertEquals(f.allocated(), MemPageFile.pagesOf(w.taken), ctx + ": taken() must be every page handed out");
        // The root and the bloom filter lie inside the runs.
        assertTrue(runs.get(info.rootPage()) && runs.get(info.rootPage() + info.rootPages() - 1), ctx);
        int bloomPages = (info.bloomBytes() + f.pageSize() - 1) / f.pageSize();
        assertEquals(bloomPages, runs.get(info.bloomPage(), info.bloomPage() + bloomPages).cardinality(), ctx);
    }

    /** Point reads, full walks and seeks against the model. */
    static void checkReads(String ctx, Segment seg, NavigableMap<byte[], byte[]> model, Random rnd, int seeks,
            boolean cachedCursor) throws IOException {
        byte[][] keys = model.keySet().toArray(new byte[0][]);
        byte[][] vals = model.values().toArray(new byte[0][]);
        for (int i = 0; i < keys.length; i++) {
            byte[] got = seg.get(keys[i], Bloom.hash(keys[i]));
            expectValue(ctx + ": get " + show(keys[i]), vals[i], got);
        }
        // Absent keys: random ones, neighbours of present ones, and keys outside [min, max].
        List<byte[]> absent = new ArrayList<>();
        for (int i = 0; i < Math.min(2000, 10 + keys.length); i++) {
            absent.add(SegTestSupport.randomKey(rnd, 24));
            byte[] k = keys[rnd.nextInt(keys.length)];
            absent.add(Arrays.copyOf(k, k.length + 1)); // just above k
            if (k.length > 0) {
                absent.add(Arrays.copyOf(k, k.length - 1)); // a prefix: below k
                byte[] d = k.clone();
                d[d.length - 1]--;
                absent.add(d);
            }
        }
        absent.add(new byte[0]);
        absent.add(new byte[] {(byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF});
        absent.add(Arrays.copyOf(model.lastKey(), model.lastKey().length + 1));
        byte[] allFF = new byte[Braid.MAX_KEY_BYTES];
        Arrays.fill(allFF, (byte) 0xFF);
        absent.add(allFF);
        for (byte[] k : absent) {
            if (!model.containsKey(k)) {
                assertNull(seg.get(k, Bloom.hash(k)), ctx + ": get of absent " + show(k));
            }
        }

        // Full walks.
        SegmentCursor c = seg.cursor(cachedCursor);
        c.seekForward(null, true);
        for (int i = 0; i < keys.length; i++) {
            assertTrue(c.valid(), ctx + ": forward walk ended at " + i + " of " + keys.length);
            expectEntry(ctx + ": forward walk at " + i, keys[i], vals[i], c);
            c.next();
        }
        assertFalse(c.valid(), ctx + ": forward walk runs past the last entry");
        c.seekBackward(null, true);
        for (int i = keys.length - 1; i >= 0; i--) {
            assertTrue(c.valid(), ctx + ": backward walk ended at " + i);
            expectEntry(ctx + ": backward walk at " + i, keys[i], vals[i], c);
            c.prev();
        }
        assertFalse(c.valid(), ctx + ": backward walk runs past the first entry");

        // Seeks at present and absent keys, then a few steps either way.
        for (int s = 0; s < seeks; s++) {
            byte[] k;
            int pick = rnd.nextInt(10);
            if (pick < 4) {
                k = keys[rnd.nextInt(keys.length)];
            } else if (pick < 9) {
                k = absent.get(rnd.nextInt(absent.size()));
            } else {
                k = null;
            }
            boolean forward = rnd.nextBoolean();
            boolean inclusive = rnd.nextBoolean();
            byte[] expectKey;
            if (forward) {
                c.seekForward(k, inclusive);
                expectKey = k == null ? model.firstKey() : inclusive ? model.ceilingKey(k) : model.higherKey(k);
            } else {
                c.seekBackward(k, inclusive);
                expectKey = k == null ? model.lastKey() : inclusive ? model.floorKey(k) : model.lowerKey(k);
            }
            String what = ctx + ": seek" + (forward ? "Forward(" : "Backward(") + show(k) + ", " + inclusive + ")";
            if (expectKey == null) {
                assertFalse(c.valid(), what + " should find nothing, found " + (c.valid() ? show(c.key()) : ""));
                continue;
            }
            int pos = Arrays.binarySearch(keys, expectKey, Arrays::compareUnsigned);
            for (int step = 0; step < 6; step++) {
                if (pos < 0 || pos >= keys.length) {
                    assertFalse(c.valid(), what + " then " + step + " steps: should be off the end");
                    break;
                }
                assertTrue(c.valid(), what + " then " + step + " steps");
                expectEntry(what + " then " + step + " steps", keys[pos], vals[pos], c);
                if (rnd.nextBoolean()) {
                    c.next();
                    pos++;
                } else {
                    c.prev();
                    pos--;
                }
            }
        }
    }

    static void expectValue(String what, byte[] expected, byte[] got) {
        if (expected == WriteBuffer.TOMBSTONE) {
            assertSame(WriteBuffer.TOMBSTONE, got, what + ": expected a tombstone, got " + show(got));
        } else {
            assertNotNull(got, what + ": missing");
            assertNotSame(WriteBuffer.TOMBSTONE, got, what + ": a live (possibly empty) value reads as a tombstone");
            assertArrayEquals(expected, got, what);
        }
    }

    static void expectEntry(String what, byte[] key, byte[] value, SegmentCursor c) throws IOException {
        byte[] k = c.key();
        if (!Arrays.equals(key, k)) {
            fail(what + ": key " + show(k) + ", expected " + show(key));
        }
        expectValue(what, value, c.value());
        assertEquals(value == WriteBuffer.TOMBSTONE, c.isTombstone(), what);
    }

    private void roundTrip(String name, int pageSize, Shape shape, long seed, int seeks) throws IOException {
        Random rnd = new Random(seed);
        NavigableMap<byte[], byte[]> model = dataset(rnd, shape);
        String ctx = name + " pageSize " + pageSize + " n " + model.size() + " seed " + seed;
        // Bloom sizing: usually exact, sometimes generous, sometimes too small (more false positives).
        long expected = switch (rnd.nextInt(4)) {
            case 0 -> model.size() * 3L;
            case 1 -> Math.max(1, model.size() / 4);
            default -> model.size();
        };
        boolean known = rnd.nextBoolean();
        long delta = rnd.nextInt(1000) - 500;
        MemPageFile f = new MemPageFile(pageSize, new Random(seed ^ 0x5eed));
        Written w = write(f, model, expected, rnd, known, delta);
        checkInfo(ctx, w, model, known, delta);
        // A large cache and a tiny one (evicting all the time); cached and uncached cursors.
        checkReads(ctx + " big cache", open(w, 256L << 20), model, rnd, seeks, true);
        checkReads(ctx + " small cache", open(w, 4L * pageSize), model, rnd, seeks / 4, false);
    }

    @ParameterizedTest
    @ValueSource(ints = {512, 4096, 65536})
    void singleEntries(int pageSize) throws IOException {
        long seed = SegTestSupport.seed(11);
        Random rnd = new Random(seed);
        List<Map.Entry<byte[], byte[]>> cases = List.of(
                Map.entry(new byte[] {7}, new byte[] {1, 2, 3}),
                Map.entry(new byte[] {0}, new byte[0]),
                Map.entry(new byte[] {(byte) 0xFF}, WriteBuffer.TOMBSTONE),
                Map.entry(new byte[0], new byte[0]),
                Map.entry(new byte[0], WriteBuffer.TOMBSTONE),
                Map.entry(SegTestSupport.maxKey(rnd), SegTestSupport.randomValue(rnd, 3 * pageSize + 17)),
                Map.entry(SegTestSupport.maxKey(rnd), WriteBuffer.TOMBSTONE),
                Map.entry(new byte[] {1, 2}, SegTestSupport.randomValue(rnd, pageSize - SegmentBlock.HEADER - 5)),
                Map.entry(new byte[] {1, 2}, SegTestSupport.randomValue(rnd, pageSize - SegmentBlock.HEADER - 4)));
        for (int i = 0; i < cases.size(); i++) {
            NavigableMap<byte[], byte[]> model = SegTestSupport.newModel();
            model.put(cases.get(i).getKey(), cases.get(i).getValue());
            String ctx = "single entry case " + i + " pageSize " + pageSize;
            MemPageFile f = new MemPageFile(pageSize, i % 2 == 0 ? null : new Random(seed + i));
            Written w = write(f, model, 1, rnd, true, 1);
            checkInfo(ctx, w, model, true, 1);
            Segment seg = open(w, 1 << 20);
            assertTrue(seg.root(false).isData(), ctx + ": a one-entry segment is a single data block");
            checkReads(ctx, seg, model, rnd, 200, true);
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {512, 4096, 65536})
    void mixedSmallEntries(int pageSize) throws IOException {
        roundTrip("mixed", pageSize, new Shape(3000, 0.2, 0.1, 0, 1, 0, true, false), SegTestSupport.seed(21), 3000);
    }

    @ParameterizedTest
    @ValueSource(ints = {512, 4096, 65536})
    void emptyKeyAndOneByteKeys(int pageSize) throws IOException {
        roundTrip("empty key", pageSize, new Shape(400, 0.3, 0.2, 0, 1, 0, true, true), SegTestSupport.seed(22), 1000);
    }

    @ParameterizedTest
    @ValueSource(ints = {512, 4096, 65536})
    void valuesLargerThanAPage(int pageSize) throws IOException {
        int n = pageSize == 65536 ? 60 : 600;
        roundTrip("big values", pageSize, new Shape(n, 0.1, 0.05, 0.3, 3 * pageSize + 100, 0, false, false),
                SegTestSupport.seed(31), 1000);
    }

    /** Values of about a page share grown data blocks instead of taking two pages each. */
    @ParameterizedTest
    @ValueSource(ints = {512, 4096})
    void valuesOfAboutAPageShareBlocks(int pageSize) throws IOException {
        long seed = SegTestSupport.seed(33);
        Random rnd = new Random(seed);
        NavigableMap<byte[], byte[]> model = SegTestSupport.newModel();
        long raw = 0;
        while (model.size() < 300) {
            byte[] k = SegTestSupport.randomKey(rnd, 16);
            byte[] v = SegTestSupport.randomValue(rnd, pageSize - 40 + rnd.nextInt(80));
            if (model.put(k, v) == null) {
                raw += k.length + v.length;
            }
        }
        String ctx = "about a page, pageSize " + pageSize + " seed " + seed;
        Written w = write(new MemPageFile(pageSize, null), model, model.size(), rnd, true, 0);
        checkInfo(ctx, w, model, true, 0);
        checkReads(ctx + " big cache", open(w, 256L << 20), model, rnd, 600, true);
        checkReads(ctx + " small cache", open(w, 4L * pageSize), model, rnd, 150, false);
        long used = w.taken().stream().mapToLong(Run::pages).sum() - w.spare().stream().mapToLong(Run::pages).sum();
        assertTrue(used * pageSize <= raw * 1.2 + 8L * pageSize,
                ctx + ": " + used + " pages for " + raw + " bytes of keys and values");
    }

    @ParameterizedTest
    @ValueSource(ints = {512, 4096, 65536})
    void longKeys(int pageSize) throws IOException {
        // Keys up to an eighth of a page (a 64 KiB page: 8 KiB), so that index blocks still hold several.
        roundTrip("long keys", pageSize, new Shape(pageSize == 65536 ? 800 : 3000, 0.1, 0.1, 0.05, 2 * pageSize, 0, true, false,
                pageSize == 65536 ? 8192 : pageSize / 8), SegTestSupport.seed(42), 2000);
    }

    @ParameterizedTest
    @ValueSource(ints = {512, 4096, 65536})
    void maximumKeys(int pageSize) throws IOException {
        // 12 keys of 64 KiB (and 4 neighbours of them) among short ones, values of all sizes.
        roundTrip("64 KiB keys", pageSize, new Shape(400, 0.1, 0.1, 0.1, 2 * pageSize, 12, true, false),
                SegTestSupport.seed(41), 1000);
    }

    @ParameterizedTest
    @ValueSource(ints = {512, 4096, 65536})
    void manyEntriesMultiLevelIndex(int pageSize) throws IOException {
        long seed = SegTestSupport.seed(51);
        Random rnd = new Random(seed);
        // 200k entries where they make the deepest index; fewer at the larger pages (same code paths).
        Shape shape = new Shape(pageSize == 512 ? 200_000 : 50_000, 0.1, 0.05, 0, 1, 0, true, false);
        NavigableMap<byte[], byte[]> model = dataset(rnd, shape);
        String ctx = "many pageSize " + pageSize + " seed " + seed;
        MemPageFile f = new MemPageFile(pageSize, new Random(seed));
        Written w = write(f, model, model.size(), rnd, false, 0);
        checkInfo(ctx, w, model, false, 0);
        Segment seg = open(w, 64L << 20);
        int levels = seg.root(false).level;
        assertTrue(levels >= (pageSize == 512 ? 3 : 1), ctx + ": root at level " + levels);
        checkReads(ctx, seg, model, rnd, 5_000, rnd.nextBoolean());
    }

    @Test
    void cacheIsUsedAndReleased() throws IOException {
        Random rnd = new Random(SegTestSupport.seed(61));
        NavigableMap<byte[], byte[]> model = dataset(rnd, new Shape(2000, 0.1, 0.1, 0, 1, 0, false, false));
        MemPageFile f = new MemPageFile(512, null);
        Written w = write(f, model, model.size(), rnd, true, 0);
        Segment seg = open(w, 64L << 20);
        byte[] k = model.firstKey();
        assertNotNull(seg.get(k, Bloom.hash(k)));
        long reads = f.reads();
        for (byte[] key : model.keySet()) {
            seg.get(key, Bloom.hash(key));
        }
        long warm = f.reads();
        for (byte[] key : model.keySet()) {
            seg.get(key, Bloom.hash(key));
        }
        assertEquals(warm, f.reads(), "gets of cached blocks read nothing");
        assertTrue(warm > reads);
        seg.release();
        seg.get(k, Bloom.hash(k));
        assertTrue(f.reads() > warm, "after release the blocks are read again");
        // An uncached cursor leaves the cache as it found it.
        seg.release();
        SegmentCursor c = seg.cursor(false);
        c.seekForward(null, true);
        while (c.valid()) {
            c.next();
        }
        long afterScan = f.reads();
        seg.get(k, Bloom.hash(k));
        assertTrue(f.reads() > afterScan, "an uncached walk does not fill the cache");
        assertTrue(seg.heapBytes() > 0);
    }

    @Test
    void finishWithoutEntriesIsRefused() {
        SegmentWriter w = new SegmentWriter(new MemPageFile(4096, null), 10);
        assertThrows(IllegalStateException.class, () -> w.finish(0, false));
    }

    @Test
    void mayContainHonoursTheKeyRange() throws IOException {
        NavigableMap<byte[], byte[]> model = SegTestSupport.newModel();
        model.put(new byte[] {5}, new byte[] {1});
        model.put(new byte[] {9}, new byte[] {2});
        Written w = write(new MemPageFile(4096, null), model, 2, new Random(1), true, 2);
        Segment seg = open(w, 1 << 20);
        for (int b = 0; b < 256; b++) {
            byte[] k = {(byte) b};
            boolean may = seg.mayContain(k, Bloom.hash(k));
            if (b < 5 || b > 9) {
                assertFalse(may, "key " + b + " is outside [5, 9]");
            }
            if (b == 5 || b == 9) {
                assertTrue(may);
            }
        }
    }
}
