package dev.braid.store.internal.page;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.braid.store.CorruptionException;
import dev.braid.store.internal.format.Crc;
import dev.braid.store.internal.mergetree.MemPageFile;
import java.io.IOException;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * A value page a build has just written is kept for gets only while the cache has room for it
 * without evicting anything ({@link Pager#warmValue}), is found only with its page's checksum, and
 * leaves the cache when a job gives its pages up ({@link Pager#forgetJobPages}); a tree node a build
 * has just written is kept decoded under the same rules ({@link Pager#warmNode}).
 */
class ValueWarmingTest {
    private static final int PAGE = 1024;

    private static Pager pager(long cacheBytes) {
        MemPageFile f = new MemPageFile(PAGE, new Random(1));
        return new Pager(new PageCache(cacheBytes), f, PAGE, 1, new FreeList(f, PAGE, 0, 0, 0));
    }

    @Test
    void aWrittenValueIsKeptWithItsChecksumAndDroppedWhenItsJobGivesItUp() {
        Pager p = pager(1 << 20);
        byte[] slice = new byte[PAGE + 40];
        new Random(2).nextBytes(slice);
        int len = PAGE - 100;
        int crc = Crc.ofPadded(slice, 17, len, PAGE);
        p.warmValue(7, slice, 17, len, crc);
        Arrays.fill(slice, (byte) 0); // the slice may change after the call
        ImagePage kept = p.cachedValue(7, crc);
        assertNotNull(kept, "kept while the cache has room");
        byte[] out = new byte[len];
        kept.copyTo(out, len);
        byte[] want = new byte[PAGE + 40];
        new Random(2).nextBytes(want);
        assertArrayEquals(Arrays.copyOfRange(want, 17, 17 + len), out);
        assertNull(p.cachedValue(7, crc + 1), "another checksum: another value, not this one");
        assertNull(p.cachedValue(8, crc));
        p.forgetJobPages(5, 7);
        assertSame(kept, p.cachedValue(7, crc), "pages outside the given-up run stay");
        p.forgetJobPages(7, 9);
        assertNull(p.cachedValue(7, crc), "a given-up page's number may get other bytes");
    }

    @Test
    void aFullCacheEvictsNothingForAWrittenValue() {
        long budget = PageTable.CHUNK_BYTES + 8L * PAGE; // the table's chunk and about 8 pages
        Pager p = pager(budget);
        byte[] v = new byte[PAGE];
        int kept = 0;
        for (int page = 1; page <= 40; page++) {
            v[0] = (byte) page;
            int crc = Crc.ofPadded(v, 0, PAGE, PAGE);
            p.warmValue(page, v, 0, PAGE, crc);
            if (p.cachedValue(page, crc) != null) {
                kept++;
            }
        }
        for (int page = 1; page <= kept; page++) {
            v[0] = (byte) page;
            assertNotNull(p.cachedValue(page, Crc.ofPadded(v, 0, PAGE, PAGE)), "the first pages were not evicted");
        }
        assertTrue(kept > 0 && kept < 8, kept + " pages kept in a cache of 8 pages");
        assertTrue(p.cache().usedBytes() <= budget, "within the budget");
    }

    @Test
    void aWrittenNodeIsKeptDecodedAndDroppedWhenItsJobGivesItUp() throws IOException {
        Pager p = pager(1 << 20);
        p.setDecoder((no, img) -> new ImagePage(no, img, Crc.of(img)));
        byte[] img = new byte[PAGE];
        new Random(3).nextBytes(img);
        byte[] want = img.clone();
        int crc = Crc.of(want);
        p.warmNode(9, img);
        Arrays.fill(img, (byte) 0); // the image may change after the call
        // Page 9 lies past the file's end (one page): only the cache can answer.
        Page got = p.get(9, crc);
        byte[] out = new byte[PAGE];
        ((ImagePage) got).copyTo(out, PAGE);
        assertArrayEquals(want, out, "the node as written, not the reused image");
        p.forgetJobPages(5, 9);
        assertSame(got, p.get(9, crc), "pages outside the given-up run stay");
        p.forgetJobPages(9, 10);
        assertThrows(CorruptionException.class, () -> p.get(9, crc), "a given-up page is no longer cached");
    }

    @Test
    void aFullCacheEvictsNothingForAWrittenNode() throws IOException {
        long budget = PageTable.CHUNK_BYTES + 12L * PAGE; // the table's chunk and 8 nodes of 1.5 pages
        Pager p = pager(budget);
        p.setDecoder((no, img) -> new ImagePage(no, img, Crc.of(img)));
        byte[] img = new byte[PAGE];
        for (int page = 1; page <= 40; page++) {
            img[0] = (byte) page;
            p.warmNode(page, img);
        }
        int kept = 0;
        while (kept < 40 && cachedNode(p, kept + 1)) {
            kept++;
        }
        for (int page = kept + 1; page <= 40; page++) {
            assertTrue(!cachedNode(p, page), "only the first nodes, none evicted for later ones: " + page);
        }
        assertTrue(kept > 0 && kept < 12, kept + " nodes kept in a cache of 12 pages");
        assertTrue(p.cache().usedBytes() <= budget, "within the budget");
    }

    private static boolean cachedNode(Pager p, int page) throws IOException {
        try {
            p.get(page, 0);
            return true;
        } catch (CorruptionException e) {
            return false; // not cached: page past the file's end
        }
    }
}
