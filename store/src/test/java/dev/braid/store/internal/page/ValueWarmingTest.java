package dev.braid.store.internal.page;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.braid.store.internal.format.Crc;
import dev.braid.store.internal.mergetree.MemPageFile;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * A value page a build has just written is kept for gets only while the cache has room for it
 * without evicting anything ({@link Pager#warmValue}), is found only with its page's checksum, and
 * leaves the cache when a job gives its pages up ({@link Pager#forgetValues}).
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
        p.forgetValues(5, 7);
        assertSame(kept, p.cachedValue(7, crc), "pages outside the given-up run stay");
        p.forgetValues(7, 9);
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
}
