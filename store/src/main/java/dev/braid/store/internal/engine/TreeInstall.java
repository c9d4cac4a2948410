package dev.braid.store.internal.engine;

import dev.braid.store.internal.btree.BTree;
import dev.braid.store.internal.btree.TreeBuilder;
import dev.braid.store.internal.mergetree.Segment;
import java.io.IOException;
import java.util.Arrays;
import java.util.List;

/**
 * Installs a tree built into reserved runs (a fold, a relocation, a direct build) in place of the
 * current one: the old tree's pages and blobs are freed (they wait for a checkpoint, S4), the new
 * root takes its place, the segments it absorbed are dropped (their pages freed, except the value
 * pages the new tree took over) and the build's reservations end.
 * Under the store's write lock; the next commit makes it durable.
 */
final class TreeInstall {
    private TreeInstall() {
    }

    static void install(BTree tree, SegmentSet segs, TreeBuilder.Result r, List<Segment> inputs) throws IOException {
        int[][] old = {new int[1024]};
        int[] n = {0};
        tree.freeAllPages(p -> {
            if (n[0] == old[0].length) {
                old[0] = Arrays.copyOf(old[0], n[0] * 2);
            }
            old[0][n[0]++] = p;
        });
        segs.freeTreePages(old[0], n[0]);
        tree.replaceWith(r.root(), r.rootCrc(), r.count());
        segs.replace(inputs, null, r.runs(), r.spare(), r.carried(), r.carriedCount());
    }
}
