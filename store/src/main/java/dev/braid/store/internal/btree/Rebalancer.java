package dev.braid.store.internal.btree;

import dev.braid.store.internal.page.Page;
import dev.braid.store.internal.page.Pager;
import java.io.IOException;
import java.util.Arrays;

/**
 * Keeps the tree balanced after a write: splits overfull nodes (growing a new root when the root
 * splits), merges or redistributes underfull ones with a sibling, and collapses a root left with a
 * single child. Works on the path {@link BTree} recorded during the write. Writer only.
 *
 * <p>A leaf that overflowed at its right end splits with the new cell alone on the right (and at
 * its left end, alone on the left), so sequential inserts leave full pages behind; other splits
 * divide by bytes. A node is underfull below a quarter page.
 */
final class Rebalancer {
    private final BTree tree;
    private final Pager pager;
    private final CellLayout layout;
    private final int minFill;

    Rebalancer(BTree tree) {
        this.tree = tree;
        this.pager = tree.pager;
        this.layout = tree.layout;
        this.minFill = layout.pageSize / 4;
    }

    /** Splits an overfull leaf at {@code depth} whose cell {@code pos} was just written. */
    void splitLeaf(int depth, LeafNode leaf, int pos) throws IOException {
        int s;
        if (pos == leaf.n - 1 && onEdge(depth, true)) {
            s = leaf.n - 1;
        } else if (pos == 0 && onEdge(depth, false)) {
            s = 1;
        } else {
            s = splitPoint(leaf);
        }
        LeafNode right = new LeafNode(pager.allocate(), leaf.n - s);
        pager.addNew(right);
        leaf.moveTail(s, right);
        byte[] sep = separator(leaf.keys[leaf.n - 1], right.keys[0]);
        insertSeparator(depth, leaf.pageNo(), sep, null, right.pageNo());
    }

    /** Whether the path runs down the tree's right (or left) edge: sequential inserts land there. */
    private boolean onEdge(int depth, boolean rightEdge) {
        for (int d = 0; d < depth; d++) {
            if (tree.pathIdx[d] != (rightEdge ? tree.pathNodes[d].n : 0)) {
                return false;
            }
        }
        return true;
    }

    private static int splitPoint(LeafNode leaf) {
        int half = (leaf.size - CellLayout.NODE_HEADER) / 2;
        int acc = 0;
        for (int i = 0; i < leaf.n - 1; i++) {
            acc += leaf.cellSize(i);
            if (acc >= half) {
                return i + 1;
            }
        }
        return leaf.n - 1;
    }

    /** The shortest key {@code s} with {@code left < s <= right}: keeps internal nodes small. */
    static byte[] separator(byte[] left, byte[] right) {
        int p = Arrays.mismatch(left, right);
        return Arrays.copyOf(right, p + 1);
    }

    /**
     * Inserts separator {@code sep} with {@code rightPage} after {@code leftPage} into the parent of
     * the node at {@code depth} (a new root when {@code depth == 0}), splitting upward as needed.
     */
    private void insertSeparator(int depth, int leftPage, byte[] sep, BlobRef sepBlob, int rightPage)
            throws IOException {
        if (sepBlob == null && layout.separatorInBlob(sep.length)) {
            sepBlob = tree.blobs.write(sep);
        }
        if (depth == 0) {
            InternalNode newRoot = new InternalNode(pager.allocate(), 4);
            pager.addNew(newRoot);
            newRoot.children[0] = leftPage;
            newRoot.insert(0, sep, sepBlob, rightPage, 0);
            tree.root = newRoot.pageNo();
            return;
        }
        InternalNode parent = tree.pathNodes[depth - 1];
        parent.insert(tree.pathIdx[depth - 1], sep, sepBlob, rightPage, 0);
        if (parent.size > layout.pageSize) {
            splitInternal(depth - 1, parent);
        }
    }

    private void splitInternal(int depth, InternalNode node) throws IOException {
        int half = (node.size - CellLayout.NODE_HEADER) / 2;
        int acc = 0;
        int m = 1;
        for (int i = 0; i < node.n - 1; i++) {
            acc += node.cellSize(i);
            if (acc >= half) {
                m = Math.max(1, Math.min(i, node.n - 2));
                break;
            }
        }
        InternalNode right = new InternalNode(pager.allocate(), node.n - m);
        pager.addNew(right);
        right.children[0] = node.children[m + 1];
        right.childCrcs[0] = node.childCrcs[m + 1];
        for (int j = m + 1; j < node.n; j++) {
            right.insert(right.n, node.keys[j], node.keyBlobs[j], node.children[j + 1], node.childCrcs[j + 1]);
        }
        byte[] sep = node.keys[m];
        BlobRef sepBlob = node.keyBlobs[m];
        while (node.n > m) {
            node.removeRight(node.n - 1);
        }
        insertSeparator(depth, node.pageNo(), sep, sepBlob, right.pageNo());
    }

