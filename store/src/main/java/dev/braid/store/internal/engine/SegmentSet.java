package dev.braid.store.internal.engine;

import dev.braid.store.internal.btree.BTree;
import dev.braid.store.internal.btree.BlobRef;
import dev.braid.store.internal.mergetree.Bloom;
import dev.braid.store.internal.mergetree.Manifest;
import dev.braid.store.internal.mergetree.Segment;
import dev.braid.store.internal.mergetree.SegmentInfo;
import dev.braid.store.internal.mergetree.SegmentReader;
import dev.braid.store.internal.mergetree.SegmentWriter;
import dev.braid.store.internal.mergetree.WriteBuffer;
import dev.braid.store.internal.page.ExtentSink;
import dev.braid.store.internal.page.FreeRuns;
import dev.braid.store.internal.page.HeaderPage;
import dev.braid.store.internal.page.Pager;
import dev.braid.store.internal.page.Run;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.Lock;

/**
 * The segments of the merge-tree (newest first) and the page runs that flushes and merges in
 * progress have reserved; their manifest goes into every commit. Segments are written straight into
 * fresh runs of the page file (D6) and installed under the store's write lock.
 *
 * <p>Invariants: S1 a segment is newer than every segment after it in the list and than the tree;
 * S2 a key a segment holds is never written to the tree while the segment exists (writes to it go
 * to the write buffer, W1), so each segment's live delta is stable; S3 every page of the file is in
 * the tree, the free list, a segment's runs, a reservation or a free run, and reservations are
 * freed on open; S4 a page goes into a run written straight into the page file only if no commit
 * since the last checkpoint references it and the log holds no frame of it (free runs: runs freed
 * by a commit wait in {@code pending} until a checkpoint has covered that commit and its pages
 * have no log frame), so neither recovery, nor a checkpoint, nor a read-only client on an older
 * commit that it cannot detect, sees such a write (docs/design/read-only.md R3).
 *
 * <p>Thread safety: the list is copy-on-write in a volatile field, read under the store's read lock
 * by readers and without it by the merge job (which is the only one to remove segments); every
 * change happens under the write lock.
 */
final class SegmentSet {
    private final Pager pager;
    private final Storage storage;
    private final BTree tree;
    private final SegmentReader reader;
    private final Lock writeLock;
    private volatile List<Segment> segments = List.of();
    private final List<Run> reservations = new ArrayList<>();
    private final FreeRuns free = new FreeRuns(); // S4: may be written into now
    private final List<Pending> pending = new ArrayList<>(); // freed by commit {@code seq}: not yet
    private final List<Run> committedFree = new ArrayList<>(); // read-only snapshots: the manifest's
    private long nextId;
    private volatile boolean changed; // also set by readers (a computed live delta)
    private long merges;

    SegmentSet(Pager pager, Storage storage, BTree tree, Lock writeLock) {
        this.pager = pager;
        this.storage = storage;
        this.tree = tree;
        this.writeLock = writeLock;
        this.reader = new SegmentReader(storage, pager.cache(), pager.pageSize());
        this.nextId = 1;
        pager.setSparePages(this::lendPages);
        pager.setDirectPages(this::takePage, p -> freeLater(new Run(p, 1)));
    }

    private boolean placing; // a manifest is being written: its free runs must not change under it
    private long manifestWrites; // for tests (EngineProbe)
    static final int LEND_PAGES = 512; // pages the free runs lend the free list at a time

    /**
     * A page of a free run for the tree or a blob when the free list is empty, and up to
     * {@value #LEND_PAGES} - 1 more of the lowest onto the free list (lowest on top): the manifest
     * lists every free run, so a commit that takes one writes it again (merge-policy.md). Not
     * with D7, which writes value pages straight into free runs.
     */
    private int lendPages() throws IOException {
        int p = takePage();
        if (p != 0 && !pager.directValuesConfigured()) {
            lend(LEND_PAGES - 1);
        }
        return p;
    }

    /** A single page of a free run for the tree or a blob (S4 holds for it; the log is fine too). */
    private int takePage() {
        if (placing) {
            return 0;
        }
        promote();
        int p = free.takeFirstPage();
        if (p != 0) {
            changed = true;
        }
        return p;
    }

