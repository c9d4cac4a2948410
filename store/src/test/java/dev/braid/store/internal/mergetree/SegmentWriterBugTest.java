package dev.braid.store.internal.mergetree;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.braid.store.Braid;
import dev.braid.store.internal.page.PageCache;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Minimal reproductions of SegmentWriter bugs found by the round-trip tests (disabled until fixed). */
class SegmentWriterBugTest {

    private static byte[] key(int i, int len) {
        byte[] k = new byte[len];
        k[0] = (byte) (i >> 8);
        k[1] = (byte) i;
        return k;
    }

    /** Writes the keys (values of one byte) and reads every one back. */
    private static Segment writeAndCheck(int pageSize, List<byte[]> keys) throws Exception {
        MemPageFile f = new MemPageFile(pageSize, null);
        SegmentWriter w = new SegmentWriter(f, keys.size());
        for (byte[] k : keys) {
            w.add(k, new byte[] {1});
        }
        SegmentInfo info = assertTimeoutPreemptively(Duration.ofSeconds(5), () -> w.finish(0, false),
                "finish must terminate");
        Segment seg = Segment.open(info, new SegmentReader(f, new PageCache(64 << 20), pageSize));
        for (byte[] k : keys) {
            assertArrayEquals(new byte[] {1}, seg.get(k, Bloom.hash(k)));
        }
        return seg;
    }

    /**
     * finish() closes index levels bottom-up; closing level L adds an entry to level L+1, which
     * overflows when entries are more than about half a block, finishing that block and pushing its
     * first key one level up, creating a new top level each time: the loop over levels never ends
     * (heap grows until OutOfMemoryError). Smallest case: page size 4096, two keys of 2100 bytes
     * (2000 bytes works). Also: two 64 KiB keys at any page size; page size 512 with keys [10 bytes,
     * 64 KiB]; page size 512 with 100 10-byte keys, one 64 KiB key, 100 10-byte keys.
     */
    @Test
    void finishTerminatesWithTwoKeysTooBigToShareAnIndexBlock() throws Exception {
        writeAndCheck(4096, List.of(key(0, 2100), key(1, 2100)));
    }

    @ParameterizedTest
    @ValueSource(ints = {512, 4096, 65536})
    void finishTerminatesWithTwoMaximumKeys(int pageSize) throws Exception {
        writeAndCheck(pageSize, List.of(key(0, Braid.MAX_KEY_BYTES), key(1, Braid.MAX_KEY_BYTES)));
    }

    @Test
    void finishTerminatesWithASmallKeyThenAMaximumKey() throws Exception {
        writeAndCheck(512, List.of(key(0, 10), key(1, Braid.MAX_KEY_BYTES)));
    }

    /**
     * An index block holds a single entry when its key is over about half a page, so each run of such
     * keys adds a level per key: 1 short key then 100 keys of 3000 bytes at page size 4096 give a root
     * at level 99 and 5051 pages (quadratic) for 101 entries, and Segment.get reports the valid
     * segment as corrupt ("segment 0 index is too deep"); SegmentCursor would throw
     * IllegalStateException past 64 levels. Same with page size 512 and 300-byte keys.
     */
    @ParameterizedTest
    @ValueSource(ints = {512, 4096})
    void indexDepthStaysLogarithmicWithLongKeys(int pageSize) throws Exception {
        List<byte[]> keys = new ArrayList<>();
        keys.add(key(0, 10));
        for (int i = 1; i <= 100; i++) {
            keys.add(key(i, pageSize * 3 / 4));
        }
        Segment seg = writeAndCheck(pageSize, keys);
        int level = seg.root(false).level;
        assertTrue(level <= 8, "root at level " + level + " for 101 entries");
    }

    /**
     * add(keyBuf, off, len, value) copies the first key of every block but keeps a reference to the
     * caller's buffer for the last key, which finish() copies as maxKey: a caller that reuses its
     * key buffer after the last add (a merge loop's scratch buffer) gets a wrong maxKey, and
     * Segment.get then skips keys above the wrong bound.
     */
    @Test
    void maxKeyDoesNotDependOnTheCallersBufferAfterAdd() throws Exception {
        MemPageFile f = new MemPageFile(4096, null);
        SegmentWriter w = new SegmentWriter(f, 2);
        byte[] scratch = new byte[8];
        scratch[0] = 1;
        w.add(scratch, 0, 1, new byte[] {1});
        scratch[0] = 2;
        w.add(scratch, 0, 1, new byte[] {2});
        scratch[0] = 0; // reused after the last add
        SegmentInfo info = w.finish(0, false);
        assertArrayEquals(new byte[] {2}, info.maxKey());
    }
}
