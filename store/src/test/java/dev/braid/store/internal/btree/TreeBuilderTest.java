package dev.braid.store.internal.btree;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.braid.store.CorruptionException;
import dev.braid.store.Entry;
import dev.braid.store.internal.mergetree.MemPageFile;
import dev.braid.store.internal.mergetree.SegTestSupport;
import dev.braid.store.internal.page.FreeList;
import dev.braid.store.internal.page.PageCache;
import dev.braid.store.internal.page.PageIo;
import dev.braid.store.internal.page.Pager;
import dev.braid.store.internal.page.Run;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Trees built bottom-up by {@link TreeBuilder} straight into page runs, then opened with the ordinary
 * tree code over the same pages: point reads, scans both ways, {@link TreeChecker} (no findings,
 * every page of the runs claimed, no spare page claimed), and ordinary writes on top.
 */
class TreeBuilderTest {

    private record Built(MemPageFile file, TreeBuilder.Result result) {
    }

    private static Built build(int pageSize, NavigableMap<byte[], byte[]> model, Random rnd) throws IOException {
        return build(pageSize, model, rnd, 1);
    }

    /**
     * Builds the tree whole ({@code parts} 1) or as a parallel fold does: leaves of {@code parts}
     * consecutive key ranges (cut at random keys, so some ranges may be empty), then one tree over them.
     */
    private static Built build(int pageSize, NavigableMap<byte[], byte[]> model, Random rnd, int parts)
            throws IOException {
        MemPageFile f = new MemPageFile(pageSize, rnd);
        TreeBuilder.Result r;
        if (parts == 1) {
            TreeBuilder b = new TreeBuilder(f);
            for (Map.Entry<byte[], byte[]> e : model.entrySet()) {
                b.add(e.getKey(), e.getValue());
            }
            r = b.finish();
        } else {
            Random cut = new Random(model.size() * 31L + parts);
            java.util.TreeSet<byte[]> bounds = new java.util.TreeSet<>(java.util.Arrays::compareUnsigned);
            while (bounds.size() < parts - 1) {
                bounds.add(SegTestSupport.randomKey(cut, 1 + cut.nextInt(3)));
            }
            List<TreeBuilder.Part> built = new ArrayList<>();
            byte[] lo = null;
            for (byte[] hi : new ArrayList<>(bounds) {{ add(null); }}) {
                TreeBuilder lb = TreeBuilder.leavesOnly(f, 1 + rnd.nextInt(64));
                NavigableMap<byte[], byte[]> range = lo == null ? (hi == null ? model : model.headMap(hi, false))
                        : hi == null ? model.tailMap(lo, true) : model.subMap(lo, true, hi, false);
                for (Map.Entry<byte[], byte[]> e : range.entrySet()) {
                    lb.add(e.getKey(), e.getValue());
                }
                built.add(lb.finishLeaves());
                lo = hi;
            }
            r = new TreeBuilder(f).finishFrom(built);
        }
        assertEquals(List.of(), f.errors(), "misuse of the sink");
        return new Built(f, r);
    }

    private static BTree open(MemPageFile f, TreeBuilder.Result r, long cacheBytes) {
        Pager pager = new Pager(new PageCache(cacheBytes), f, f.pageSize(), f.pageCount(),
                new FreeList(f, f.pageSize(), 0, 0, 0));
        return new BTree(pager, r.root(), r.rootCrc(), r.count());
    }

    private static List<Entry> scanAll(BTree tree, boolean reverse, int batch) throws IOException {
        List<Entry> out = new ArrayList<>();
        byte[] after = null;
        while (true) {
            ScanBatch sb = new TreeCursor(tree).scan(null, true, null, true, reverse, after, batch, Long.MAX_VALUE);
            out.addAll(sb.entries());
            if (sb.endReached()) {
                return out;
            }
            after = sb.resumeKey();
        }
    }

