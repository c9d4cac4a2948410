package dev.braid.store.internal.btree;

import dev.braid.store.internal.page.Pager;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Builds a tree bottom-up from entries in strictly ascending key order: leaves are packed to
 * {@link #FILL} of a page in one pass, then each level of internal nodes over the one below, with
 * the shortest separators. Used when the tree is empty, where it replaces key-by-key inserts (no
 * descents, no splits, full pages). Writer only; the pages it creates are transaction pages that
 * the next commit seals like any other.
 */
public final class BulkLoader {
    /** Leaves are filled to this share of a page, leaving room for values to grow in place. */
    static final double FILL = 0.9;

    /** A finished node: its page and the first and last key below it. */
    private record Built(int page, byte[] first, byte[] last) {
    }

    private final BTree tree;
    private final Pager pager;
    private final CellLayout layout;
    private final Step everyPage;

    /** Work the caller does between pages. */
    @FunctionalInterface
    public interface Step {
        void run() throws IOException;
    }

    /** @param everyPage called after each finished leaf (the engine spills dirty pages there) */
    public BulkLoader(BTree tree, Step everyPage) {
        this.tree = tree;
        this.pager = tree.pager;
        this.layout = tree.layout;
        this.everyPage = everyPage;
    }

    /** Whether the tree is empty: a single leaf root without entries. */
    public boolean treeIsEmpty() throws IOException {
        return tree.count() == 0 && tree.node(tree.root, tree.rootCrc) instanceof LeafNode l && l.n == 0;
    }

    /**
     * Replaces the empty tree with one holding {@code keys[i] -> values[i]} (keys ascending, no
     * duplicates, no deletes). Returns the number of entries loaded.
     */
    public long load(byte[][] keys, byte[][] values) throws IOException {
        if (!treeIsEmpty()) {
            throw new IllegalStateException("bulk load needs an empty tree");
        }
        if (keys.length == 0) {
            return 0;
        }
        int leafLimit = (int) (layout.pageSize * FILL);
        List<Built> level = new ArrayList<>();
        LeafNode leaf = null;
        byte[] first = null;
        byte[] last = null;
        long count = 0;
        for (int i = 0; i < keys.length; i++) {
            byte[] key = keys[i].clone();
            byte[] value = values[i];
            boolean keyInBlob = layout.leafKeyInBlob(key.length);
            boolean valueInBlob = value.length > 0 && layout.leafValueInBlob(key.length, value.length, keyInBlob);
            int cell = CellLayout.leafCell(key.length, value.length, keyInBlob, valueInBlob);
            if (leaf != null && leaf.n > 0 && leaf.size + cell > leafLimit) {
                level.add(new Built(leaf.pageNo(), first, last));
                everyPage.run();
                leaf = null;
            }
            if (leaf == null) {
                leaf = new LeafNode(pager.allocate(), 64);
                pager.addNew(leaf);
                first = key;
            }
            leaf.insert(leaf.n, key, keyInBlob ? tree.blobs.write(key) : null,
                    valueInBlob ? tree.blobs.writeValue(value) : value.clone());
            last = key;
            count++;
        }
        level.add(new Built(leaf.pageNo(), first, last));
        while (level.size() > 1) {
            level = buildLevel(level);
        }
        int oldRoot = tree.root;
        tree.root = level.get(0).page();
        pager.free(oldRoot);
        tree.setCount(count);
        return count;
    }

    private List<Built> buildLevel(List<Built> children) throws IOException {
        // Leave room for one more cell so that a lone last child can always join its left neighbour.
        int limit = layout.pageSize - layout.maxCell - 16;
        List<Built> out = new ArrayList<>();
        InternalNode node = null;
        byte[] first = null;
        for (int i = 0; i < children.size(); i++) {
            Built c = children.get(i);
            if (node != null) {
                byte[] sep = Rebalancer.separator(children.get(i - 1).last(), c.first());
                boolean sepInBlob = layout.separatorInBlob(sep.length);
                int cell = CellLayout.internalCell(sep.length, sepInBlob);
                if (node.size + cell <= limit) {
                    node.insert(node.n, sep, sepInBlob ? tree.blobs.write(sep) : null, c.page(), 0);
                    continue;
                }
                out.add(new Built(node.pageNo(), first, children.get(i - 1).last()));
                node = null;
            }
            node = new InternalNode(pager.allocate(), 64);
            pager.addNew(node);
            node.children[0] = c.page();
            first = c.first();
        }
        if (node.n == 0 && !out.isEmpty()) {
            // A lone last child: hang it under the previous node (room was left for it).
            Built prev = out.remove(out.size() - 1);
            InternalNode p = (InternalNode) pager.get(prev.page(), 0);
            pager.makeDirty(p);
            Built lone = children.get(children.size() - 1);
            byte[] sep = Rebalancer.separator(prev.last(), lone.first());
            p.insert(p.n, sep, layout.separatorInBlob(sep.length) ? tree.blobs.write(sep) : null, lone.page(), 0);
            pager.free(node.pageNo());
            out.add(new Built(prev.page(), prev.first(), lone.last()));
        } else {
            out.add(new Built(node.pageNo(), first, children.get(children.size() - 1).last()));
        }
        return out;
    }
}
