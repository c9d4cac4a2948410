package dev.braid.store.internal.btree;

import dev.braid.store.internal.format.Bytes;
import dev.braid.store.internal.format.Crc;
import dev.braid.store.internal.page.ImagePage;
import dev.braid.store.internal.page.PageIo;
import dev.braid.store.internal.page.Pager;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntConsumer;

/**
 * Large keys and values on overflow pages. A blob is a chain of index pages, each listing data pages
 * with their CRC32C and pointing to the next index page with its CRC32C; the cell holds the first
 * index page and its CRC32C, so every page of a blob is verified by the page that points to it. A
 * leaf value of at most a page skips the index: the cell points at its one data page.
 * Freeing reads only the index pages. Blob pages are written once and never changed (a new value
 * gets new pages): a leaf value's pages straight into the page file where the pager allows it and
 * a free run or the end of the file has room (D7, docs/design/durability.md), other blobs through
 * the log. A value's own page, once read and verified, is kept in the cache
 * ({@link Pager#cachedValue}: found only with the checksum its reference holds, and dropped when
 * the page is freed), so a get of a page-sized value does not read the file again. Format in
 * docs/format/page-file.md. Used by the writer (write, free) and by readers (read).
 */
public final class BlobStore {
    static final int TYPE_INDEX = 3;
    private static final int HDR = 20;
    private static final int CHUNK_PAGES = 256;

    private final Pager pager;
    private final PageIo io;
    private final int pageSize;
    private final int perIndex;

    public BlobStore(Pager pager) {
        this.pager = pager;
        this.io = pager.io();
        this.pageSize = pager.pageSize();
        this.perIndex = (pageSize - HDR) / 8;
    }

    /** Hands out page numbers for a blob's pages. */
    @FunctionalInterface
    public interface PageAllocator {
        int allocate() throws IOException;
    }

    /** Takes finished page images of a blob. */
    @FunctionalInterface
    public interface ImageSink {
        void accept(List<PageIo.Image> images) throws IOException;
    }

    /** Writes {@code data} (non-empty) to new pages of the open transaction and returns its reference. */
    public BlobRef write(byte[] data) throws IOException {
        return write(data, pageSize, pager::allocate, io::appendUncommitted);
    }

    /**
     * Like {@link #write(byte[])} for a leaf value: one direct page when it fits in one. Its pages
     * are written straight into the page file when the pager allows it ({@link Pager#directValues}):
     * a value is then written once, not to the log and again by the checkpoint.
     */
    public BlobRef writeValue(byte[] data) throws IOException {
        if (pager.directValues()) {
            ValuePages route = new ValuePages();
            return writeValue(data, pageSize, route::allocate, route::write);
        }
        return writeValue(data, pageSize, pager::allocate, images -> {
            io.appendUncommitted(images);
            pager.loggedValuePages(images.size());
        });
    }

    /**
     * Pages of one value, and where each is written: a page of a free run, or past the end of the
     * file, straight into the page file; a page of the free list (which the last commit or a log
     * frame may still refer to) through the log. Free runs come first, then the free list, so that
     * space is reused before the file grows.
     */
    private final class ValuePages {
        private final int[] direct = new int[16];
        private java.util.Set<Integer> more; // past 16 direct pages (a value of more than 64 KiB)
        private int n;

        int allocate() throws IOException {
            int p = pager.takeDirectPage();
            if (p == 0) {
                p = pager.takeFreeListPage();
                if (p != 0) {
                    return p;
                }
                p = pager.appendPage();
            }
            if (n < direct.length) {
                direct[n++] = p;
            } else {
                more = more == null ? new java.util.HashSet<>() : more;
                more.add(p);
            }
            return p;
        }

        void write(List<PageIo.Image> images) throws IOException {
            List<PageIo.Image> straight = new ArrayList<>(images.size());
            List<PageIo.Image> logged = new ArrayList<>();
            for (PageIo.Image img : images) {
                (isDirect(img.pageNo()) ? straight : logged).add(img);
            }
            if (!straight.isEmpty()) {
                io.writeDirect(straight);
            }
            if (!logged.isEmpty()) {
                io.appendUncommitted(logged);
            }
        }

        private boolean isDirect(int page) {
            for (int i = 0; i < n; i++) {
                if (direct[i] == page) {
                    return true;
                }
            }
            return more != null && more.contains(page);
        }
    }