    /** After a delete from {@code leaf} at {@code depth}: restores fill from the bottom up. */
    void afterDelete(int depth, LeafNode leaf) throws IOException {
        Page node = leaf;
        for (int d = depth; d > 0; d--) {
            if (node.encodedSize() > layout.pageSize) {
                if (node instanceof InternalNode in) {
                    splitInternal(d, in);
                }
            } else if (node.encodedSize() < minFill) {
                if (node instanceof LeafNode l) {
                    fixLeaf(d, l);
                } else {
                    fixInternal(d, (InternalNode) node);
                }
            }
            node = tree.pathNodes[d - 1];
        }
        collapseRoot();
    }

    private void collapseRoot() throws IOException {
        Page r = tree.node(tree.root, tree.rootCrc);
        if (r instanceof InternalNode in && in.n == 0) {
            int child = in.children[0];
            int childCrc = in.childCrcs[0];
            pager.free(in.pageNo());
            tree.root = child;
            tree.rootCrc = childCrc;
        } else if (r.encodedSize() > layout.pageSize && r instanceof InternalNode in) {
            splitInternal(0, in);
        }
    }

    private void fixLeaf(int depth, LeafNode node) throws IOException {
        InternalNode parent = tree.pathNodes[depth - 1];
        if (parent.n == 0) {
            return; // no sibling (a range delete took them): the parent merges with its own next
        }
        int i = tree.pathIdx[depth - 1];
        int sepIdx = i > 0 ? i - 1 : i;
        LeafNode left = (LeafNode) sibling(parent, sepIdx, node, i);
        LeafNode right = (LeafNode) (left == node ? sibling(parent, sepIdx + 1, node, i) : node);
        if (left.size + right.size - CellLayout.NODE_HEADER <= layout.pageSize) {
            right.moveHead(right.n, left);
            if (parent.keyBlobs[sepIdx] != null) {
                tree.blobs.free(parent.keyBlobs[sepIdx]);
            }
            parent.removeRight(sepIdx);
            pager.free(right.pageNo());
            return;
        }
        if (left.size < right.size) {
            while (right.n > 1 && right.cellSize(0) < right.size - left.size) {
                right.moveHead(1, left);
            }
        } else {
            while (left.n > 1 && left.cellSize(left.n - 1) < left.size - right.size) {
                int last = left.n - 1;
                right.insert(0, left.keys[last], left.keyBlobs[last], left.values[last]);
                left.remove(last);
            }
        }
        if (parent.keyBlobs[sepIdx] != null) {
            tree.blobs.free(parent.keyBlobs[sepIdx]);
        }
        byte[] sep = separator(left.keys[left.n - 1], right.keys[0]);
        parent.setKey(sepIdx, sep, layout.separatorInBlob(sep.length) ? tree.blobs.write(sep) : null);
    }

    private void fixInternal(int depth, InternalNode node) throws IOException {
        InternalNode parent = tree.pathNodes[depth - 1];
        if (parent.n == 0) {
            return;
        }
        int i = tree.pathIdx[depth - 1];
        int sepIdx = i > 0 ? i - 1 : i;
        InternalNode left = (InternalNode) sibling(parent, sepIdx, node, i);
        InternalNode right = (InternalNode) (left == node ? sibling(parent, sepIdx + 1, node, i) : node);
        int sepCell = parent.cellSize(sepIdx);
        if (left.size + right.size - CellLayout.NODE_HEADER + sepCell <= layout.pageSize) {
            left.insert(left.n, parent.keys[sepIdx], parent.keyBlobs[sepIdx], right.children[0], right.childCrcs[0]);
            for (int j = 0; j < right.n; j++) {
                left.insert(left.n, right.keys[j], right.keyBlobs[j], right.children[j + 1], right.childCrcs[j + 1]);
            }
            parent.removeRight(sepIdx);
            pager.free(right.pageNo());
            return;
        }
        if (left.size < right.size) {
            while (right.n > 1 && parent.cellSize(sepIdx) < right.size - left.size) {
                left.insert(left.n, parent.keys[sepIdx], parent.keyBlobs[sepIdx], right.children[0],
                        right.childCrcs[0]);
                parent.setKey(sepIdx, right.keys[0], right.keyBlobs[0]);
                right.removeFirst();
            }
        } else {
            while (left.n > 1 && parent.cellSize(sepIdx) < left.size - right.size) {
                int last = left.n - 1;
                right.insertFirst(parent.keys[sepIdx], parent.keyBlobs[sepIdx], left.children[last + 1],
                        left.childCrcs[last + 1]);
                parent.setKey(sepIdx, left.keys[last], left.keyBlobs[last]);
                left.removeRight(last);
            }
        }
    }

    /** Child {@code idx} of {@code parent}, made dirty; {@code self} when it is the node in hand. */
    private Page sibling(InternalNode parent, int idx, Page self, int selfIdx) throws IOException {
        if (idx == selfIdx) {
            return self;
        }
        Page p = tree.node(parent.children[idx], parent.childCrcs[idx]);
        pager.makeDirty(p);
        return p;
    }
}
