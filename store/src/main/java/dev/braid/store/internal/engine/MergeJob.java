package dev.braid.store.internal.engine;

import dev.braid.store.Entry;
import dev.braid.store.internal.btree.BTree;
import dev.braid.store.internal.btree.ScanBatch;
import dev.braid.store.internal.btree.TreeBuilder;
import dev.braid.store.internal.mergetree.MergingCursor;
import dev.braid.store.internal.mergetree.Segment;
import dev.braid.store.internal.mergetree.SegmentInfo;
import dev.braid.store.internal.mergetree.SegmentWriter;
import dev.braid.store.internal.mergetree.SortedSource;
import dev.braid.store.internal.mergetree.WriteBuffer;
import dev.braid.store.internal.page.Run;
import dev.braid.store.internal.page.RunWriter;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The background merges of one store (docs/design/merge-policy.md), on a thread of their own: they
 * combine adjacent segments so that their number stays bounded, and fold all segments into the
 * B+tree by a bottom-up rebuild ({@link TreeBuilder}) once they hold as much data as the tree, or
 * when asked to finish. The heavy part runs without the store's lock, reading immutable segments
 * (only this job removes them) and the tree in batches under the read lock; results are installed
 * under the write lock. During a fold the tree is frozen: every write goes to the write buffer. With
 * nothing to do, the thread runs the store's idle work (the cache warm-up). Thread safety:
 * {@link #signal}, {@link #finish} and {@link #close} from any thread; the rest on the job's thread.
 */
final class MergeJob implements Runnable {
    private static final Logger LOG = LoggerFactory.getLogger(MergeJob.class);
    /** Segments above this count are merged, {@link #MERGE_WIDTH} adjacent ones at a time. */
    static final int MAX_SEGMENTS = 16;
    /**
     * The same while the tree is empty (a restore streaming into a new store): each merge would
     * rewrite data that the final build into the tree reads once more anyway, so segments are
     * allowed to pile up this far first (about 17 million 100-byte records at the default budget).
     */
    static final int MAX_SEGMENTS_EMPTY_TREE = 40;
    static final int MERGE_WIDTH = 8;
    /** Writes slow down above the merge threshold plus this many segments, wait above it plus {@link #HARD_MARGIN}. */
    static final int SOFT_MARGIN = 8;
    static final int HARD_MARGIN = 16;
    /**
     * With no full write buffer for this long the writer is taken to be quiet (no blind writes are
     * streaming in): the segments are folded.
     */
    static final long QUIET_NANOS = 2_000_000_000L;
    /** Inline mode has no clock: it folds into an empty tree once this many segments exist. */
    static final int INLINE_FOLD_SEGMENTS = 4;

    /** What the job needs from the engine. */
    interface Host {
        /** Runs {@code step} under the store's write lock. */
        void underWriteLock(IoStep step) throws IOException;

        /**
         * One batch of the tree's entries from {@code from} (inclusive; null: the first) or, when
         * {@code after} is not null, after it; under the read lock.
         */
        ScanBatch treeBatch(byte[] from, byte[] after) throws IOException;

        /**
         * When the writer has written nothing since its last commit: commits the job's changes with
         * that commit's metadata, then checkpoints and starts the log over if it can, so that the
         * pages the changes freed become free runs. Returns whether it committed. Takes the write lock.
         */
        boolean settle() throws IOException;

        /** The job failed: the store must fail (E1). */
        void failed(Exception e);
    }

    @FunctionalInterface
    interface IoStep {
        void run() throws IOException;
    }

    private final SegmentSet segs;
    private final BTree tree;
    private final Storage storage;
    private final Host host;
    private final Thread thread;
    private final Object signal = new Object();
    private volatile boolean stopping;
    private volatile boolean frozen;
    private boolean wakeup;
    private int finishRequests;
    private volatile boolean failed;
    private volatile long lastFlushNanos = System.nanoTime();
    private volatile boolean paused;
    /** The merge threshold of the last {@link #step}: {@link #MAX_SEGMENTS} or the empty-tree one. */
    private volatile int mergeAbove = MAX_SEGMENTS;
    private boolean syncDue; // under signal: a full buffer was flushed since the job last synced
    private final WriterActivity writers = new WriterActivity();
    private final boolean inline;
    private final BooleanSupplier idle; // returns whether it did some work
    private int compactRequests; // under signal
    private long compactAsked; // under signal: the last compaction asked for
    private long compactDone; // under signal: the last compaction done
    private boolean secondStepDue; // a tree went to the end of the file: move it to the front next

    MergeJob(SegmentSet segs, BTree tree, Storage storage, Host host, String name, boolean inline, BooleanSupplier idle) {
        this.inline = inline;
        this.idle = idle;
        this.segs = segs;
        this.tree = tree;
        this.storage = storage;
        this.host = host;
        this.thread = new Thread(this, "braid-merge-" + name);
        this.thread.setDaemon(true);
    }

    void start() {
        thread.start();
    }

    /** Whether the tree is frozen by a fold in progress (every write must go to the write buffer). */
    boolean treeFrozen() {
        return frozen;
    }

    /**
     * Pauses or resumes the policy: while paused, no merge or fold starts (one in progress finishes),
     * except those {@link #finish} asks for, and writes are never slowed down.
     */
    void setPaused(boolean p) {
        paused = p;
        signal();
    }

    /** The writer flushed its buffer as a segment; {@code full}: because it filled up (not quiet). */
    void flushed(boolean full) {
        if (full) {
            lastFlushNanos = System.nanoTime();
            synchronized (signal) {
                syncDue = true;
            }
        }
        signal();
    }

    /** The writer starts or ends a flush of its buffer ({@link WriterActivity#flushing}). */
    void flushing(boolean on) {
        writers.flushing(on);
    }

    /** A write is being applied (the writing thread): see {@link WriterActivity}. */
    void wrote() {
        writers.wrote();
    }

    /** Something changed (a flush, a commit): look for work. */
    void signal() {
        synchronized (signal) {
            wakeup = true;
            signal.notifyAll();
        }
    }

    /** Blocks until every segment has been folded into the tree (or the job stopped or failed). */
    void finish() throws InterruptedException {
        synchronized (signal) {
            finishRequests++;
            wakeup = true;
            signal.notifyAll();
            try {
                while (!segs.isEmpty() && !stopping && !failed) {
                    signal.wait(100);
                }
            } finally {
                finishRequests--;
            }
        }
    }

    /**
     * Blocks until a compaction ({@link #compact}) that started after this call has ended (or the
     * job stopped or failed): every segment folded, the tree moved to the front of the file, the
     * file cut down, each step committed by {@link Host#settle}.
     */
    void compact() throws InterruptedException {
        synchronized (signal) {
            long ticket = ++compactAsked;
            compactRequests++;
            wakeup = true;
            signal.notifyAll();
            try {
                while (compactDone < ticket && !stopping && !failed) {
                    signal.wait(100);
                }
            } finally {
                compactRequests--;
            }
        }
    }

    /** {@link #compact} on the calling thread (inline mode, under the store's write lock). */
    void compactInline() throws IOException {
        runInline(true);
        compactNow();
    }

    /**
     * The compaction: folds what is left, then up to two relocations (to the end when the tree does
     * not fit in front, then to the front), each settled twice (the first releases the old tree's
     * pages, the second commits the shorter file, so that the next decision does not take the freed
     * end for a hole to fill), then the free list's pages into free runs and two more settles.
     */
    private void compactNow() throws IOException {
        if (!segs.segments().isEmpty()) {
            fold(Placement.FIRST_FIT, false);
        }
        host.underWriteLock(segs::absorbFreeList); // blob pages of replaced trees count as free
        host.settle();
        secondStepDue = false; // whatever moved before, the tree may go to the end once more
        for (int i = 0; i < 2 && relocateIfSparse(true); i++) {
            host.underWriteLock(segs::absorbFreeList);
            host.settle();
            host.settle(); // commits the file cut at the old tree's freed end, before the next decision
            if (!secondStepDue) {
                break; // moved to the front: done (the holes left are too few to move it for again)
            }
        }
        host.underWriteLock(segs::absorbFreeList);
        host.settle();
        host.settle();
    }

    /** Waits (outside any lock) while there are too many segments: writes slow down, never fail. */
    long throttle() throws InterruptedException {
        int softLimit = mergeAbove + SOFT_MARGIN;
        int hardLimit = mergeAbove + HARD_MARGIN;
        int n = segs.segments().size();
        if (n <= softLimit || stopping || failed || paused) {
            return 0; // paused: the caller asked for segments to pile up; never wait on a paused job
        }
        long t0 = System.nanoTime();
        if (n <= hardLimit) {
            Thread.sleep(n - softLimit); // gradual: 1 ms per segment over the soft limit
        } else {
            synchronized (signal) {
                while (segs.segments().size() > hardLimit && !stopping && !failed) {
                    signal.wait(50);
                }
            }
        }
        return System.nanoTime() - t0;
    }

    /** Stops the job: the step in progress is abandoned (its pages are reclaimed) and the thread ends. */
    void close() {
        stopping = true;
        signal();
        try {
            thread.join(30_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void run() {
        while (!stopping) {
            try {
                long ticket;
                synchronized (signal) {
                    ticket = compactRequests > 0 && compactAsked > compactDone ? compactAsked : 0;
                }
                if (ticket > 0) {
                    compactNow();
                    synchronized (signal) {
                        compactDone = Math.max(compactDone, ticket);
                        signal.notifyAll();
                    }
                    continue;
                }
                boolean worked = step() || !paused && idle.getAsBoolean();
                if (worked) {
                    synchronized (signal) {
                        signal.notifyAll(); // finish() and throttled writers re-check at once
                    }
                } else {
                    synchronized (signal) {
                        if (!wakeup && !stopping) {
                            signal.wait(200);
                        }
                        wakeup = false;
                    }
                }
            } catch (InterruptedException e) {
                return;
            } catch (Exception e) {
                failed = true;
                frozen = false;
                if (!stopping) {
                    host.failed(e);
                }
                synchronized (signal) {
                    signal.notifyAll();
                }
                return;
            }
        }
    }

    /**
     * Runs the policy to completion on the calling thread (inline mode, under the store's write
     * lock); {@code force} folds everything into the tree.
     */
    void runInline(boolean force) throws IOException {
        synchronized (signal) {
            finishRequests += force ? 1 : 0;
        }
        try {
            while (step()) {
                // until the policy has nothing more to do
            }
        } finally {
            synchronized (signal) {
                finishRequests -= force ? 1 : 0;
            }
        }
    }

    /** Does one piece of work if the policy calls for it; returns whether it did. */
    private boolean step() throws IOException {
        List<Segment> list = segs.segments();
        // before any early return: a threshold left at the empty tree's after a restore's fold would
        // let writes pile up 56 segments over the new tree while a relocation keeps the job busy
        mergeAbove = tree.count() == 0 ? MAX_SEGMENTS_EMPTY_TREE : MAX_SEGMENTS;
        if (list.isEmpty()) {
            return !inline && !paused && relocateIfSparse(false);
        }
        boolean force;
        synchronized (signal) {
            force = finishRequests > 0;
        }
        if (paused && !force) {
            return false;
        }
        long pending = segs.pendingBytes();
        long treeBytes = tree.count() == 0 ? 0 : estimatedTreeBytes();
        // Into a tree once the segments hold as much data (a 1:1 rewrite), or a quarter of it when the
        // writer is quiet; into an empty tree only when asked or once the writer is quiet, with no
        // write and no flush for a while: a restore streams in as segments merged among themselves,
        // or as a few large ones seconds apart (BufferedWrites.mayGrow), rewritten once by the fold.
        boolean quiet = inline ? list.size() >= INLINE_FOLD_SEGMENTS
                : System.nanoTime() - lastFlushNanos > QUIET_NANOS
                        && (treeBytes > 0 || writers.quietFor(QUIET_NANOS));
        if (force || (treeBytes > 0 && pending >= treeBytes) || (quiet && pending * 4 >= treeBytes)) {
            fold(Placement.FIRST_FIT, false);
            return true;
        }
        if (list.size() > mergeAbove) {
            mergeAdjacent(list);
            return true;
        }
        return !inline && syncStreamedSegments();
    }

    /**
     * While blind writes stream in, syncs the page file after each full flush, here rather than at
     * the next commit: the disk then writes the segments while the writer fills the next buffer,
     * instead of all of them at the commit or the final build (the kernel starts writing dirty pages
     * back on its own only once a tenth of memory is dirty). Changes nothing about durability: a
     * segment still becomes part of the store at a commit, which syncs the file again (D6).
     */
    private boolean syncStreamedSegments() throws IOException {
        synchronized (signal) {
            if (!syncDue) {
                return false;
            }
            syncDue = false;
        }
        storage.syncPageFile();
        return true;
    }

    /**
     * A free list this long, and a quarter of the file or more, is moved into the free runs before a
     * relocation is considered (a fold of large values left the old tree's blob pages there); a
     * shorter one is the point writes' own churn, reused at once, and stays.
     */
    static final int FREE_LIST_ABSORB_PAGES = 4096;

    /** Relocations are at least this far apart. */
    static final long RELOCATE_INTERVAL_NANOS = 30_000_000_000L;
    /** Free pages below which a file is never relocated (about 16 MiB of 4 KiB pages). */
    static final int RELOCATE_MIN_FREE_PAGES = 4096;
    private long lastRelocateNanos = System.nanoTime() - RELOCATE_INTERVAL_NANOS;
    /** Relocations given up in a row because the writer came back: each doubles the interval. */
    private int relocateYields;

    /**
     * When much of the file is free runs (typically after a fold into an empty tree: the old
     * segments free at the front, the new tree at the end), rebuilds the tree elsewhere (a fold with
     * no segments): into the lowest free runs when it fits there with 10 % to spare, so the old
     * tree's pages at the end become free and the file's page count shrinks; else, when at least a
     * quarter of the file (a tenth when compacting) is free, past the end of the file, so that its old pages join the free
     * runs before them and the next relocation (right after the next checkpoint) fits in front.
     * Not while many freed pages still wait for a checkpoint (the figures would be wrong), nor while
     * blind writes stream in (a full buffer flushed within {@link #QUIET_NANOS}: a fold follows).
     * {@code compacting}: asked for by {@link #compact} (no interval, lower thresholds); then the
     * relocation is committed by the caller's settle, else by the writer's next commit.
     */
    private boolean relocateIfSparse(boolean compacting) throws IOException {
        if (tree.count() == 0) {
            return false;
        }
        if (!compacting && !secondStepDue
                && System.nanoTime() - lastRelocateNanos < RELOCATE_INTERVAL_NANOS << relocateYields) {
            return false;
        }
        if (!compacting && (System.nanoTime() - lastFlushNanos < QUIET_NANOS || !writers.quietFor(QUIET_NANOS))) {
            return false; // blind writes are streaming in: the next fold rewrites the tree anyway
        }
        long[] sizes = new long[5];
        host.underWriteLock(() -> {
            int freeList = segs.freeListPages();
            if (compacting || (freeList >= FREE_LIST_ABSORB_PAGES && freeList >= segs.pageCount() / 4)) {
                // A fold frees the old tree's blob pages to the free list, where they would count as
                // used: after a fold of large values that is most of the file. As free runs they count.
                segs.absorbFreeList();
            }
            long waiting = segs.pagesAwaitingCheckpoint(); // first: releasing runs may shorten the file
            long[] ready = segs.readyFreePages(0);
            int pageCount = segs.pageCount();
            long used = pageCount - ready[0] - waiting; // the tree, blobs, the free list: an upper bound
            sizes[0] = pageCount;
            sizes[1] = ready[0];
            sizes[2] = segs.readyFreePages((int) Math.max(0, pageCount - used))[1];
            sizes[3] = used;
            sizes[4] = waiting;
        });
        long pageCount = sizes[0];
        long free = sizes[1];
        long used = sizes[3];
        if (!compacting && sizes[4] >= Engine.FREED_PAGES_CHECKPOINT) {
            return false; // the next checkpoint releases them: decide then
        }
        long minFree = compacting ? Math.max(16, pageCount / 20) : RELOCATE_MIN_FREE_PAGES;
        if (free < minFree) {
            secondStepDue = false;
            return false;
        }
        boolean front = sizes[2] >= used + used / 10;
        if (!front && (secondStepDue || free * (compacting ? 10 : 4) < pageCount)) {
            secondStepDue = false; // moved to the end already, and still no room in front: leave it
            return false;
        }
        lastRelocateNanos = System.nanoTime();
        secondStepDue = !front;
        LOG.debug("relocating the tree to the {}: {} of {} pages are free runs, {} of them below page {}",
                front ? "front" : "end", free, pageCount, sizes[2], pageCount - used);
        if (fold(front ? Placement.LOWEST : Placement.PAST_END, !compacting)) {
            secondStepDue = false;
            relocateYields = Math.min(relocateYields + 1, 4); // next try 1, 2, 4, 8 minutes later
        } else {
            relocateYields = 0;
        }
        return true;
    }

    /** Pages a fold asks for at a time: its expected size with a quarter to spare, at most a default run. */
    private int foldRunHint(List<Segment> inputs) {
        long bytes = estimatedTreeBytes();
        for (Segment s : inputs) {
            bytes += s.info().dataBytes();
        }
        long pages = bytes * 5 / 4 / storage.pageSize() + 16;
        return (int) Math.min(RunWriter.RUN_PAGES, pages);
    }

    private long estimatedTreeBytes() {
        // The data in the tree, estimated from its entry count and the segments' average entry size.
        long entries = 0;
        long bytes = 0;
        for (Segment s : segs.segments()) {
            entries += s.info().entries();
            bytes += s.info().dataBytes();
        }
        long avg = entries == 0 ? 64 : Math.max(1, bytes / entries);
        return tree.count() * avg;
    }

    /** Merges the adjacent run of {@link #MERGE_WIDTH} segments holding the least data. */
    private void mergeAdjacent(List<Segment> list) throws IOException {
        int best = 0;
        long bestBytes = Long.MAX_VALUE;
        for (int i = 0; i + MERGE_WIDTH <= list.size(); i++) {
            long b = 0;
            for (int j = i; j < i + MERGE_WIDTH; j++) {
                b += list.get(j).info().dataBytes();
            }
            if (b <= bestBytes) { // ties go to the older run
                bestBytes = b;
                best = i;
            }
        }
        List<Segment> inputs = List.copyOf(list.subList(best, best + MERGE_WIDTH));
        boolean oldest = best + MERGE_WIDTH == list.size();
        boolean dropDeletes = oldest && tree.count() == 0 && !frozen; // nothing below for a delete to hide
        long expected = 0;
        long expectedBytes = 0;
        boolean known = true;
        long delta = 0;
        List<SortedSource> sources = new ArrayList<>();
        for (Segment s : inputs) {
            expected += s.info().entries();
            expectedBytes += s.info().dataBytes();
            known &= s.deltaKnown();
            delta += s.liveDelta();
            SegmentCursorSource.add(sources, s);
        }
        SegmentWriter w = new SegmentWriter(segs.sink(), expected, expectedBytes);
        long t0 = System.nanoTime();
        try {
            MergingCursor m = new MergingCursor(sources, false);
            SortedSource.EntrySink add = w::add;
            for (; m.valid(); m.next()) {
                if (stopping) {
                    throw new JobAbandoned();
                }
                byte[] key = m.key();
                if (!m.isTombstone()) {
                    m.entryTo(key, add); // the value as a slice of its segment block: no copy
                } else if (!dropDeletes) {
                    w.add(key, WriteBuffer.TOMBSTONE);
                }
            }
            if (w.entries() == 0) {
                host.underWriteLock(() -> segs.replace(inputs, null, w.taken(), w.taken()));
                return;
            }
            SegmentInfo info = w.finish(delta, known);
            Segment out = segs.open(info);
            storage.syncPageFile(); // D6: the segment is on disk before a commit can name it
            host.underWriteLock(() -> segs.replace(inputs, out, info.runs(), w.sparePages()));
            LOG.debug("merged {} segments ({} entries) into one of {} entries in {} ms", inputs.size(), expected,
                    info.entries(), (System.nanoTime() - t0) / 1_000_000);
        } catch (JobAbandoned e) {
            host.underWriteLock(() -> segs.abandon(w.taken()));
        }
    }

    /**
     * Rebuilds the tree with every segment folded in, then installs it and drops the segments; its
     * pages go where {@code placement} says. {@code yielding}: a relocation the writer need not wait
     * for, given up (its runs freed at once) as soon as a write arrives; returns whether it was.
     */
    private boolean fold(Placement placement, boolean yielding) throws IOException {
        List<Segment> inputs = segs.segments();
        long[] writesBefore = new long[1];
        host.underWriteLock(() -> {
            frozen = true;
            writesBefore[0] = writers.count(); // writes count under the lock: none slips in between
        });
        long t0 = System.nanoTime();
        long treeBefore = tree.count();
        BooleanSupplier stop = yielding ? () -> stopping || writers.count() != writesBefore[0] : () -> stopping;
        boolean installed = false;
        FoldBuilder builder = new FoldBuilder(segs, host, stop, thread.getName(), foldRunHint(inputs));
        try {
            byte[][] bounds = inline ? new byte[0][] : FoldBuilder.splitBounds(inputs, treeBefore);
            TreeBuilder.Result r = builder.build(inputs, bounds, placement);
            storage.syncPageFile(); // D6
            host.underWriteLock(() -> {
                TreeInstall.install(tree, segs, r, inputs);
                frozen = false;
            });
            installed = true;
            LOG.debug("folded {} segments and a tree of {} entries into a tree of {} entries in {} ms ({} parts)",
                    inputs.size(), treeBefore, r.count(), (System.nanoTime() - t0) / 1_000_000, bounds.length + 1);
        } catch (JobAbandoned e) {
            if (!stopping) { // the writer came back: nothing references the runs, free them now
                host.underWriteLock(() -> segs.abandon(builder.takenRuns()));
                LOG.debug("gave up a relocation after {} ms: a write arrived", (System.nanoTime() - t0) / 1_000_000);
                return true;
            } // stopping: the reserved runs stay reserved and are reclaimed on the next open
        } finally {
            if (!installed) {
                frozen = false;
            }
        }
        return false;
    }

    /** Opens a segment's cursor at its first entry as a merge source (uncached: one pass). */
    private static final class SegmentCursorSource {
        static void add(List<SortedSource> sources, Segment s) throws IOException {
            var c = s.cursor(false);
            c.seekForward(null, true);
            sources.add(SortedSource.of(c, false));
        }
    }
}