    /**
     * A leaf value's blob: a value of at most a page is one data page referenced directly (its
     * image zero-padded, the CRC32C over the whole page); a longer one is an ordinary blob.
     */
    public static BlobRef writeValue(byte[] data, int pageSize, PageAllocator alloc, ImageSink sink)
            throws IOException {
        if (data.length == 0 || data.length > pageSize) {
            return write(data, pageSize, alloc, sink);
        }
        int page = alloc.allocate();
        byte[] img = new byte[pageSize];
        System.arraycopy(data, 0, img, 0, data.length);
        int crc = Crc.of(img);
        sink.accept(List.of(new PageIo.Image(page, img)));
        return new BlobRef(page, crc, data.length, true);
    }

    /**
     * Writes {@code data} (non-empty) as a blob of {@code pageSize}-byte pages numbered by
     * {@code alloc}, handing the images to {@code sink}; returns its reference.
     */
    public static BlobRef write(byte[] data, int pageSize, PageAllocator alloc, ImageSink sink) throws IOException {
        int perIndex = (pageSize - HDR) / 8;
        int nData = (int) ((data.length + (long) pageSize - 1) / pageSize);
        int nIndex = (nData + perIndex - 1) / perIndex;
        int[] dataPages = new int[nData];
        int[] dataCrcs = new int[nData];
        List<PageIo.Image> chunk = new ArrayList<>();
        for (int i = 0; i < nData; i++) {
            dataPages[i] = alloc.allocate();
            byte[] img = new byte[pageSize];
            int off = i * pageSize;
            System.arraycopy(data, off, img, 0, Math.min(pageSize, data.length - off));
            dataCrcs[i] = Crc.of(img);
            chunk.add(new PageIo.Image(dataPages[i], img));
            if (chunk.size() == CHUNK_PAGES) {
                sink.accept(chunk);
                chunk = new ArrayList<>();
            }
        }
        int[] indexPages = new int[nIndex];
        for (int i = 0; i < nIndex; i++) {
            indexPages[i] = alloc.allocate();
        }
        int next = 0;
        int nextCrc = 0;
        for (int i = nIndex - 1; i >= 0; i--) {
            byte[] img = new byte[pageSize];
            img[0] = TYPE_INDEX;
            Bytes.putInt(img, 4, indexPages[i]);
            Bytes.putInt(img, 8, next);
            Bytes.putInt(img, 12, nextCrc);
            int from = i * perIndex;
            int count = Math.min(perIndex, nData - from);
            Bytes.putInt(img, 16, count);
            for (int j = 0; j < count; j++) {
                Bytes.putInt(img, HDR + 8 * j, dataPages[from + j]);
                Bytes.putInt(img, HDR + 8 * j + 4, dataCrcs[from + j]);
            }
            next = indexPages[i];
            nextCrc = Crc.of(img);
            chunk.add(new PageIo.Image(indexPages[i], img));
        }
        sink.accept(chunk);
        return new BlobRef(next, nextCrc, data.length);
    }

    /** Reads a blob back, verifying every page. */
    public byte[] read(BlobRef ref) throws IOException {
        if (ref.length() > Integer.MAX_VALUE - 16) {
            throw io.corrupt(ref.page(), "blob length " + ref.length() + " is impossible");
        }
        if (ref.direct() && ref.length() >= 1 && ref.length() <= pageSize) {
            byte[] out = new byte[(int) ref.length()];
            ImagePage cached = pager.cachedValue(ref.page(), ref.crc());
            if (cached == null) {
                byte[] img = io.read(ref.page());
                if (Crc.of(img) != ref.crc()) {
                    throw io.corrupt(ref.page(), "overflow page " + ref.page() + " fails its checksum");
                }
                cached = new ImagePage(ref.page(), img, ref.crc());
                pager.cacheValue(cached);
            }
            cached.copyTo(out, out.length);
            return out;
        }
        byte[] out = new byte[(int) ref.length()];
        int[] pos = {0};
        walk(ref, (dataPage, crc) -> {
            byte[] img = io.read(dataPage);
            if (Crc.of(img) != crc) {
                throw io.corrupt(dataPage, "overflow page " + dataPage + " fails its checksum");
            }
            int n = Math.min(pageSize, out.length - pos[0]);
            if (n <= 0) {
                throw io.corrupt(dataPage, "blob has more pages than its length needs");
            }
            System.arraycopy(img, 0, out, pos[0], n);
            pos[0] += n;
        }, null);
        if (pos[0] != out.length) {
            throw io.corrupt(ref.page(), "blob has fewer pages than its length needs");
        }
        return out;
    }

    /** The most pages read at once by {@link #readValues}. */
    static final int RUN_READ_PAGES = 64;

