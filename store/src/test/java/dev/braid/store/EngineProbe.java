package dev.braid.store;

import dev.braid.store.internal.btree.BTree;
import dev.braid.store.internal.btree.BulkLoader;
import dev.braid.store.internal.btree.TreeWarmer;
import dev.braid.store.internal.mergetree.Segment;
import dev.braid.store.internal.mergetree.SegmentInfo;
import dev.braid.store.internal.page.Pager;
import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;

/**
 * Reads a few private fields of an open store's engine, by reflection: guards that a crash
 * workload still reaches the path it was written for (a bulk build, a segment merge, a fold), never
 * part of an oracle. Fails with an AssertionError when the engine's fields were renamed.
 */
final class EngineProbe {
    private EngineProbe() {
    }

    /** Whether the store's tree is a single empty leaf (where a drain without tombstones is a bulk build). */
    static boolean treeIsEmpty(Braid store) {
        try {
            return new BulkLoader((BTree) field(engine(store), "tree"), () -> { }).treeIsEmpty();
        } catch (IOException e) {
            throw new AssertionError("cannot read the store's tree", e);
        }
    }

    /** What the store's segments are now, newest first. */
    static List<SegmentInfo> segments(Braid store) {
        try {
            Object segs = field(engine(store), "segs");
            Method m = segs.getClass().getDeclaredMethod("segments");
            m.setAccessible(true);
            List<SegmentInfo> infos = new ArrayList<>();
            for (Object s : (List<?>) m.invoke(segs)) {
                infos.add(((Segment) s).info());
            }
            return infos;
        } catch (ReflectiveOperationException e) {
            throw new AssertionError("cannot inspect the store's segments (did the engine change?)", e);
        }
    }

    /** Whether a fold into the tree is running (the merge job has frozen the tree), read at each call. */
    static BooleanSupplier foldRunning(Braid store) {
        Object job = field(engine(store), "mergeJob");
        try {
            Field f = job.getClass().getDeclaredField("frozen");
            f.setAccessible(true);
            return () -> {
                try {
                    return f.getBoolean(job);
                } catch (IllegalAccessException e) {
                    throw new AssertionError(e);
                }
            };
        } catch (ReflectiveOperationException e) {
            throw new AssertionError("cannot inspect the store's merge job (did the engine change?)", e);
        }
    }

    /**
     * Waits until the background cache warm-up after a build ({@code TreeWarmer}) has ended; fails
     * after 60 s. Returns the pages it read into the cache so far.
     */
    static long awaitWarmUp(Braid store) throws InterruptedException {
        TreeWarmer w = (TreeWarmer) field(engine(store), "warmer");
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (w.pending()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("the cache warm-up did not end within 60 s");
            }
            Thread.sleep(5);
        }
        return w.warmedPages();
    }

    /** Whether the background cache warm-up after a build is due or under way. */
    static boolean warmUpPending(Braid store) {
        return ((TreeWarmer) field(engine(store), "warmer")).pending();
    }

    /** The merge job's current segment threshold (what writes are throttled against). */
    static int mergeThreshold(Braid store) {
        return (Integer) field(field(engine(store), "mergeJob"), "mergeAbove");
    }

    /** Record commits since the last image commit (the store's last commit is one of them when > 0). */
    static long recordCommitsSinceImage(Braid store) {
        Object records = field(field(engine(store), "committer"), "records");
        return (Long) field(records, "recordCommits");
    }

    /** Pages changed since the last image commit (dirty or spilled): what the next image commit writes. */
    static int transactionPages(Braid store) {
        return ((Pager) field(engine(store), "pager")).transactionPages().size();
    }

    /** Pages written to the log during the open transaction to keep memory within budget. */
    static long spilledPages(Braid store) {
        return ((Pager) field(engine(store), "pager")).transactionPages().values().stream().filter(d -> !d).count();
    }

    /** Manifests the store has written since it opened. */
    static long manifestWrites(Braid store) {
        return (Long) field(field(engine(store), "segs"), "manifestWrites");
    }

    private static Object engine(Braid store) {
        return field(store, "engine");
    }

    private static Object field(Object o, String name) {
        try {
            Field f = o.getClass().getDeclaredField(name);
            f.setAccessible(true);
            return f.get(o);
        } catch (ReflectiveOperationException e) {
            throw new AssertionError("cannot read field " + name + " of " + o.getClass().getName()
                    + " (did the engine change?)", e);
        }
    }
}