    /**
     * Loads the committed manifest at open: opens its segments (loading their bloom filters) and
     * frees the runs a crashed flush or merge had reserved (S3).
     */
    void load(HeaderPage h) throws IOException {
        Manifest m = loadManifest(h);
        // Recovery checkpointed and reset the log: every committed free run may be written into (S4).
        for (Run r : m.free()) {
            addReady(r);
        }
        for (Run r : m.reservations()) {
            free.add(r);
            changed = true;
        }
        trimEnd();
    }

    /**
     * Loads the committed manifest for a read-only snapshot: its segments, and its reservations kept
     * as they are (they belong to the writer's jobs in progress, and the integrity check counts them).
     */
    void loadForReading(HeaderPage h) throws IOException {
        Manifest m = loadManifest(h);
        reservations.addAll(m.reservations());
        committedFree.addAll(m.free());
    }

    /** Opens the segments of the committed manifest and returns it. */
    private Manifest loadManifest(HeaderPage h) throws IOException {
        ManifestLoader.Loaded l = ManifestLoader.load(h, tree, storage, reader, pager.cache());
        segments = l.segments();
        nextId = l.manifest().nextId();
        return l.manifest();
    }

    List<Segment> segments() {
        return segments;
    }

    boolean isEmpty() {
        return segments.isEmpty();
    }

    long merges() {
        return merges;
    }

    /** Key plus value bytes waiting in segments. */
    long pendingBytes() {
        long n = 0;
        for (Segment s : segments) {
            n += s.info().dataBytes();
        }
        return n;
    }

    /** The newest entry for {@code key} in the segments: a value, a tombstone, or null. */
    byte[] get(byte[] key) throws IOException {
        List<Segment> segs = segments;
        if (segs.isEmpty()) {
            return null;
        }
        long h = Bloom.hash(key);
        Segment.touchFilters(segs, h);
        for (Segment s : segs) {
            byte[] v = s.get(key, h);
            if (v != null) {
                return v;
            }
        }
        return null;
    }

    /** The entry for {@code key} in the segments older than {@code newer} (excluded), or null. */
    byte[] getBelow(Segment newer, byte[] key, long hash) throws IOException {
        boolean below = false;
        for (Segment s : segments) {
            if (below) {
                byte[] v = s.get(key, hash);
                if (v != null) {
                    return v;
                }
            } else if (s == newer) {
                below = true;
            }
        }
        return null;
    }

    /**
     * A sink for a job's pages: free runs, else runs past the end of the file; reserved until
     * installed or dropped.
     */
    ExtentSink sink() {
        return sink(Placement.FIRST_FIT);
    }

    /** A sink for a job's pages, placed as {@code placement} says; reserved until installed or dropped. */
    JobSink sink(Placement placement) {
        return new JobSink(this, storage, pager, placement, writeLock, null);
    }

    /**
     * The same for a build whose thread holds the write lock throughout, and for helper threads it
     * waits for: they take runs in turn under {@code monitor} instead of the lock.
     */
    ExtentSink sinkUnderHeldLock(Placement placement, Object monitor) {
        return new JobSink(this, storage, pager, placement, null, monitor);
    }

    /** Takes a run for a job and reserves it (write lock held, see {@link JobSink}). */
    Run reserveRun(Placement placement, int minPages, int wantPages) throws IOException {
        promote();
        Run r = switch (placement) {
            case FIRST_FIT -> free.take(minPages, wantPages);
            case LOWEST -> free.takeLowest(minPages, wantPages);
            case PAST_END -> null;
        };
        if (r == null) {
            r = pager.allocateRun(wantPages);
        }
        reservations.add(r);
        changed = true;
        return r;
    }

