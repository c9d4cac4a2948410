package dev.braid.store.internal.mergetree;

import dev.braid.store.internal.page.Run;

import dev.braid.store.CorruptionException;
import dev.braid.store.internal.format.Crc;
import dev.braid.store.internal.page.ImagePage;
import dev.braid.store.internal.page.Page;
import dev.braid.store.internal.page.PageCache;
import java.io.IOException;

/**
 * Reads segment blocks of one store from the page file, verifies each against the checksum its
 * parent (or the manifest) holds, and keeps decoded blocks in the shared page cache under a store
 * id of their own. Thread safe.
 */
public final class SegmentReader {
    /** Raw page access: the page file, bypassing the log (segment pages never have log frames). */
    public interface PageSource {
        byte[] readDirect(int firstPage, int pages) throws IOException;

        CorruptionException corrupt(int page, String problem);
    }

    private final PageSource source;
    private final PageCache cache;
    private final int cacheId;
    private final int pageSize;

    public SegmentReader(PageSource source, PageCache cache, int pageSize) {
        this.source = source;
        this.cache = cache;
        this.cacheId = cache.newStoreId();
        this.pageSize = pageSize;
    }

    int pageSize() {
        return pageSize;
    }

    /**
     * The block at {@code page}; {@code cached} false for one-pass reads (merges), which should not
     * push a store's hot pages out of the cache.
     */
    SegmentBlock block(int page, int pages, int crc, boolean cached) throws IOException {
        return block(page, pages, crc, cached, null);
    }

    /** Like {@link #block(int, int, int, boolean)}, uncached, reading through {@code ahead}. */
    SegmentBlock block(int page, int pages, int crc, ReadAhead ahead) throws IOException {
        return block(page, pages, crc, false, ahead);
    }

    private SegmentBlock block(int page, int pages, int crc, boolean cached, ReadAhead ahead) throws IOException {
        // A one-pass read through read-ahead (a merge) reads the file: blocks are immutable, so the
        // copy on disk is the cached one, and the lookup would cost more than it saves.
        Page p = ahead == null ? cache.get(cacheId, page) : null;
        if (p instanceof SegmentBlock b) {
            return b;
        }
        if (pages < 1 || pages > (1 << 20)) {
            throw source.corrupt(page, "segment block at page " + page + " has an impossible length " + pages);
        }
        byte[] img = ahead != null ? ahead.read(source, page, pages) : source.readDirect(page, pages);
        if (Crc.of(img) != crc) {
            throw source.corrupt(page, "segment block at page " + page + " fails its checksum");
        }
        SegmentBlock b = SegmentBlock.decode(page, img);
        if (b == null || SegmentBlock.pagesOf(img) != pages) {
            throw source.corrupt(page, "segment block at page " + page + " is malformed");
        }
        if (cached) {
            cache.put(cacheId, b);
        }
        return b;
    }

    /**
     * The value of {@code length} bytes on its own page {@code page}, verified against {@code crc}
     * (the page's CRC32C, held by the entry). {@code cached}: found in and kept in the cache (point
     * reads); else read through {@code ahead} when given (a one-pass walk over value pages laid out
     * in key order), or from the file.
     */
    byte[] value(int page, int crc, int length, boolean cached, ReadAhead ahead) throws IOException {
        if (length < 1 || length > pageSize) {
            throw source.corrupt(page, "value page " + page + " has an impossible length " + length);
        }
        byte[] out = new byte[length];
        Page p = cached ? cache.get(cacheId, page) : null;
        if (p instanceof ImagePage ip && ip.crc() == crc) {
            ip.copyTo(out, length);
            return out;
        }
        byte[] img = ahead != null ? ahead.read(source, page, 1) : source.readDirect(page, 1);
        if (Crc.of(img) != crc) {
            throw source.corrupt(page, "value page " + page + " fails its checksum");
        }
        System.arraycopy(img, 0, out, 0, length);
        if (cached) {
            cache.put(cacheId, new ImagePage(page, img, crc));
        }
        return out;
    }

    /** Reads and verifies a segment's bloom filter. */
    Bloom bloom(SegmentInfo s) throws IOException {
        int pages = (s.bloomBytes() + pageSize - 1) / pageSize;
        byte[] img = source.readDirect(s.bloomPage(), pages);
        if (Crc.of(img, 0, s.bloomBytes()) != s.bloomCrc()) {
            throw source.corrupt(s.bloomPage(), "bloom filter of segment " + s.id() + " fails its checksum");
        }
        Bloom b = Bloom.decode(img, 0, s.bloomBytes());
        if (b == null) {
            throw source.corrupt(s.bloomPage(), "bloom filter of segment " + s.id() + " is malformed");
        }
        return b;
    }

    /** Drops a segment's cached blocks (it was merged away; its pages will be reused). */
    void evict(SegmentInfo s) {
        for (Run r : s.runs()) {
            for (int p = r.start(); p < r.end(); p++) {
                cache.remove(cacheId, p);
            }
        }
    }

    CorruptionException corrupt(int page, String problem) {
        return source.corrupt(page, problem);
    }
}
