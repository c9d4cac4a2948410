package dev.braid.store.internal.btree;

import dev.braid.store.internal.format.Crc;
import dev.braid.store.internal.page.Page;
import dev.braid.store.internal.page.PageIo;
import dev.braid.store.internal.page.Pager;
import java.io.IOException;
import java.util.Arrays;
import java.util.List;

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
        root = newRoot;
        rootCrc = newRootCrc;
        count = newCount;
    }

    /** Frees every page of the tree, overflow pages included (before {@link #replaceWith}). Writer only. */
    public void freeAllPages() throws IOException {
        freeSubtree(root, rootCrc, 0);
    }

    private void freeSubtree(int pageNo, int crc, int depth) throws IOException {
        if (depth > MAX_DEPTH) {
            throw pager.io().corrupt(pageNo, "tree deeper than " + MAX_DEPTH + " levels");
        }
        Page p = pager.get(pageNo, crc);
        if (p instanceof InternalNode in) {
            for (int i = 0; i <= in.n; i++) {
                freeSubtree(in.children[i], in.childCrcs[i], depth + 1);
                if (i < in.n && in.keyBlobs[i] != null) {
                    blobs.free(in.keyBlobs[i]);
                }
            }
        } else if (p instanceof LeafNode leaf) {
            for (int i = 0; i < leaf.n; i++) {
                if (leaf.keyBlob(i) != null) {
                    blobs.free(leaf.keyBlob(i));
                }
                if (leaf.value(i) instanceof BlobRef ref) {
                    blobs.free(ref);
                }
            }
        }
        pager.free(pageNo);
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
        for (int d = 0; d < depth; d++) {
            pager.makeDirty(pathNodes[d]); // B4
        }
        pager.makeDirty(leaf);
    }

    /** Sets {@code key} to {@code value}. Neither array is kept: both are copied. */
    public void put(byte[] key, byte[] value) throws IOException {
        int depth = descend(key);
        LeafNode leaf = leafOnPath;
        int pos = leaf.search(key);
        if (pos >= 0) {
            if (leaf.value(pos) instanceof byte[] ob && Arrays.equals(ob, value)) {
                return;
            }
            dirtyPath(depth, leaf);
            Object old = leaf.values[pos];
            boolean keyInBlob = leaf.keyBlobs[pos] != null;
            leaf.setValue(pos, storeValue(key.length, value, keyInBlob));
            if (old instanceof BlobRef ref) {
                blobs.free(ref);
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
            return blobs.write(value);
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
            blobs.free(ref);
        }
        leaf.remove(pos);
        count--;
        rebalancer.afterDelete(depth, leaf);
        return true;
    }

    /**
     * Commit step: encodes every dirty tree page bottom-up, storing each child's new checksum in its
     * parent (B4), and adds the images to {@code out}. Afterwards {@link #rootCrc()} is the root's.
     */
    public void seal(List<PageIo.Image> out) throws IOException {
        if (pager.isTransactionPage(root)) {
            rootCrc = sealPage(root, out);
        }
    }

    private int sealPage(int pageNo, List<PageIo.Image> out) throws IOException {
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