    /**
     * Reads the values of {@code refs[0, n)} that are on a page of their own ({@link BlobRef#direct});
     * {@code out[i]} gets the value of {@code refs[i]}, or stays null for any other (or null) ref.
     * Pages not in the cache are read in runs of consecutive pages (values that one flush or build
     * wrote in key order lie next to each other), each verified against its reference's checksum.
     * They are kept in the cache only while it has room ({@link Pager#warmValue}): a scan of more
     * than the cache holds would otherwise push out every page for values it reads once (and keep
     * the collector copying them).
     */
    public void readValues(BlobRef[] refs, byte[][] out, int n) throws IOException {
        long[] missing = new long[n]; // page << 32 | index, of the values not in the cache
        int m = 0;
        for (int i = 0; i < n; i++) {
            BlobRef ref = refs[i];
            if (ref == null || !ref.direct() || ref.length() < 1 || ref.length() > pageSize) {
                continue;
            }
            ImagePage cached = pager.cachedValue(ref.page(), ref.crc());
            if (cached != null) {
                out[i] = new byte[(int) ref.length()];
                cached.copyTo(out[i], out[i].length);
            } else {
                missing[m++] = (long) ref.page() << 32 | i;
            }
        }
        java.util.Arrays.sort(missing, 0, m);
        for (int a = 0; a < m; ) {
            int first = (int) (missing[a] >>> 32);
            int b = a + 1;
            while (b < m && (int) (missing[b] >>> 32) == first + (b - a) && b - a < RUN_READ_PAGES) {
                b++;
            }
            byte[] run = b - a == 1 ? io.read(first) : io.readRun(first, b - a);
            for (int j = a; j < b; j++) {
                int i = (int) missing[j];
                BlobRef ref = refs[i];
                int off = (j - a) * pageSize;
                int len = (int) ref.length();
                if (Crc.of(run, off, pageSize) != ref.crc()) {
                    throw io.corrupt(ref.page(), "overflow page " + ref.page() + " fails its checksum");
                }
                pager.warmValue(ref.page(), run, off, len, ref.crc()); // only into room: a scan evicts nothing
                out[i] = java.util.Arrays.copyOfRange(run, off, off + len);
            }
            a = b;
        }
    }

    /** Returns every page of a blob to the free list. */
    public void free(BlobRef ref) throws IOException {
        freeEach(ref, pager::free);
    }

    /**
     * Frees a leaf value's blob ({@link #writeValue}): its pages go where {@link Pager#freeValuePage}
     * sends them.
     */
    public void freeValue(BlobRef ref) throws IOException {
        freeEach(ref, pager::freeValuePage);
    }

    /** Takes a page being freed. */
    @FunctionalInterface
    private interface PageFree {
        void free(int page) throws IOException;
    }

    private void freeEach(BlobRef ref, PageFree how) throws IOException {
        List<Integer> pages = new ArrayList<>();
        walk(ref, (p, crc) -> pages.add(p), pages::add);
        for (int p : pages) {
            how.free(p);
        }
    }

    /** Visitor of a blob's data pages. */
    @FunctionalInterface
    public interface DataVisitor {
        void visit(int page, int crc) throws IOException;
    }

    /** Walks the index chain, verifying it, calling back for data pages and index pages. */
    public void walk(BlobRef ref, DataVisitor onData, IntConsumer onIndex) throws IOException {
        if (ref.direct()) {
            if (ref.length() > pageSize || ref.length() < 1) {
                throw io.corrupt(ref.page(), "direct blob page " + ref.page() + " has an impossible length " + ref.length());
            }
            onData.visit(ref.page(), ref.crc());
            return;
        }
        int page = ref.page();
        int crc = ref.crc();
        long maxPages = ref.length() / pageSize + 2;
        long seen = 0;
        while (page != 0) {
            byte[] img = io.read(page);
            if (Crc.of(img) != crc) {
                throw io.corrupt(page, "blob index page " + page + " fails its checksum");
            }
            int count = Bytes.getInt(img, 16);
            if (img[0] != TYPE_INDEX || Bytes.getInt(img, 4) != page || count < 1 || count > perIndex
                    || (seen += count) > maxPages) {
                throw io.corrupt(page, "page " + page + " is not a valid blob index page");
            }
            if (onIndex != null) {
                onIndex.accept(page);
            }
            for (int j = 0; j < count; j++) {
                onData.visit(Bytes.getInt(img, HDR + 8 * j), Bytes.getInt(img, HDR + 8 * j + 4));
            }
            page = Bytes.getInt(img, 8);
            crc = Bytes.getInt(img, 12);
        }
    }
}
