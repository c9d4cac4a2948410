package dev.braid.store.internal.btree;

import dev.braid.store.internal.format.Crc;
import dev.braid.store.internal.page.Page;
import dev.braid.store.internal.page.PageIo;
import dev.braid.store.internal.page.Pager;
import java.io.IOException;
import java.util.Arrays;

/**
 * The B+tree: point reads and writes, and the commit step that seals changed pages with checksums.
 * Structural changes (splits, merges, redistribution, root growth and collapse) are in
 * {@link Rebalancer}; range reads in {@link TreeCursor}.
 *
 * <p>Invariants: B1 every node fits its page after each operation; B2 separators order the
 * children (child i holds keys in [sep[i-1], sep[i])); B3 all leaves are at the same depth; B4
 * every page on the path of a change is a transaction page (Pager P3), so the commit can re-seal
 * checksums bottom-up.
 *
 * <p>Thread safety: reads may run on many threads under the store's read lock; writes and
 * {@link #seal} need the store's write lock.
 */
public final class BTree {
    static final int MAX_DEPTH = 40;

    final Pager pager;
    final BlobStore blobs;
    final CellLayout layout;
    final Rebalancer rebalancer;
    int root;
    int rootCrc;
    private long count;
    private volatile int installs; // written by the writer only

    // Writer-only scratch: the path of the current write, root first.
    final InternalNode[] pathNodes = new InternalNode[MAX_DEPTH];
    final int[] pathIdx = new int[MAX_DEPTH];

    public BTree(Pager pager, int root, int rootCrc, long count) {
        this.pager = pager;
        this.layout = new CellLayout(pager.pageSize());
        this.blobs = new BlobStore(pager);
        pager.setDecoder(new NodeCodec(pager.io(), blobs, layout));
        this.root = root;
        this.rootCrc = rootCrc;
        this.count = count;
        this.rebalancer = new Rebalancer(this);
    }

    /** Writes the first (empty) root leaf of a new store at a freshly allocated page. */
    public static PageIo.Image emptyRootImage(int pageNo, int pageSize) {
        byte[] image = new byte[pageSize];
        new LeafNode(pageNo, 1).encode(image);
        return new PageIo.Image(pageNo, image);
    }

    /** Installs a tree built by {@link TreeBuilder} in place of this one (whose pages the caller freed). */
    public void replaceWith(int newRoot, int newRootCrc, long newCount) {
        installs++;
        root = newRoot;
        rootCrc = newRootCrc;
        count = newCount;
    }

    /**
     * Frees the blobs of the whole tree and hands each node page, dropped from the transaction and
     * the cache, to {@code nodePages} (which frees it elsewhere: a fold's old tree goes to free runs).
     * Before {@link #replaceWith}. Writer only.
     */
    public void freeAllPages(java.util.function.IntConsumer nodePages) throws IOException {
        freeSubtree(root, rootCrc, 0, p -> {
            pager.forget(p);
            nodePages.accept(p);
        });
    }

    private interface PageFree {
        void free(int pageNo) throws IOException;
    }

    /** Frees the subtree's blobs and node pages; returns the entries its leaves held. */
    private long freeSubtree(int pageNo, int crc, int depth, PageFree nodeFree) throws IOException {
        if (depth > MAX_DEPTH) {
            throw pager.io().corrupt(pageNo, "tree deeper than " + MAX_DEPTH + " levels");
        }
        Page p = pager.get(pageNo, crc);
        long entries = 0;
        if (p instanceof InternalNode in) {
            for (int i = 0; i <= in.n; i++) {
                entries += freeSubtree(in.children[i], in.childCrcs[i], depth + 1, nodeFree);
                if (i < in.n && in.keyBlobs[i] != null) {
                    blobs.free(in.keyBlobs[i]);
                }
            }
        } else if (p instanceof LeafNode leaf) {
            entries = leaf.n;
            for (int i = 0; i < leaf.n; i++) {
                if (leaf.keyBlob(i) != null) {
                    blobs.free(leaf.keyBlob(i));
                }
                if (leaf.value(i) instanceof BlobRef ref) {
                    blobs.freeValue(ref);
                }
            }
        }
        nodeFree.free(pageNo);
        return entries;
    }

    /** How many built trees were installed ({@link #replaceWith}) since this tree was opened. */
    public int installs() {
        return installs;
    }

    public int root() {
        return root;
    }

    public int rootCrc() {
        return rootCrc;
    }

    public long count() {
        return count;
    }

    void setCount(long count) {
        this.count = count;
    }

    public BlobStore blobs() {
        return blobs;
    }

