package dev.braid.store.internal.engine;

import dev.braid.store.internal.btree.BTree;
import dev.braid.store.internal.btree.TreeBuilder;
import dev.braid.store.internal.mergetree.WriteBuffer;
import dev.braid.store.internal.page.ExtentSink;
import dev.braid.store.internal.page.RunWriter;
import java.io.IOException;
import java.util.List;

/**
 * A write buffer built straight into an empty tree at commit: a restore into a new store that fit
 * in its buffer ({@link BufferedWrites}). It is a fold whose only input is the sorted buffer, so the
 * data is written once, as the tree's packed leaves, instead of as a segment first and as the tree
 * again when the segment is folded. Leaves are encoded straight from the buffer's arena; a large
 * buffer is cut into consecutive ranges of its key order built on parallel threads (one per core, at
 * most four), whose leaves then go under one set of internal levels. The pages go straight into
 * reserved runs of the page file and are synced before the tree is installed (D6); the commit that
 * called it names the new root. Deletes are dropped (nothing below them to hide). Writer thread,
 * under the store's write lock, which it holds throughout (so helpers take runs under a monitor).
 */
final class DirectBuild {
    /** Buffers with at least this many keys are built in parallel ranges. */
    static int parallelMinEntries = 64 * 1024;

    private DirectBuild() {
    }

    /** Builds the buffer's entries into {@code tree}, which is empty and not frozen, with no segment. */
    static void run(WriteBuffer buffer, BTree tree, SegmentSet segs, Storage storage) throws IOException {
        int n = buffer.distinctKeys();
        int parts = n < parallelMinEntries ? 1 : Math.min(4, Runtime.getRuntime().availableProcessors());
        // Pages asked for at a time: about the tree's size (so a small build leaves no long unused
        // tail), and for parallel ranges at most a quarter of a default run (each range's last run
        // ends in an unused tail, which only the run at the end of the file gives back).
        long pages = buffer.bytes() * 5 / 4 / storage.pageSize() / parts + 16;
        int hint = (int) Math.min(parts == 1 ? RunWriter.RUN_PAGES : RunWriter.RUN_PAGES / 4, pages);
        Object monitor = new Object();
        ExtentSink sink = segs.sinkUnderHeldLock(Placement.FIRST_FIT, monitor);
        TreeBuilder.Result r;
        if (parts == 1) {
            TreeBuilder b = new TreeBuilder(sink, hint);
            buffer.forEachSorted(0, n, live(b));
            r = b.finish();
        } else {
            r = new TreeBuilder(sink, 16).finishFrom(List.of(buildParts(buffer, n, parts, sink, hint)));
        }
        storage.syncPageFile(); // D6: the tree is on disk before the commit names its root
        TreeInstall.install(tree, segs, r, List.of());
    }

    /** Builds the leaves of {@code parts} consecutive ranges of the key order, the first on this thread. */
    private static TreeBuilder.Part[] buildParts(WriteBuffer buffer, int n, int parts, ExtentSink sink, int hint)
            throws IOException {
        TreeBuilder.Part[] built = new TreeBuilder.Part[parts];
        Throwable[] errors = ParallelParts.run(parts, Thread.currentThread().getName() + "-build",
                p -> built[p] = leaves(buffer, n, p, parts, sink, hint), () -> { });
        for (Throwable t : errors) {
            ParallelParts.rethrow(t);
        }
        return built;
    }

    /** The leaves of range {@code p} of {@code parts} of the key order's {@code n} entries. */
    private static TreeBuilder.Part leaves(WriteBuffer buffer, int n, int p, int parts, ExtentSink sink, int hint)
            throws IOException {
        TreeBuilder lb = TreeBuilder.leavesOnly(sink, hint);
        buffer.forEachSorted((int) ((long) n * p / parts), (int) ((long) n * (p + 1) / parts), live(lb));
        return lb.finishLeaves();
    }

    /** Adds each live entry (deletes dropped) to {@code b}. */
    private static WriteBuffer.RawEntry live(TreeBuilder b) {
        return (kb, ko, kl, vb, vo, vl) -> {
            if (vl >= 0) {
                b.add(kb, ko, kl, vb, vo, vl);
            }
        };
    }
}