    /** Checks a tree against the model; returns the pages TreeChecker claimed. */
    private static BitSet verify(String ctx, BTree tree, NavigableMap<byte[], byte[]> model, Random rnd)
            throws IOException {
        for (Map.Entry<byte[], byte[]> e : model.entrySet()) {
            assertArrayEquals(e.getValue(), tree.get(e.getKey()), ctx + ": get " + SegTestSupport.show(e.getKey()));
        }
        for (int i = 0; i < 500; i++) {
            byte[] k = SegTestSupport.randomKey(rnd, 20);
            if (!model.containsKey(k)) {
                assertNull(tree.get(k), ctx);
            }
        }
        List<Map.Entry<byte[], byte[]>> expected = new ArrayList<>(model.entrySet());
        for (boolean reverse : new boolean[] {false, true}) {
            List<Entry> got = scanAll(tree, reverse, reverse ? 1 + rnd.nextInt(100) : Integer.MAX_VALUE);
            assertEquals(expected.size(), got.size(), ctx + ": scan size, reverse " + reverse);
            for (int i = 0; i < got.size(); i++) {
                Map.Entry<byte[], byte[]> e = expected.get(reverse ? expected.size() - 1 - i : i);
                assertArrayEquals(e.getKey(), got.get(i).key(), ctx + ": scan key " + i + " reverse " + reverse);
                assertArrayEquals(e.getValue(), got.get(i).value(), ctx + ": scan value " + i);
            }
        }
        BitSet claimed = new BitSet();
        List<CorruptionException> findings = new ArrayList<>();
        long n = new TreeChecker(tree, p -> {
            boolean fresh = !claimed.get(p);
            claimed.set(p);
            return fresh;
        }, findings::add).run();
        assertEquals(List.of(), findings.stream().map(Throwable::getMessage).toList(), ctx + ": TreeChecker findings");
        assertEquals(model.size(), n, ctx + ": entries TreeChecker counts");
        return claimed;
    }

    private void buildAndCheck(String name, int pageSize, NavigableMap<byte[], byte[]> model, long seed)
            throws IOException {
        buildAndCheck(name, pageSize, model, seed, 1);
    }

    private void buildAndCheck(String name, int pageSize, NavigableMap<byte[], byte[]> model, long seed, int parts)
            throws IOException {
        Random rnd = new Random(seed);
        String ctx = name + " pageSize " + pageSize + " n " + model.size() + " seed " + seed + " parts " + parts;
        Built b = build(pageSize, model, new Random(seed ^ 0x7ee), parts);
        TreeBuilder.Result r = b.result;
        assertEquals(model.size(), r.count(), ctx);
        BitSet runs = MemPageFile.pagesOf(r.runs());
        BitSet spare = MemPageFile.pagesOf(r.spare());
        BitSet overlap = (BitSet) runs.clone();
        overlap.and(spare);
        assertTrue(overlap.isEmpty(), ctx + ": runs and spare overlap");
        BitSet all = (BitSet) runs.clone();
        all.or(spare);
        assertEquals(b.file.allocated(), all, ctx + ": runs plus spare are every page handed out");
        assertEquals(b.file.written(), runs, ctx + ": runs are exactly the pages written");

        BitSet claimed = verify(ctx, open(b.file, r, 64L << 20), model, rnd);
        assertEquals(runs, claimed, ctx + ": pages of the runs the tree does not use (or uses outside them)");
        if (model.size() <= 5000) {
            // And again through a cache too small to hold the tree.
            verify(ctx + " small cache", open(b.file, r, 8L * pageSize), model, rnd);
        }
    }

    private static NavigableMap<byte[], byte[]> small(Random rnd, int n) {
        NavigableMap<byte[], byte[]> m = SegTestSupport.newModel();
        while (m.size() < n) {
            m.put(SegTestSupport.randomKey(rnd, 20), SegTestSupport.randomValue(rnd, rnd.nextInt(4) == 0 ? 0
                    : rnd.nextInt(30)));
        }
        return m;
    }

    @ParameterizedTest
    @ValueSource(ints = {512, 4096})
    void emptyOneAndFew(int pageSize) throws IOException {
        long seed = SegTestSupport.seed(111);
        Random rnd = new Random(seed);
        for (int n : new int[] {0, 1, 2, 3, 5, 17}) {
            buildAndCheck("small", pageSize, small(rnd, n), seed + n);
        }
        NavigableMap<byte[], byte[]> one = SegTestSupport.newModel();
        one.put(new byte[0], new byte[0]); // the empty key with an empty value
        buildAndCheck("empty key", pageSize, one, seed);
    }