    /**
     * Writes the buffer as the newest segment (writer, under the write lock). Its live delta is known
     * when nothing lies below it.
     */
    Segment flush(WriteBuffer buffer) throws IOException {
        SegmentWriter w = FlushWriter.write(buffer, sink());
        boolean nothingBelow = segments.isEmpty() && tree.count() == 0;
        SegmentInfo info = w.finish(w.liveEntries(), nothingBelow);
        Segment seg = Segment.open(info.withId(nextId++), reader);
        release(w.sparePages());
        List<Segment> list = new ArrayList<>(segments.size() + 1);
        list.add(seg);
        list.addAll(segments);
        unreserve(info.runs());
        unreserve(w.sparePages());
        pager.cache().reserve(seg.heapBytes());
        segments = List.copyOf(list);
        changed = true;
        return seg;
    }

    /** Creates the segment object for a merge's output (any thread); installed by {@link #replace}. */
    Segment open(SegmentInfo info) throws IOException {
        return Segment.open(info, reader);
    }

    /**
     * Replaces {@code inputs} (adjacent in the list) by {@code output} (null: they went into the tree),
     * frees their runs and the job's spare pages, and ends the job's reservations. Write lock held.
     */
    void replace(List<Segment> inputs, Segment output, List<Run> jobRuns, List<Run> spare) throws IOException {
        replace(inputs, output, jobRuns, spare, new int[0], 0);
    }

    /**
     * Like {@link #replace(List, Segment, List, List)} where the result (a tree) took over
     * {@code carried[0, carriedCount)}, value pages of the inputs, which are not freed. Sorts
     * {@code carried}.
     */
    void replace(List<Segment> inputs, Segment output, List<Run> jobRuns, List<Run> spare, int[] carried,
            int carriedCount) throws IOException {
        List<Segment> list = new ArrayList<>(segments);
        int at = inputs.isEmpty() ? 0 : list.indexOf(inputs.get(0)); // none: the tree was relocated
        list.removeAll(inputs);
        if (output != null) {
            output = output.renumbered(nextId++);
            list.add(Math.min(at, list.size()), output);
            pager.cache().reserve(output.heapBytes());
        }
        unreserve(jobRuns);
        unreserve(spare);
        release(spare);
        java.util.Arrays.sort(carried, 0, carriedCount);
        for (Segment s : inputs) {
            for (Run r : s.info().runs()) {
                freeExcept(r, carried, carriedCount);
            }
            s.release();
            pager.cache().reserve(-s.heapBytes());
        }
        segments = List.copyOf(list);
        merges++;
        changed = true;
    }

    /** Ends the reservations of an abandoned job, freeing its pages. Write lock held. */
    void abandon(List<Run> taken) throws IOException {
        unreserve(taken);
        release(taken);
        changed = true;
    }

    /** Records a segment's live delta once computed (kept in the next manifest). */
    void deltaComputed(Segment s, long delta) {
        s.setLiveDelta(delta);
        changed = true; // a benign race with a commit: at worst the next manifest records it
    }

    private void unreserve(List<Run> runs) {
        // Job runs are split and merged by the writer; drop every reservation they overlap.
        for (Run used : runs) {
            reservations.removeIf(r -> r.start() < used.end() && used.start() < r.end());
        }
    }

    /**
     * Frees pages that no commit references as data (spare run tails, abandoned jobs' runs): they may
     * be written into again at once (S4). A run at the end of the file shortens it.
     */
    private void release(List<Run> runs) {
        for (Run r : runs) {
            pager.forgetJobPages(r.start(), r.end()); // a page the job kept in the cache
            free.add(r);
        }
        trimEnd();
    }

    /**
     * Frees pages of the B+tree that a fold replaced (they go to free runs once S4 allows). The pages
     * must have left the transaction and the cache. Write lock held.
     */
    void freeTreePages(int[] pages, int count) {
        java.util.Arrays.sort(pages, 0, count);
        for (int i = 0; i < count; i++) {
            freeLater(new Run(pages[i], 1)); // consecutive pages join one run
        }
        changed = true;
    }

    /** Frees the pages of {@code run} that are not in {@code kept[0, n)} (ascending) with {@link #freeLater}. */
    private void freeExcept(Run run, int[] kept, int n) {
        int i = java.util.Arrays.binarySearch(kept, 0, n, run.start());
        i = i >= 0 ? i : -i - 1;
        int from = run.start();
        for (; i < n && kept[i] < run.end(); i++) {
            if (kept[i] > from) {
                freeLater(new Run(from, kept[i] - from));
            }
            from = kept[i] + 1;
        }
        if (from < run.end()) {
            freeLater(new Run(from, run.end() - from));
        }
    }

