package dev.braid.store.internal.mergetree;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.braid.store.CorruptionException;
import dev.braid.store.internal.format.Bytes;
import dev.braid.store.internal.page.PageCache;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.NavigableMap;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Damaged segment pages: a flipped byte anywhere in a data block, an index block, the root or the
 * bloom filter must surface as {@link CorruptionException} when read, never as a wrong answer or
 * another exception. And {@link SegmentBlock#decode} must survive arbitrary bytes.
 */
class SegmentCorruptionTest {

    /** A block of the segment and the entries (by index in key order) under it. */
    record BlockAt(int page, int pages, int level, int lo, int hi) {
    }

    private static List<BlockAt> blocks(Segment seg) throws IOException {
        List<BlockAt> out = new ArrayList<>();
        SegmentBlock root = seg.root(false);
        walk(seg, root, seg.info().rootPage(), seg.info().rootPages(), new int[] {0}, out);
        return out;
    }

    private static void walk(Segment seg, SegmentBlock b, int page, int pages, int[] next, List<BlockAt> out)
            throws IOException {
        int lo = next[0];
        if (b.isData()) {
            next[0] += b.n;
        } else {
            for (int i = 0; i < b.n; i++) {
                walk(seg, seg.child(b, i, false), b.childPage(i), b.childPages(i), next, out);
            }
        }
        out.add(new BlockAt(page, pages, b.level, lo, next[0]));
    }

    private record Fixture(SegmentRoundTripTest.Written w, NavigableMap<byte[], byte[]> model, byte[][] keys,
            byte[][] vals, List<BlockAt> blocks) {
    }

    private static Fixture fixture(int pageSize, long seed) throws IOException {
        Random rnd = new Random(seed);
        NavigableMap<byte[], byte[]> model = SegmentRoundTripTest.dataset(rnd,
                new SegmentRoundTripTest.Shape(pageSize == 512 ? 3000 : 6000, 0.1, 0.1, 0.02, 2 * pageSize, 0,
                        true, false));
        MemPageFile f = new MemPageFile(pageSize, new Random(seed));
        SegmentRoundTripTest.Written w = SegmentRoundTripTest.write(f, model, model.size(), rnd, true, 0);
        Segment seg = SegmentRoundTripTest.open(w, 64 << 20);
        List<BlockAt> blocks = blocks(seg);
        assertTrue(seg.root(false).level >= (pageSize == 512 ? 2 : 1), "want a segment with index levels");
        return new Fixture(w, model, model.keySet().toArray(new byte[0][]), model.values().toArray(new byte[0][]),
                blocks);
    }

    /** A copy of the fixture's file with one byte of the given pages flipped. */
    private static MemPageFile damaged(Fixture fx, int page, int pages, Random rnd) {
        MemPageFile f = fx.w.file().copy();
        int ps = f.pageSize();
        int off = rnd.nextInt(pages * ps);
        f.flip(page + off / ps, off % ps, 1 + rnd.nextInt(255));
        return f;
    }

    /**
     * Runs every read against a damaged file: each must give the right answer or throw
     * CorruptionException; returns which entries' gets failed.
     */
    private static boolean[] readAll(String ctx, Fixture fx, Segment seg) {
        boolean[] failed = new boolean[fx.keys.length];
        for (int i = 0; i < fx.keys.length; i++) {
            try {
                SegmentRoundTripTest.expectValue(ctx + " get " + i, fx.vals[i], seg.get(fx.keys[i],
                        Bloom.hash(fx.keys[i])));
            } catch (CorruptionException e) {
                failed[i] = true;
            } catch (Throwable t) {
                throw new AssertionError(ctx + ": get of entry " + i + " threw " + t, t);
            }
        }
        for (boolean forward : new boolean[] {true, false}) {
            int seen = 0;
            try {
                SegmentCursor c = seg.cursor(true);
                if (forward) {
                    c.seekForward(null, true);
                } else {
                    c.seekBackward(null, true);
                }
                while (c.valid()) {
                    int i = forward ? seen : fx.keys.length - 1 - seen;
                    SegmentRoundTripTest.expectEntry(ctx + " walk", fx.keys[i], fx.vals[i], c);
                    seen++;
                    if (forward) {
                        c.next();
                    } else {
                        c.prev();
                    }
                }
                fail(ctx + ": a full walk over a damaged segment ended without an error after " + seen);
            } catch (CorruptionException e) {
                assertTrue(seen < fx.keys.length, ctx);
            } catch (Throwable t) {
                if (t instanceof AssertionError a) {
                    throw a;
                }
                throw new AssertionError(ctx + ": walk threw " + t, t);
            }
        }
        return failed;
    }

    @ParameterizedTest
    @ValueSource(ints = {512, 4096})
    void damagedBlocksAreReportedNeverMisread(int pageSize) throws IOException {
        long seed = SegTestSupport.seed(81);
        Fixture fx = fixture(pageSize, seed);
        Random rnd = new Random(seed + 1);
        List<BlockAt> data = fx.blocks.stream().filter(b -> b.level == 0).toList();
        List<BlockAt> index = fx.blocks.stream().filter(b -> b.level > 0).toList();
        List<BlockAt> trials = new ArrayList<>();
        trials.add(fx.blocks.get(fx.blocks.size() - 1)); // the root
        for (int i = 0; i < 4; i++) {
            trials.add(data.get(rnd.nextInt(data.size())));
            trials.add(index.get(rnd.nextInt(index.size())));
        }
        data.stream().filter(b -> b.pages > 1).findFirst().ifPresent(trials::add); // a multi-page block
        for (BlockAt b : trials) {
            MemPageFile f = damaged(fx, b.page, b.pages, rnd);
            String ctx = "pageSize " + pageSize + " seed " + seed + " damaged " + b;
            Segment seg = Segment.open(fx.w.info(), new SegmentReader(f, new PageCache(64 << 20), pageSize));
            boolean[] failed = readAll(ctx, fx, seg);
            for (int i = b.lo; i < b.hi; i++) {
                assertTrue(failed[i], ctx + ": get of entry " + i + " under the damaged block must fail");
            }
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {512, 4096})
    void damagedBloomFilterIsReported(int pageSize) throws IOException {
        long seed = SegTestSupport.seed(82);
        Fixture fx = fixture(pageSize, seed);
        Random rnd = new Random(seed);
        SegmentInfo info = fx.w.info();
        for (int t = 0; t < 20; t++) {
            MemPageFile f = fx.w.file().copy();
            int off = rnd.nextInt(info.bloomBytes());
            f.flip(info.bloomPage() + off / pageSize, off % pageSize, 1 + rnd.nextInt(255));
            SegmentReader r = new SegmentReader(f, new PageCache(1 << 20), pageSize);
            assertThrows(CorruptionException.class, () -> Segment.open(info, r), "flip at bloom byte " + off);
        }
        // The tail of the last bloom page is not part of the filter: damage there changes nothing.
        int bloomPages = (info.bloomBytes() + pageSize - 1) / pageSize;
        int slack = bloomPages * pageSize - info.bloomBytes();
        if (slack > 0) {
            MemPageFile f = fx.w.file().copy();
            int off = info.bloomBytes() + rnd.nextInt(slack);
            f.flip(info.bloomPage() + off / pageSize, off % pageSize, 0xFF);
            Segment seg = Segment.open(info, new SegmentReader(f, new PageCache(64 << 20), pageSize));
            SegmentRoundTripTest.checkReads("bloom slack damaged", seg, fx.model, rnd, 200, true);
        }
    }

    @Test
    void wrongManifestFieldsAreReported() throws IOException {
        Fixture fx = fixture(512, SegTestSupport.seed(83));
        SegmentInfo i = fx.w.info();
        MemPageFile f = fx.w.file();
        List<SegmentInfo> bad = List.of(
                new SegmentInfo(1, i.runs(), i.rootPage(), i.rootPages(), i.rootCrc() ^ 1, i.entries(), i.tombstones(),
                        i.dataBytes(), i.minKey(), i.maxKey(), i.bloomPage(), i.bloomBytes(), i.bloomCrc(), true, 0),
                new SegmentInfo(1, i.runs(), i.rootPage(), 0, i.rootCrc(), i.entries(), i.tombstones(),
                        i.dataBytes(), i.minKey(), i.maxKey(), i.bloomPage(), i.bloomBytes(), i.bloomCrc(), true, 0),
                new SegmentInfo(1, i.runs(), i.rootPage(), 1 << 21, i.rootCrc(), i.entries(), i.tombstones(),
                        i.dataBytes(), i.minKey(), i.maxKey(), i.bloomPage(), i.bloomBytes(), i.bloomCrc(), true, 0),
                new SegmentInfo(1, i.runs(), i.rootPage() + 1, i.rootPages(), i.rootCrc(), i.entries(),
                        i.tombstones(), i.dataBytes(), i.minKey(), i.maxKey(), i.bloomPage(), i.bloomBytes(),
                        i.bloomCrc(), true, 0),
                // The root block pointed at as if it were the data block it indexes (level check).
                new SegmentInfo(1, i.runs(), fx.blocks.get(0).page, fx.blocks.get(0).pages, i.rootCrc(), i.entries(),
                        i.tombstones(), i.dataBytes(), i.minKey(), i.maxKey(), i.bloomPage(), i.bloomBytes(),
                        i.bloomCrc(), true, 0));
        byte[] k = fx.keys[fx.keys.length / 2];
        for (SegmentInfo s : bad) {
            Segment seg = Segment.open(s, new SegmentReader(f, new PageCache(1 << 20), 512));
            assertThrows(CorruptionException.class, () -> seg.get(k, Bloom.hash(k)), s.toString());
            assertThrows(CorruptionException.class, () -> seg.cursor(false).seekForward(null, true));
        }
        SegmentInfo badBloom = new SegmentInfo(1, i.runs(), i.rootPage(), i.rootPages(), i.rootCrc(), i.entries(),
                i.tombstones(), i.dataBytes(), i.minKey(), i.maxKey(), i.bloomPage(), i.bloomBytes(), i.bloomCrc() + 1,
                true, 0);
        assertThrows(CorruptionException.class,
                () -> Segment.open(badBloom, new SegmentReader(f, new PageCache(1 << 20), 512)));
    }

    /** Asserts that a decoded block is well formed: every entry readable, keys strictly ascending. */
    private static void checkValid(SegmentBlock b, byte[] img) {
        assertTrue(b.n >= 1);
        assertEquals(img.length, b.encodedSize());
        byte[] prev = null;
        for (int i = 0; i < b.n; i++) {
            byte[] k = b.key(i);
            if (prev != null) {
                assertTrue(Arrays.compareUnsigned(prev, k) < 0, "keys out of order");
            }
            prev = k;
            assertEquals(0, b.compareKey(i, k));
            if (b.isData() && b.isRef(i)) {
                assertFalse(b.isTombstone(i));
                assertTrue(b.valueLength(i) >= 1, "a value on its own page is not empty");
                b.refPage(i);
                b.refCrc(i);
            } else if (b.isData()) {
                byte[] v = b.value(i);
                assertEquals(b.isTombstone(i), v == WriteBuffer.TOMBSTONE);
            } else {
                b.childPage(i);
                b.childPages(i);
                b.childCrc(i);
            }
            assertEquals(i, b.search(k));
        }
    }

    private static SegmentBlock decodeSafely(int page, byte[] img, String ctx) {
        try {
            SegmentBlock b = SegmentBlock.decode(page, img);
            if (b != null) {
                checkValid(b, img);
            }
            return b;
        } catch (Throwable t) {
            throw new AssertionError(ctx + ": decode threw " + t, t);
        }
    }

    @Test
    void decodeOfGarbageReturnsNullOrAValidBlock() throws IOException {
        long seed = SegTestSupport.seed(84);
        Random rnd = new Random(seed);
        // Pure noise.
        for (int t = 0; t < 3000; t++) {
            byte[] img = new byte[(1 + rnd.nextInt(3)) * 512];
            rnd.nextBytes(img);
            decodeSafely(rnd.nextInt(100), img, "noise seed " + seed);
        }
        // Noise under a plausible header: right type, level and page number, small counts, small varints.
        int plausible = 0;
        for (int t = 0; t < 20000; t++) {
            byte[] img = new byte[512];
            for (int i = 20; i < img.length; i++) {
                img[i] = (byte) (rnd.nextInt(4) == 0 ? rnd.nextInt(256) : rnd.nextInt(6));
            }
            boolean data = rnd.nextBoolean();
            img[0] = data ? SegmentBlock.TYPE_DATA : SegmentBlock.TYPE_INDEX;
            img[1] = (byte) (data ? 0 : 1 + rnd.nextInt(3));
            Bytes.putInt(img, 4, 77);
            Bytes.putInt(img, 8, 1);
            Bytes.putInt(img, 12, rnd.nextInt(5) == 0 ? rnd.nextInt() : 1 + rnd.nextInt(4));
            Bytes.putInt(img, 16, rnd.nextInt(5) == 0 ? rnd.nextInt() : 20 + rnd.nextInt(60));
            plausible += decodeSafely(77, img, "plausible seed " + seed + " t " + t) != null ? 1 : 0;
        }
        // Real block images with a few bytes changed (and no checksum to catch it).
        Fixture fx = fixture(512, seed);
        int decoded = 0;
        for (int t = 0; t < 5000; t++) {
            BlockAt b = fx.blocks.get(rnd.nextInt(fx.blocks.size()));
            byte[] img = fx.w.file().readDirect(b.page, b.pages);
            for (int j = 1 + rnd.nextInt(3); j > 0; j--) {
                int off = rnd.nextInt(Math.min(img.length, 200));
                img[off] ^= (byte) (1 + rnd.nextInt(255));
            }
            if (rnd.nextInt(10) == 0) {
                img = Arrays.copyOf(img, rnd.nextInt(img.length)); // cut short
            }
            decoded += decodeSafely(b.page, img, "mutated seed " + seed + " t " + t) != null ? 1 : 0;
        }
        assertTrue(decoded > 0, "some mutations (inside keys or values) leave a decodable block");
        assertTrue(plausible >= 0);
        // The intact images decode.
        for (BlockAt b : fx.blocks) {
            assertFalse(decodeSafely(b.page, fx.w.file().readDirect(b.page, b.pages), "intact") == null);
        }
        // And a page number that differs from the stamped one is refused.
        BlockAt b0 = fx.blocks.get(0);
        assertEquals(null, SegmentBlock.decode(b0.page + 1, fx.w.file().readDirect(b0.page, b0.pages)));
        assertArrayEquals(fx.keys[0], SegmentBlock.decode(b0.page, fx.w.file().readDirect(b0.page, b0.pages)).key(0));
    }
}