    @ParameterizedTest
    @ValueSource(ints = {512, 4096})
    void manyEntries(int pageSize) throws IOException {
        long seed = SegTestSupport.seed(112);
        buildAndCheck("100k", pageSize, small(new Random(seed), 100_000), seed);
    }

    /** A tree built in key ranges (a parallel fold) is the same valid tree, whatever the cuts. */
    @ParameterizedTest
    @ValueSource(ints = {512, 4096})
    void builtInParts(int pageSize) throws IOException {
        long seed = SegTestSupport.seed(115);
        Random rnd = new Random(seed);
        for (int parts : new int[] {2, 3, 5}) {
            for (int n : new int[] {0, 1, 7, 2000, 60_000}) {
                buildAndCheck("parts", pageSize, small(rnd, n), seed + n, parts);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {512, 4096})
    void blobKeysAndValues(int pageSize) throws IOException {
        long seed = SegTestSupport.seed(113);
        Random rnd = new Random(seed);
        NavigableMap<byte[], byte[]> m = SegTestSupport.newModel();
        for (int i = 0; i < 12; i++) {
            byte[] k = SegTestSupport.maxKey(rnd); // 64 KiB keys: keys and separators in blobs
            m.put(k, SegTestSupport.randomValue(rnd, rnd.nextInt(3 * pageSize)));
            byte[] k2 = k.clone();
            k2[k2.length - 1] ^= 1; // separators of ~64 KiB between these two
            m.put(k2, new byte[0]);
        }
        while (m.size() < 3000) {
            int kl = rnd.nextInt(5) == 0 ? pageSize / 2 + rnd.nextInt(pageSize) : 1 + rnd.nextInt(20);
            byte[] k = SegTestSupport.randomKey(rnd, kl);
            int vl = rnd.nextInt(4) == 0 ? rnd.nextInt(5 * pageSize) : rnd.nextInt(40);
            m.put(k, SegTestSupport.randomValue(rnd, vl));
        }
        buildAndCheck("blobs", pageSize, m, seed);
    }

    /** Ordinary writes on a built tree: its nodes are packed full, so inserts split them. */
    @ParameterizedTest
    @ValueSource(ints = {512, 4096})
    void writableAfterwards(int pageSize) throws IOException {
        long seed = SegTestSupport.seed(114);
        Random rnd = new Random(seed);
        NavigableMap<byte[], byte[]> model = small(rnd, 20_000);
        Built b = build(pageSize, model, null);
        BTree tree = open(b.file, b.result, 64L << 20);
        byte[][] keys = model.keySet().toArray(new byte[0][]);
        for (int i = 0; i < 5000; i++) {
            int op = rnd.nextInt(3);
            if (op == 0) {
                byte[] k = keys[rnd.nextInt(keys.length)];
                tree.delete(k);
                model.remove(k);
            } else {
                byte[] k = op == 1 ? keys[rnd.nextInt(keys.length)] : SegTestSupport.randomKey(rnd, 20);
                byte[] v = SegTestSupport.randomValue(rnd, rnd.nextInt(10) == 0 ? pageSize : rnd.nextInt(30));
                tree.put(k, v);
                model.put(k, v);
            }
        }
        List<PageIo.Image> images = new ArrayList<>();
        tree.seal(images::add);
        for (PageIo.Image img : images) {
            b.file.put(img.pageNo(), img.bytes());
        }
        tree.pager.committed();
        assertEquals(model.size(), tree.count());
        verify("after writes pageSize " + pageSize + " seed " + seed, tree, model, rnd);
        // Reopened from its root alone, as after a restart.
        BTree again = open(b.file, new TreeBuilder.Result(tree.root(), tree.rootCrc(), tree.count(), List.of(),
                List.of(), new int[0], 0), 1 << 20);
        verify("reopened", again, model, rnd);
    }

    @SuppressWarnings("unused")
    private static String runs(List<Run> r) {
        return Arrays.toString(r.toArray());
    }
}