    /**
     * Frees {@code run}, which the last commit may reference: it waits for S4. A run freed by the
     * open transaction cannot be promoted before a checkpoint covers that transaction's commit, so
     * the next promote need not look sooner. A run that continues the last one freed by the same
     * transaction extends it (values freed one page at a time).
     */
    private void freeLater(Run run) {
        long seq = storage.transactionSeq();
        int last = pending.size() - 1;
        if (last >= 0 && pending.get(last).seq() == seq && pending.get(last).run().end() == run.start()) {
            Run prev = pending.get(last).run();
            pending.set(last, new Pending(new Run(prev.start(), prev.pages() + run.pages()), seq));
        } else {
            pending.add(new Pending(run, seq));
        }
        changed = true;
    }

    // The checkpointed sequence and log resets at the last promote that left runs pending: until
    // either moves, promoting again cannot move anything (single-page allocations call it often).
    private long promotedAt = -1;
    private long promotedResets = -1;

    /** Moves pending runs whose commit a checkpoint has covered into the free runs (S4). */
    private void promote() {
        if (pending.isEmpty()) {
            return;
        }
        long checkpointed = storage.checkpointedSeq();
        long resets = storage.logResets();
        if (checkpointed == promotedAt && resets == promotedResets) {
            return;
        }
        promotedAt = checkpointed;
        promotedResets = resets;
        boolean moved = false;
        List<Pending> keep = new ArrayList<>();
        for (Pending p : pending) {
            if (p.seq() > checkpointed) {
                keep.add(p);
                continue;
            }
            // pages that still have log frames (tree pages) stay; the rest are split off and freed
            int start = p.run().start();
            for (int pg = start; pg <= p.run().end(); pg++) {
                boolean logged = pg < p.run().end() && storage.loggedPageIn(new Run(pg, 1));
                if (pg == p.run().end() || logged) {
                    if (pg > start) {
                        addReady(new Run(start, pg - start));
                        moved = true;
                    }
                    if (logged) {
                        keep.add(new Pending(new Run(pg, 1), p.seq()));
                    }
                    start = pg + 1;
                }
            }
        }
        pending.clear();
        pending.addAll(keep);
        if (moved) {
            trimEnd();
        }
    }

    /** A run that may be written into now; a single page is kept apart (freed values: many). */
    private void addReady(Run r) {
        if (r.pages() == 1) {
            free.addSingle(r.start());
        } else {
            free.add(r);
        }
    }

    /** Shortens the file by the free runs at its end. */
    private void trimEnd() {
        Run r;
        while ((r = free.takeEndingAt(pager.pageCount())) != null) {
            pager.releaseTail(r);
            changed = true;
        }
    }

    /** Whether anything changed since the last commit's manifest (segments, runs, reservations). */
    boolean hasChanges() {
        promote(); // a checkpoint may have released runs at the end of the file: a shorter file to commit
        return changed;
    }

    /** Pages on the tree's free list. Write lock held. */
    int freeListPages() {
        return pager.freeList().count();
    }

    /**
     * Moves every page of the tree's free list into the free runs (each waits for S4 like a freed
     * run): a compaction's step, so that free pages at the end of the file can be cut off and the
     * rest can hold runs. Write lock held.
     */
    void absorbFreeList() throws IOException {
        int[] pages = pager.freeList().takeAll();
        for (int p : pages) {
            pager.forget(p);
        }
        if (pages.length > 0) {
            freeTreePages(pages, pages.length);
        }
    }

    /** Pages of freed runs that wait for a checkpoint before they may be written into (S4). Write lock held. */
    long pagesAwaitingCheckpoint() {
        promote();
        return pendingPages();
    }

    private long pendingPages() {
        long n = 0;
        for (Pending p : pending) {
            n += p.run().pages();
        }
        return n;
    }

    /** The file's page count now. Write lock held. */
    int pageCount() {
        return pager.pageCount();
    }

