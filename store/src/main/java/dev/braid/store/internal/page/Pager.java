package dev.braid.store.internal.page;

import dev.braid.store.internal.format.Crc;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Hands out the pages of one store and tracks the open transaction's changes.
 *
 * <p>A page is found in the store's {@link PageTable} (its dirty pages, changed in this
 * transaction, and its clean pages in the shared {@link PageCache}), or read through {@link PageIo}
 * and verified against the checksum its parent holds. Pages changed in this transaction ("transaction pages") are either
 * dirty or spilled: written to the log as uncommitted frames to keep memory within budget, with
 * their checksum remembered here.
 *
 * <p>Invariants: P1 a dirty page is never in the shared cache (only clean pages can be evicted);
 * P2 the checksum a parent holds for a child is valid unless the child is a transaction page
 * (then {@link #get} verifies a spilled image against the remembered checksum instead); P3 every
 * ancestor of a transaction page is a transaction page (the tree marks whole paths dirty).
 *
 * <p>Thread safety: {@link #get} may run on many reader threads at once; every other method is for
 * the store's writer, which excludes readers with the store's lock.
 */
public final class Pager {
    private final PageCache cache;
    private final int storeId;
    private final PageIo io;
    private final int pageSize;
    private final long pageCost;
    private final PageTable table;
    /** The cache's id for this store's value pages ({@link ImagePage}s, looked up by gets only). */
    private final int valueCacheId;
    private final PageTable valueTable; // the cached value pages by number, kept by the cache
    private final LinkedHashMap<Integer, Page> dirty = new LinkedHashMap<>();
    private final HashMap<Integer, Integer> spilled = new HashMap<>();
    private final FreeList freeList;
    private PageDecoder decoder;
    private int pageCount;

    public Pager(PageCache cache, PageIo io, int pageSize, int pageCount, FreeList freeList) {
        this.cache = cache;
        this.storeId = cache.newStoreId();
        this.table = cache.newTable(storeId);
        this.valueCacheId = cache.newStoreId();
        this.valueTable = cache.newTable(valueCacheId);
        this.io = io;
        this.pageSize = pageSize;
        this.pageCost = 3L * pageSize / 2; // decoded node: its bytes plus array headers
        this.pageCount = pageCount;
        this.freeList = freeList;
    }

    /** Set once by the tree layer, before the first {@link #get}. */
    public void setDecoder(PageDecoder decoder) {
        this.decoder = decoder;
    }

    public int pageSize() {
        return pageSize;
    }

    public PageIo io() {
        return io;
    }

    public FreeList freeList() {
        return freeList;
    }

    /** Pages allocated in the page file, header included (the next new page number). */
    public int pageCount() {
        return pageCount;
    }

    /**
     * The page {@code pageNo}, whose committed image must have checksum {@code expectedCrc} unless it
     * is a transaction page (P2).
     */
    public Page get(int pageNo, int expectedCrc) throws IOException {
        Page p = table.get(pageNo);
        if (p != null) {
            if (!p.dirty) {
                cache.hit(p);
            }
            return p;
        }
        cache.miss();
        p = load(pageNo, expectedCrc);
        cache.put(storeId, p);
        return p;
    }

    /**
     * The page as {@link #get} returns it, but read into the cache only if it fits without evicting
     * anything (and not counted as a hit or miss): null when it is not in memory and the cache has
     * no room for it. For the background warm-up ({@code TreeWarmer}), a reader like any other.
     */
    public Page warm(int pageNo, int expectedCrc) throws IOException {
        Page p = table.get(pageNo);
        if (p != null) {
            return p;
        }
        if (cache.headroomBytes() < pageCost) {
            return null; // cheap early out: the budget is taken by dirty pages and buffers
        }
        Page loaded = load(pageNo, expectedCrc);
        return cache.putIfRoom(storeId, pageNo, loaded.heapBytes(), () -> loaded) ? loaded : null;
    }

    /**
     * {@link #warm} of {@code pages[from..to)} (their checksums in {@code crcs}), reading each run of
     * consecutive pages not in memory in one read of the file. Returns {@code to - from} (all of them
     * in memory now), or -1 when it met one the cache has no room for (it stops there).
     */
    public int warmAll(int[] pages, int[] crcs, int from, int to) throws IOException {
        for (int i = from; i < to; ) {
            if (table.get(pages[i]) != null) {
                i++;
                continue;
            }
            int end = i + 1;
            while (end < to && pages[end] == pages[end - 1] + 1 && table.get(pages[end]) == null) {
                end++;
            }
            long fit = cache.headroomBytes() / pageCost;
            if (fit == 0) {
                return -1; // as in warm: the budget is taken by dirty pages and buffers
            }
            end = (int) Math.min(end, i + fit); // never read what cannot be kept
            if (pages[i] <= 0 || pages[end - 1] >= pageCount) {
                end = i + 1; // a page outside the file: load reports it
            }
            byte[] run = end - i == 1 ? null : io.readRun(pages[i], end - i);
            for (int j = i; j < end; j++) {
                Page p = run == null ? load(pages[j], crcs[j])
                        : verified(pages[j], crcs[j], Arrays.copyOfRange(run, (j - i) * pageSize, (j - i + 1) * pageSize));
                if (!cache.putIfRoom(storeId, pages[j], p.heapBytes(), () -> p)) {
                    return -1;
                }
            }
            i = end;
        }
        return to - from;
    }

    /** Reads, verifies (P2) and decodes {@code pageNo}. */
    private Page load(int pageNo, int expectedCrc) throws IOException {
        if (pageNo <= 0 || pageNo >= pageCount) {
            throw io.corrupt(pageNo, "page number " + pageNo + " is outside the file (" + pageCount + " pages)");
        }
        return verified(pageNo, expectedCrc, io.read(pageNo));
    }

    /** Verifies {@code image} of {@code pageNo} against its checksum (P2) and decodes it. */
    private Page verified(int pageNo, int expectedCrc, byte[] image) throws IOException {
        Integer spilledCrc = spilled.get(pageNo);
        int expect = spilledCrc != null ? spilledCrc : expectedCrc;
        if (Crc.of(image) != expect) {
            throw io.corrupt(pageNo, "page " + pageNo + " fails its checksum");
        }
        return decoder.decode(pageNo, image);
    }

    /**
     * Moves {@code p} into the dirty set so the writer may change it, in its mutable form
     * ({@link Page#beforeChange}, also when it is dirty already: see {@link #makeDirtyInPlace}).
     * Idempotent.
     */
    public void makeDirty(Page p) {
        changed();
        if (p.dirty) {
            p.beforeChange();
            return;
        }
        makeDirtyInPlace(p);
        p.beforeChange();
    }

    /**
     * Moves {@code p} into the dirty set keeping its present form (a leaf changed in place in its
     * compact form). Idempotent.
     */
    public void makeDirtyInPlace(Page p) {
        changed();
        if (p.dirty) {
            return;
        }
        p.dirty = true;
        spilled.remove(p.pageNo());
        dirty.put(p.pageNo(), p);
        cache.adoptDirty(storeId, p, pageCost); // P1
    }

    /**
     * Registers a page created by the writer at a number from {@link #allocate()}. Such a number is
     * never cached (freed pages leave the cache in {@link #free}), so no cache lookup is needed.
     */
    public void addNew(Page p) {
        changed();
        p.dirty = true;
        spilled.remove(p.pageNo());
        dirty.put(p.pageNo(), p);
        cache.adoptDirty(storeId, p, pageCost);
    }

    /** Whether {@code pageNo} changed in the open transaction (dirty or spilled). */
    public boolean isTransactionPage(int pageNo) {
        return dirty.containsKey(pageNo) || spilled.containsKey(pageNo);
    }

    /** Another source of single free pages (0: none now). */
    @FunctionalInterface
    public interface PageSource {
        int takePage() throws IOException;
    }

    private PageSource spare = () -> 0;

    /** Set once by the engine: free runs lend single pages when the free list is empty. */
    public void setSparePages(PageSource source) {
        this.spare = source;
    }

    private PageSource directPages;
    private java.util.function.IntConsumer directFree;

    /**
     * Set once by the engine: where pages written straight into the page file come from (free runs,
     * which hold only pages no commit since the last checkpoint and no log frame refers to) and
     * where such pages go when freed (to wait for a checkpoint before they are written into again).
     */
    public void setDirectPages(PageSource source, java.util.function.IntConsumer freed) {
        this.directPages = source;
        this.directFree = freed;
    }

    private int directAfterPages;
    private int loggedValuePages; // value pages the open transaction wrote through the log

    /** Value pages a transaction writes through the log before it writes them straight in. */
    public void setDirectValuesAfter(long bytes) {
        // bytes / pageSize rounded up without overflow: Long.MAX_VALUE (the default, off) must stay huge
        long pages = bytes / pageSize + (bytes % pageSize == 0 ? 0 : 1);
        this.directAfterPages = (int) Math.min(Integer.MAX_VALUE, pages);
    }

    /** Counts value pages written through the log by the open transaction. */
    public void loggedValuePages(int pages) {
        loggedValuePages += pages;
    }

    /** Whether a transaction may ever write value pages straight in (D7 configured and provided). */
    public boolean directValuesConfigured() {
        return directFree != null && directAfterPages < Integer.MAX_VALUE;
    }

    /**
     * Whether value pages are written straight into the page file ({@link #takeDirectPage}): when
     * the engine provides direct pages, the open transaction has written its first
     * {@code directValuesAfterBytes} of value pages through the log (a small transaction is cheaper
     * logged), and not under a recorded write (records describe page changes of the log's kind, and
     * their commits keep the free runs as they are).
     */
    public boolean directValues() {
        return directFree != null && !recording && loggedValuePages >= directAfterPages;
    }

    /**
     * A page of a free run, which may be written straight into the page file
     * ({@link PageIo#writeDirect}), or 0 when none is ready. Only with {@link #directValues()}.
     */
    public int takeDirectPage() throws IOException {
        int p = directPages.takePage();
        if (p != 0) {
            changed();
        }
        return p;
    }

    /** A page of the free list (to be written through the log), or 0 when it is empty. */
    public int takeFreeListPage() throws IOException {
        int p = freeList.allocate();
        if (p != 0) {
            changed();
        }
        return p;
    }

    /** A page past the end of the file: fresh, so it may be written straight into the page file. */
    public int appendPage() {
        changed();
        return pageCount++;
    }

    /**
     * Gives back a page of a value: it leaves the cache and, when {@link #directValues()}, waits in
     * the engine's freed runs for a checkpoint (then it may be written straight into again), else
     * goes on the free list.
     */
    public void freeValuePage(int pageNo) throws IOException {
        if (!directValues()) {
            free(pageNo);
            return;
        }
        forget(pageNo);
        directFree.accept(pageNo);
    }

    /**
     * A page number to write a new page at: a free page, else a page of a free run, else one past
     * the end of the file.
     */
    public int allocate() throws IOException {
        changed();
        int p = freeList.allocate();
        if (p != 0) {
            return p;
        }
        p = spare.takePage();
        if (p != 0) {
            return p;
        }
        return pageCount++;
    }

    /**
     * Takes {@code pages} consecutive pages past the end of the file for a segment or a bulk build
     * (written straight into the page file, never through the log). Writer lock held.
     */
    public Run allocateRun(int pages) {
        changed();
        Run r = new Run(pageCount, pages);
        pageCount += pages;
        return r;
    }

    /**
     * Gives back a run that ends at the end of the file by shortening the file's page count (so a
     * flush that took more than it used does not grow the file); returns false when the run is not
     * at the end. Writer lock held.
     */
    public boolean releaseTail(Run run) {
        changed();
        if (run.end() != pageCount) {
            return false;
        }
        pageCount = run.start();
        return true;
    }

    /**
     * The cached image of the value page {@code pageNo} if it was verified against {@code crc}, else
     * null. Lock-free; any thread.
     */
    public ImagePage cachedValue(int pageNo, int crc) {
        if (valueTable.get(pageNo) instanceof ImagePage p && p.crc() == crc) {
            cache.hit(p);
            return p;
        }
        cache.miss();
        return null;
    }

    /** Caches a value page's verified image for later gets (any thread). It leaves with {@link #forget}. */
    public void cacheValue(ImagePage p) {
        cache.put(valueCacheId, p);
    }

    /**
     * Keeps a copy of a value page a build has just written ({@link ExtentSink#wroteValuePage}) if
     * the cache has room for it without evicting anything: a restore thus leaves the values it wrote
     * in a cache that would otherwise be empty, for the gets that follow. Any thread.
     */
    public void warmValue(int pageNo, byte[] buf, int off, int len, int crc) {
        if (cache.headroomBytes() < pageSize) {
            return; // cheap early out: the budget is taken by dirty pages and buffers
        }
        cache.putIfRoom(valueCacheId, pageNo, ImagePage.heapBytesFor(len),
                () -> new ImagePage(pageNo, java.util.Arrays.copyOfRange(buf, off, off + len), crc));
    }

    /**
     * Keeps an internal node a build has just written ({@link ExtentSink#wroteNodePage}), decoded, if
     * the cache has room for it without evicting anything: the reads after a restore then descend
     * without a miss while the warm-up reads the leaves. The page is reachable only once the build is
     * installed; a build that is given up drops it ({@link #forgetJobPages}). Any thread.
     */
    public void warmNode(int pageNo, byte[] image) {
        if (cache.headroomBytes() < pageCost) {
            return; // cheap early out: the budget is taken by dirty pages and buffers
        }
        try {
            cache.putIfRoom(storeId, pageNo, pageCost, () -> {
                try {
                    return decoder.decode(pageNo, image.clone());
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
        } catch (java.io.UncheckedIOException e) {
            // Not kept: a read of the page will decode it from the file and report the problem there.
            org.slf4j.LoggerFactory.getLogger(Pager.class).warn("node page {} just written does not decode", pageNo, e);
        }
    }

    /**
     * Drops the cached pages among {@code [from, to)} (warm values and nodes): pages a job wrote and
     * then gave up (abandoned, or spare), whose numbers may get other bytes. Writer, under the
     * store's write lock.
     */
    public void forgetJobPages(int from, int to) {
        for (int p = from; p < to; p++) {
            if (valueTable.get(p) != null) {
                cache.remove(valueCacheId, p);
            }
            Page cached = table.get(p);
            if (cached != null && !cached.dirty) {
                cache.remove(storeId, p);
            }
        }
    }

    /** Gives {@code pageNo} back: it leaves the transaction and the cache and goes on the free list. */
    public void free(int pageNo) throws IOException {
        forget(pageNo);
        freeList.free(pageNo);
    }

    /**
     * Drops {@code pageNo} from the transaction and the cache without putting it on the free list
     * (the caller frees it elsewhere: a free run).
     */
    public void forget(int pageNo) {
        changed();
        Page p = dirty.remove(pageNo);
        if (p != null) {
            p.dirty = false;
            cache.reserve(-pageCost);
        }
        spilled.remove(pageNo);
        cache.remove(storeId, pageNo);
        cache.remove(valueCacheId, pageNo); // a value page's number, freed, may get other bytes
    }

    private boolean recording;
    private boolean unrecorded;

    /**
     * Marks the page changes that follow as described by records ({@code RecordLog}) or not. Writer
     * only: tree writes that are recorded run with it on.
     */
    public void setRecording(boolean on) {
        recording = on;
    }

    /**
     * Whether a page changed since the last image commit other than by a recorded write: then the
     * next commit must write images, since records could not rebuild that change.
     */
    public boolean unrecordedChanges() {
        return unrecorded;
    }

    private void changed() {
        if (!recording) {
            unrecorded = true;
        }
    }

    /** Bytes charged for this store's dirty pages. */
    public long dirtyBytes() {
        return dirty.size() * pageCost;
    }

    /**
     * Writes the older half of the dirty pages to the log as uncommitted frames when this store's
     * dirty pages take more than {@code limitBytes} while less than a quarter of the shared budget
     * is free, and all of them when the budget is exhausted, so memory stays bounded however large
     * a transaction grows. While the budget has room a transaction keeps its pages past the limit
     * (a spilled page is logged again when it changes again, and a spill forces an image commit).
     * Call between operations only.
     */
    public void maybeSpill(long limitBytes) throws IOException {
        long headroom = cache.headroomBytes();
        boolean room = headroom > cache.capacityBytes() / 4;
        if (dirty.isEmpty() || (headroom > 0 && (dirtyBytes() <= limitBytes || room))) {
            return;
        }
        // Over this store's share: the older half. Budget exhausted (C1 needs headroom): all of them.
        int count = cache.headroomBytes() > 0 ? Math.max(1, dirty.size() / 2) : dirty.size();
        List<PageIo.Image> images = new ArrayList<>(count);
        List<Page> pages = new ArrayList<>(count);
        Iterator<Page> it = dirty.values().iterator();
        while (pages.size() < count) {
            Page p = it.next();
            it.remove();
            byte[] image = new byte[pageSize];
            p.encode(image);
            images.add(new PageIo.Image(p.pageNo(), image));
            pages.add(p);
        }
        io.appendUncommitted(images);
        for (int i = 0; i < pages.size(); i++) {
            Page p = pages.get(i);
            p.dirty = false;
            spilled.put(p.pageNo(), Crc.of(images.get(i).bytes()));
        }
        cache.putAll(storeId, pages, pages.size() * pageCost);
    }

    /** The checksum of a spilled, unchanged transaction page, or null if it is not spilled. */
    public Integer spilledCrc(int pageNo) {
        return spilled.get(pageNo);
    }

    /** The dirty pages, for the commit to encode. */
    public Collection<Page> dirtyPages() {
        return dirty.values();
    }

    /** After a commit: every transaction page is now clean and committed. */
    public void committed() {
        unrecorded = false;
        loggedValuePages = 0;
        for (Page p : dirty.values()) {
            p.dirty = false;
        }
        cache.putAll(storeId, dirty.values(), dirty.size() * pageCost);
        dirty.clear();
        spilled.clear();
    }

    /** Releases this store's share of the cache (at close). */
    public void release() {
        cache.reserve(-dirty.size() * pageCost);
        dirty.clear();
        spilled.clear();
        cache.removeStore(storeId);
        cache.removeStore(valueCacheId);
    }

    /** Snapshot of the transaction's page numbers (dirty and spilled), for the integrity check. */
    public Map<Integer, Boolean> transactionPages() {
        Map<Integer, Boolean> m = new HashMap<>();
        dirty.keySet().forEach(k -> m.put(k, true));
        spilled.keySet().forEach(k -> m.put(k, false));
        return m;
    }

    public PageCache cache() {
        return cache;
    }
}