    Page node(int pageNo, int crc) throws IOException {
        return pager.get(pageNo, crc);
    }

    /** The leaf that holds or would hold {@code key}, without recording the path (readers). */
    LeafNode findLeaf(byte[] key) throws IOException {
        Page p = node(root, rootCrc);
        int depth = 0;
        while (p instanceof InternalNode in) {
            if (++depth > MAX_DEPTH) {
                throw pager.io().corrupt(in.pageNo(), "tree deeper than " + MAX_DEPTH + " levels");
            }
            int i = in.childIndex(key);
            p = node(in.children[i], in.childCrcs[i]);
        }
        return (LeafNode) p;
    }

    /** The value of {@code key} (a copy), or null. */
    public byte[] get(byte[] key) throws IOException {
        LeafNode leaf = findLeaf(key);
        int pos = leaf.search(key);
        if (pos < 0) {
            return null;
        }
        return leaf.valueCopy(pos, blobs);
    }

    /** Descends to the leaf of {@code key}, recording the path; returns the path depth. */
    private int descend(byte[] key) throws IOException {
        Page p = node(root, rootCrc);
        int depth = 0;
        while (p instanceof InternalNode in) {
            if (depth == MAX_DEPTH - 1) {
                throw pager.io().corrupt(in.pageNo(), "tree deeper than " + MAX_DEPTH + " levels");
            }
            int i = in.childIndex(key);
            pathNodes[depth] = in;
            pathIdx[depth] = i;
            depth++;
            p = node(in.children[i], in.childCrcs[i]);
        }
        leafOnPath = (LeafNode) p;
        return depth;
    }

    private LeafNode leafOnPath;

    private void dirtyPath(int depth, LeafNode leaf) {
        dirtyAncestors(depth);
        pager.makeDirty(leaf);
    }

    private void dirtyAncestors(int depth) {
        for (int d = 0; d < depth; d++) {
            pager.makeDirty(pathNodes[d]); // B4
        }
    }

    /** Sets {@code key} to {@code value}. Neither array is kept: both are copied. */
    public void put(byte[] key, byte[] value) throws IOException {
        int depth = descend(key);
        LeafNode leaf = leafOnPath;
        int pos = leaf.search(key);
        if (pos >= 0) {
            if (leaf.valueEquals(pos, value)) {
                return;
            }
            dirtyAncestors(depth);
            pager.makeDirtyInPlace(leaf);
            if (leaf.overwriteInPlace(pos, value)) {
                return; // same size, in the cell: the leaf stays packed
            }
            pager.makeDirty(leaf); // unpacks it
            Object old = leaf.values[pos];
            boolean keyInBlob = leaf.keyBlobs[pos] != null;
            leaf.setValue(pos, storeValue(key.length, value, keyInBlob));
            if (old instanceof BlobRef ref) {
                blobs.freeValue(ref);
            }
        } else {
            dirtyPath(depth, leaf);
            pos = -(pos + 1);
            boolean keyInBlob = layout.leafKeyInBlob(key.length);
            byte[] k = key.clone();
            BlobRef keyRef = keyInBlob ? blobs.write(k) : null;
            leaf.insert(pos, k, keyRef, storeValue(key.length, value, keyInBlob));
            count++;
        }
        if (leaf.size > layout.pageSize) {
            rebalancer.splitLeaf(depth, leaf, pos);
        }
    }

    private Object storeValue(int keyLen, byte[] value, boolean keyInBlob) throws IOException {
        if (layout.leafValueInBlob(keyLen, value.length, keyInBlob) && value.length > 0) {
            return blobs.writeValue(value);
        }
        return value.clone();
    }

    /** Removes {@code key}; returns whether it was there. */
    public boolean delete(byte[] key) throws IOException {
        int depth = descend(key);
        LeafNode leaf = leafOnPath;
        int pos = leaf.search(key);
        if (pos < 0) {
            return false;
        }
        dirtyPath(depth, leaf);
        if (leaf.keyBlobs[pos] != null) {
            blobs.free(leaf.keyBlobs[pos]);
        }
        if (leaf.values[pos] instanceof BlobRef ref) {
            blobs.freeValue(ref);
        }
        leaf.remove(pos);
        count--;
        rebalancer.afterDelete(depth, leaf);
        return true;
    }