    /** Pages of free runs that may be written into now, in all and below {@code page}. Write lock held. */
    long[] readyFreePages(int page) {
        promote();
        return new long[] {free.pages(), free.pagesBelow(page)};
    }

    /** Pages in free runs, ready or pending (for stats). */
    long freeRunPages() {
        long n = free.pages() + pendingPages();
        for (Run r : committedFree) {
            n += r.pages();
        }
        return n;
    }

    /** Every free run, ready or pending (for the integrity check). */
    List<Run> freeRuns() {
        List<Run> out = new ArrayList<>(freeRunsForManifest());
        out.addAll(committedFree);
        return out;
    }

    private record Pending(Run run, long seq) {
    }

    /**
     * Commit step: when the segments or reservations changed, writes a new manifest blob (freeing
     * the old one) and records it in {@code h}; otherwise carries the committed one over.
     */
    void placeManifest(HeaderPage committed, HeaderPage h) throws IOException {
        promote(); // free runs a checkpoint has released may shorten the file in this commit
        if (!changed) {
            h.manifestPage = committed.manifestPage;
            h.manifestCrc = committed.manifestCrc;
            h.manifestLength = committed.manifestLength;
            return;
        }
        if (committed.manifestLength > 0) {
            tree.blobs().free(new BlobRef(committed.manifestPage, committed.manifestCrc, committed.manifestLength));
        }
        Manifest m = manifest();
        if (!m.isEmpty()) {
            byte[] encoded = m.encode();
            int low = free.lowestPage();
            if (low != 0 && low < committed.manifestPage && lendLowPages(encoded.length)) {
                encoded = manifest().encode(); // the free runs lost the pages just lent
            }
            placing = true;
            manifestWrites++;
            try {
                BlobRef ref = tree.blobs().write(encoded);
                h.manifestPage = ref.page();
                h.manifestCrc = ref.crc();
                h.manifestLength = ref.length();
            } finally {
                placing = false;
            }
        }
        changed = false;
    }

    private Manifest manifest() {
        List<SegmentInfo> infos = new ArrayList<>();
        for (Segment s : segments) {
            infos.add(s.info());
        }
        return new Manifest(nextId, infos, List.copyOf(reservations), freeRunsForManifest());
    }

    /**
     * Moves enough pages of the lowest free run onto the free list for a manifest of {@code bytes}
     * (the manifest lists the free runs, so its own pages cannot be taken from them while it is
     * written): the manifest moves to the front of the file instead of staying at its end, where it
     * would keep the file from shrinking (done when a free run lies below the last manifest, so the
     * manifest moves down once and then reuses its own pages). Returns whether any page moved.
     */
    private boolean lendLowPages(int bytes) throws IOException {
        int pageSize = pager.pageSize();
        int dataPages = (bytes + pageSize - 1) / pageSize;
        return lend(dataPages + dataPages / Math.max(1, (pageSize - 20) / 8) + 1) > 0;
    }

    /** Moves up to {@code pages} of the lowest free pages onto the free list (lowest on top); returns how many. */
    private int lend(int pages) throws IOException {
        int[] taken = new int[pages];
        int n = free.takeFirstPages(taken);
        for (int i = n - 1; i >= 0; i--) {
            pager.freeList().free(taken[i]);
        }
        return n;
    }

    /**
     * Free and pending runs, merged where adjacent (the pending ones are free as of this commit), in
     * page order ({@link FreeRuns#runsWith}: one pass, since freed values can leave hundreds of
     * thousands of single pages and every commit that frees one writes them).
     */
    private List<Run> freeRunsForManifest() {
        List<Run> waiting = new ArrayList<>(pending.size());
        for (Pending p : pending) {
            waiting.add(p.run());
        }
        return free.runsWith(waiting);
    }

    /** The reserved runs of jobs in progress (for the integrity check). */
    List<Run> reservations() {
        return List.copyOf(reservations);
    }

    SegmentReader reader() {
        return reader;
    }

    /** Releases the memory charged for the segments (at close). */
    void close() {
        for (Segment s : segments) {
            s.release();
            pager.cache().reserve(-s.heapBytes());
        }
        segments = List.of();
    }
}
