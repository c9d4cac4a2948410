package dev.braid.store.internal.engine;

import dev.braid.store.internal.btree.BTree;
import dev.braid.store.internal.btree.BulkLoader;
import dev.braid.store.internal.mergetree.Segment;
import dev.braid.store.internal.mergetree.WriteBuffer;
import dev.braid.store.internal.page.Pager;
import java.io.IOException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The writer's side of the write buffer: which writes go to it rather than to the tree (blind ones,
 * and W1), its flush as the newest segment when full, and what becomes of it at commit (a segment,
 * or tree writes when that is cheaper). Writer thread, under the store's write lock
 * (docs/design/merge-policy.md).
 */
final class BufferedWrites {
    private static final Logger LOG = LoggerFactory.getLogger(BufferedWrites.class);
    /** A buffer at least this large becomes a segment at commit rather than tree writes. */
    static final long SEGMENT_AT_COMMIT_BYTES = 1 << 20;

    private final WriteBuffer buffer;
    private final BTree tree;
    private final SegmentSet segs;
    private final Pager pager;
    private final MergeJob mergeJob;
    private final boolean backgroundMerges;
    private final Storage storage;
    private final long limitBytes;
    private final long growLimitBytes;
    private final long spillLimitBytes;
    private final boolean treeWritesBuffered; // WriteMode.MERGE_TREE
    private final RecordLog records; // null: record commits are off
    private boolean unlogged; // the buffer holds writes of an unlogged batch: it must become a segment
    private boolean unloggedBatch; // an unlogged batch is being applied
    private long nextGrowthCheck; // buffer bytes at which growth is looked at again
    private boolean restoreBelow; // every segment is a flushed restore buffer (see mayGrow)

    /**
     * @param limitBytes buffer size at which it is flushed as a segment
     * @param growLimitBytes the same for unlogged writes into an empty tree, see {@link #mayGrow}
     * @param spillLimitBytes dirty tree pages above which the pager spills them to the log
     * @param treeWritesBuffered every tree write goes to the buffer ({@code WriteMode.MERGE_TREE})
     * @param records            where tree writes are recorded for record commits (null: off)
     */
    BufferedWrites(WriteBuffer buffer, BTree tree, SegmentSet segs, Pager pager, Storage storage, MergeJob mergeJob,
                   boolean backgroundMerges, long limitBytes, long growLimitBytes, long spillLimitBytes,
                   boolean treeWritesBuffered, RecordLog records) {
        this.treeWritesBuffered = treeWritesBuffered;
        this.records = records;
        this.buffer = buffer;
        this.storage = storage;
        this.growLimitBytes = growLimitBytes;
        this.nextGrowthCheck = limitBytes;
        this.tree = tree;
        this.segs = segs;
        this.pager = pager;
        this.mergeJob = mergeJob;
        this.backgroundMerges = backgroundMerges;
        this.limitBytes = limitBytes;
        this.spillLimitBytes = spillLimitBytes;
    }

    /**
     * A batch of writes begins: when unlogged, the buffer holds unlogged writes, and so does a buffer
     * that a flush empties in the middle of the batch.
     */
    void startBatch(boolean unloggedWrites) {
        unloggedBatch = unloggedWrites;
        unlogged |= unloggedWrites;
    }

    /** The batch {@link #startBatch} began is applied. */
    void endBatch() {
        unloggedBatch = false;
    }

    /**
     * One write. A blind write, or a tree write to a key the buffer or a segment holds (W1: the newer
     * tree write must not be shadowed by the older blind one), or any tree write in
     * {@code WriteMode.MERGE_TREE}, goes to the buffer; anything else to the tree.
     */
    void apply(byte[] key, byte[] value, boolean blind) throws IOException {
        if (blind || treeWritesBuffered || mergeJob.treeFrozen() || (!buffer.isEmpty() && buffer.holds(key))
                || (!segs.isEmpty() && segs.get(key) != null)) {
            long delta = value == null ? buffer.delete(key) : buffer.put(key, value);
            if (delta != 0) {
                pager.cache().reserve(delta);
            }
            if (buffer.bytes() > nextGrowthCheck) {
                if (mayGrow()) {
                    nextGrowthCheck = buffer.bytes() + GROWTH_STEP_BYTES;
                } else {
                    flush(true);
                }
            }
        } else if (records != null && records.canRecord(value)) {
            pager.setRecording(true); // the page changes below are what the record describes
            try {
                if (value == null) {
                    tree.delete(key);
                } else {
                    tree.put(key, value);
                }
            } finally {
                pager.setRecording(false);
            }
            if (value == null) {
                records.delete(key);
            } else {
                records.put(key, value);
            }
        } else if (value == null) {
            tree.delete(key);
        } else {
            tree.put(key, value);
        }
    }