    /**
     * Removes every key from {@code lo} to {@code hi} (null: open-ended) and returns how many. Leaves
     * wholly inside the range are taken out of their parents and freed without being rewritten
     * (read once, for their count and blobs); only the leaves at the ends of the range and the
     * internal nodes above change. Works one bottom internal node at a time, then rebalances.
     */
    public long deleteRange(byte[] lo, boolean loInc, byte[] hi, boolean hiInc) throws IOException {
        byte[] seek = lo == null ? new byte[0] : lo;
        boolean seekInc = lo == null || loInc;
        long deleted = 0;
        while (true) {
            int depth = descend(seek);
            LeafNode leaf = leafOnPath;
            int s = leaf.search(seek);
            int from = s >= 0 ? (seekInc ? s : s + 1) : -(s + 1);
            int to = leaf.n;
            if (hi != null) {
                int h = leaf.search(hi);
                to = h >= 0 ? (hiInc ? h + 1 : h) : -(h + 1);
            }
            boolean beyond = to < leaf.n; // a key past the range is in this leaf
            boolean changed = false;
            if (to > from) {
                dirtyPath(depth, leaf);
                changed = true;
                for (int i = to - 1; i >= from; i--) {
                    if (leaf.keyBlobs[i] != null) {
                        blobs.free(leaf.keyBlobs[i]);
                    }
                    if (leaf.values[i] instanceof BlobRef ref) {
                        blobs.freeValue(ref);
                    }
                    leaf.remove(i);
                }
                deleted += to - from;
                count -= to - from;
            }
            if (beyond || depth == 0) {
                if (changed && depth > 0) {
                    rebalancer.afterDelete(depth, leaf);
                }
                return deleted;
            }
            // Siblings to the right under the same parent that lie wholly inside the range.
            InternalNode parent = pathNodes[depth - 1];
            int idx = pathIdx[depth - 1];
            byte[] parentUpper = upperBound(depth - 1);
            int last = idx; // the last child wholly inside
            for (int j = idx + 1; j <= parent.n; j++) {
                byte[] upper = j < parent.n ? parent.keys[j] : parentUpper;
                if (hi != null && (upper == null || Arrays.compareUnsigned(upper, hi) > 0)) {
                    break; // child j may hold keys past hi
                }
                last = j;
            }
            byte[] next = last < parent.n ? parent.keys[last] : parentUpper; // where the next pass starts
            if (last > idx) {
                if (!changed) {
                    dirtyPath(depth, leaf);
                    changed = true;
                }
                for (int j = last; j > idx; j--) {
                    long n = freeSubtree(parent.children[j], parent.childCrcs[j], depth, pager::free);
                    deleted += n;
                    count -= n;
                    if (parent.keyBlobs[j - 1] != null) {
                        blobs.free(parent.keyBlobs[j - 1]);
                    }
                    parent.removeRight(j - 1);
                }
            }
            if (changed) {
                rebalancer.afterDelete(depth, leaf);
            }
            if (next == null || (hi != null && Arrays.compareUnsigned(next, hi) > 0)) {
                return deleted;
            }
            seek = next;
            seekInc = true;
        }
    }

    /** The exclusive upper bound of the keys under {@code pathNodes[d]}, from the path; null: none. */
    private byte[] upperBound(int d) {
        for (int a = d - 1; a >= 0; a--) {
            if (pathIdx[a] < pathNodes[a].n) {
                return pathNodes[a].keys[pathIdx[a]];
            }
        }
        return null;
    }

    /**
     * Commit step: encodes every dirty tree page bottom-up, storing each child's new checksum in its
     * parent (B4), and hands the images to {@code out}, children before their parent. Afterwards
     * {@link #rootCrc()} is the root's.
     */
    public void seal(PageIo.ImageSink out) throws IOException {
        if (pager.isTransactionPage(root)) {
            rootCrc = sealPage(root, out);
        }
    }

    private int sealPage(int pageNo, PageIo.ImageSink out) throws IOException {
        Page p = pager.get(pageNo, 0);
        if (p instanceof InternalNode in) {
            for (int i = 0; i <= in.n; i++) {
                int c = in.children[i];
                if (pager.isTransactionPage(c)) {
                    int crc = sealPage(c, out);
                    if (in.childCrcs[i] != crc) {
                        pager.makeDirty(in);
                        in.childCrcs[i] = crc;
                    }
                }
            }
        }
        if (!p.isDirty()) {
            return pager.spilledCrc(pageNo); // spilled and unchanged since: its frame is final
        }
        byte[] image = new byte[layout.pageSize];
        if (p instanceof LeafNode leaf && !leaf.hasKeyBlobs()) {
            leaf.encodeAndPack(image); // the clean copy goes back to the cache compact
        } else {
            p.encode(image);
        }
        out.add(new PageIo.Image(pageNo, image));
        return Crc.of(image);
    }
}
