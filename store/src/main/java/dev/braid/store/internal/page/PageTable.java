package dev.braid.store.internal.page;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * One store's pages in memory, indexed by page number: its dirty pages and its clean pages in the
 * shared {@link PageCache}. A lookup is two array loads instead of a hash lookup in the dirty set
 * and another in the cache (boxed keys, scattered entries: the cache misses that bound a put).
 *
 * <p>The table is chunked: a chunk of {@value #CHUNK} references exists while it holds a page, and
 * its bytes are charged to the budget by the cache. So a store with few pages in memory costs
 * little however large its file.
 *
 * <p>Thread safety: {@link #get} is lock-free (acquire loads; entries are published with release
 * stores). Every change happens under the {@link PageCache}'s monitor, which is how eviction by
 * another store's thread and this store's writer exclude each other.
 */
final class PageTable {
    static final int SHIFT = 12;
    static final int CHUNK = 1 << SHIFT;
    /** A chunk's heap bytes: array header and compressed references. */
    static final long CHUNK_BYTES = 16 + 4L * CHUNK;

    private static final VarHandle SLOT = MethodHandles.arrayElementVarHandle(Page[].class);
    private static final VarHandle CHUNKS = MethodHandles.arrayElementVarHandle(Page[][].class);

    private volatile Page[][] chunks = new Page[0][];
    private int[] counts = new int[0];
    private long chunkBytes;

    /** The page at {@code pageNo} if this store holds it in memory, else null. Lock-free. */
    Page get(int pageNo) {
        Page[][] cs = chunks;
        int c = pageNo >>> SHIFT;
        if (c >= cs.length) {
            return null;
        }
        Page[] chunk = (Page[]) CHUNKS.getAcquire(cs, c);
        return chunk == null ? null : (Page) SLOT.getAcquire(chunk, pageNo & (CHUNK - 1));
    }

    /** Puts {@code p} at its number; returns the bytes of a chunk this allocated (0 if none). Cache lock held. */
    /** Bytes that {@link #set} of page {@code pageNo} would add (a chunk not there yet). */
    long costToSet(int pageNo) {
        int c = pageNo >>> SHIFT;
        Page[][] cs = chunks;
        return c < cs.length && cs[c] != null ? 0 : CHUNK_BYTES;
    }

    long set(Page p) {
        int pageNo = p.pageNo();
        int c = pageNo >>> SHIFT;
        Page[][] cs = chunks;
        if (c >= cs.length) {
            Page[][] grown = new Page[Math.max(c + 1, cs.length * 2)][];
            System.arraycopy(cs, 0, grown, 0, cs.length);
            counts = java.util.Arrays.copyOf(counts, grown.length);
            chunks = grown; // volatile: a reader sees the copied chunk references
            cs = grown;
        }
        long added = 0;
        Page[] chunk = cs[c];
        if (chunk == null) {
            chunk = new Page[CHUNK];
            CHUNKS.setRelease(cs, c, chunk);
            added = CHUNK_BYTES;
            chunkBytes += added;
        }
        int i = pageNo & (CHUNK - 1);
        if (chunk[i] == null) {
            counts[c]++;
        }
        SLOT.setRelease(chunk, i, p);
        return added;
    }

    /**
     * Clears {@code pageNo} if it holds {@code expected} (or anything, when {@code expected} is null);
     * returns the bytes of a chunk this emptied and dropped (0 if none). Cache lock held.
     */
    long clear(int pageNo, Page expected) {
        int c = pageNo >>> SHIFT;
        Page[][] cs = chunks;
        if (pageNo < 0 || c >= cs.length || cs[c] == null) {
            return 0;
        }
        Page[] chunk = cs[c];
        int i = pageNo & (CHUNK - 1);
        Page old = chunk[i];
        if (old == null || (expected != null && old != expected)) {
            return 0;
        }
        SLOT.setRelease(chunk, i, (Page) null);
        if (--counts[c] > 0) {
            return 0;
        }
        CHUNKS.setRelease(cs, c, (Page[]) null);
        chunkBytes -= CHUNK_BYTES;
        return CHUNK_BYTES;
    }

    /** Drops every entry; returns the chunk bytes released. Cache lock held. */
    long clearAll() {
        long released = chunkBytes;
        chunks = new Page[0][];
        counts = new int[0];
        chunkBytes = 0;
        return released;
    }
}