    /**
     * The part of a memory budget of {@code capacity} bytes that restore buffers may take (three
     * quarters): a restore into a new store has nothing to cache, so most of the budget is better
     * spent holding it whole, to be written once.
     */
    static long restoreShareOf(long capacity) {
        return capacity / 4 * 3;
    }

    /** Growth is looked at again after this many more bytes. */
    private static final long GROWTH_STEP_BYTES = 1 << 20;

    /**
     * Whether a buffer past its limit may grow on: it holds unlogged writes with nothing below them
     * but earlier buffers of the same kind (an empty tree, and no segment or only flushed restore
     * buffers: a restore into a new store), is below {@code growLimitBytes}, and the writes buffered
     * in the whole memory budget (shared by the stores of a JVM) leave half of it. A restore that
     * fits is then built straight into the tree at commit ({@link DirectBuild}: its data written
     * once). One that does not fit is written as a few segments as large as the budget allows, which
     * the merge job folds into the tree at once: with buffers of the usual size, a restore of large
     * values would become many small segments whose merges copy every value again before the fold.
     */
    private boolean mayGrow() {
        return unlogged && buffer.bytes() < growLimitBytes && tree.count() == 0 && (segs.isEmpty() || restoreBelow)
                && !mergeJob.treeFrozen()
                && pager.cache().headroomBytes() >= pager.cache().capacityBytes() - restoreShareOf(pager.cache().capacityBytes());
    }

    /**
     * Writes the buffer as the newest segment (D6) and lets the merge job know; {@code full}: it
     * filled up (blind writes are streaming in), rather than being flushed at commit.
     */
    void flush(boolean full) throws IOException {
        if (buffer.isEmpty()) {
            return;
        }
        long t0 = System.nanoTime();
        long charged = buffer.bytes();
        restoreBelow = unlogged && tree.count() == 0 && (segs.isEmpty() || restoreBelow);
        Segment seg;
        mergeJob.flushing(true);
        try {
            seg = segs.flush(buffer);
        } finally {
            mergeJob.flushing(false);
        }
        pager.cache().reserve(buffer.clear());
        LOG.debug("flushed {} bytes of write buffer as a segment of {} entries in {} ms", charged,
                seg.info().entries(), (System.nanoTime() - t0) / 1_000_000);
        unlogged = unloggedBatch; // the rest of the batch
        nextGrowthCheck = limitBytes;
        if (backgroundMerges) {
            mergeJob.flushed(full);
        }
    }

    /**
     * At commit: into an empty tree with no segment, an unlogged or large buffer is built straight
     * into the tree ({@link DirectBuild}); a small logged one goes into the tree key by key when that
     * is cheaper than a segment (nothing in the merge-tree below it, no fold running); anything else
     * becomes a segment.
     */
    void atCommit() throws IOException {
        if (buffer.isEmpty()) {
            return;
        }
        boolean emptyBelow = segs.isEmpty() && tree.count() == 0 && !mergeJob.treeFrozen();
        if (emptyBelow && (unlogged || buffer.bytes() >= SEGMENT_AT_COMMIT_BYTES)) {
            long t0 = System.nanoTime();
            long charged = buffer.bytes();
            buffer.distinctKeys(); // the sort, timed on its own for the log
            long sorted = System.nanoTime();
            DirectBuild.run(buffer, tree, segs, storage);
            pager.cache().reserve(buffer.clear());
            unlogged = false;
            nextGrowthCheck = limitBytes;
            LOG.debug("built {} bytes of write buffer straight into the empty tree ({} entries) in {} ms ({} ms sorting)",
                    charged, tree.count(), (System.nanoTime() - t0) / 1_000_000, (sorted - t0) / 1_000_000);
        } else if (unlogged || !segs.isEmpty() || mergeJob.treeFrozen() || buffer.bytes() >= SEGMENT_AT_COMMIT_BYTES) {
            flush(false);
        } else {
            drain();
        }
    }

    /**
     * Writes the buffer into the tree in key order: into an empty tree as a bottom-up bulk build
     * (its tombstones dropped), otherwise key by key (sorted, so each leaf is visited once per run
     * of its keys).
     */
    private void drain() throws IOException {
        BulkLoader loader = new BulkLoader(tree, () -> pager.maybeSpill(spillLimitBytes));
        WriteBuffer.Sorted s = buffer.sorted();
        if (loader.treeIsEmpty()) {
            WriteBuffer.Sorted live = s.withoutTombstones(); // deleting from an empty tree is a no-op
            loader.load(live.keys(), live.values());
        } else {
            for (int i = 0; i < s.keys().length; i++) {
                if (s.values()[i] == WriteBuffer.TOMBSTONE) {
                    tree.delete(s.keys()[i]);
                } else {
                    tree.put(s.keys()[i], s.values()[i]);
                }
                pager.maybeSpill(spillLimitBytes);
            }
        }
        pager.cache().reserve(buffer.clear());
    }
}
