package dev.braid.store.internal.btree;

import dev.braid.store.CorruptionException;
import dev.braid.store.internal.format.Crc;
import dev.braid.store.internal.page.Page;
import dev.braid.store.internal.page.PageIo;
import java.io.IOException;
import java.util.Arrays;
import java.util.function.IntPredicate;

/**
 * The tree half of the integrity check: walks every node and blob from the root, reading committed
 * pages afresh from the files (not the cache) and verifying checksums, key order within and across
 * nodes (B2), uniform leaf depth (B3) and node sizes (B1). Runs under the store's write lock.
 */
public final class TreeChecker {
    /** Receives findings. */
    public interface Findings {
        void add(CorruptionException where);
    }

    private final BTree tree;
    private final PageIo io;
    private final NodeCodec codec;
    private final IntPredicate claim;
    private final Findings findings;
    private int leafDepth = -1;
    private long entries;

    /**
     * @param claim marks a page as in use; returns false when it was already claimed (the caller
     *              records which pages are used by what)
     */
    public TreeChecker(BTree tree, IntPredicate claim, Findings findings) {
        this.tree = tree;
        this.io = tree.pager.io();
        this.codec = new NodeCodec(io, tree.blobs, tree.layout);
        this.claim = claim;
        this.findings = findings;
    }

    /** Walks the tree; returns the number of entries found. */
    public long run() throws IOException {
        visit(tree.root, tree.rootCrc, null, null, 0);
        return entries;
    }

    private void visit(int pageNo, int crc, byte[] lo, byte[] hi, int depth) throws IOException {
        if (depth > BTree.MAX_DEPTH) {
            findings.add(io.corrupt(pageNo, "tree deeper than " + BTree.MAX_DEPTH + " levels"));
            return;
        }
        if (pageNo <= 0 || pageNo >= tree.pager.pageCount()) {
            findings.add(io.corrupt(pageNo, "tree points to page " + pageNo + " outside the file"));
            return;
        }
        if (!claim.test(pageNo)) {
            findings.add(io.corrupt(pageNo, "page " + pageNo + " is referenced twice"));
            return;
        }
        Page node;
        try {
            if (tree.pager.isTransactionPage(pageNo)) {
                node = tree.pager.get(pageNo, crc);
            } else {
                byte[] image = io.read(pageNo);
                if (Crc.of(image) != crc) {
                    findings.add(io.corrupt(pageNo, "page " + pageNo + " fails its checksum"));
                    return;
                }
                node = codec.decode(pageNo, image);
            }
        } catch (CorruptionException e) {
            findings.add(e);
            return;
        }
        if (node.encodedSize() > tree.layout.pageSize) {
            findings.add(io.corrupt(pageNo, "page " + pageNo + " overflows"));
        }
        if (node instanceof LeafNode leaf) {
            checkLeaf(leaf, lo, hi, depth);
        } else {
            InternalNode in = (InternalNode) node;
            if (in.n < 1) {
                findings.add(io.corrupt(pageNo, "internal page " + pageNo + " has no separator"));
                return;
            }
            for (int i = 0; i < in.n; i++) {
                checkBounds(pageNo, in.keys[i], lo, hi);
                claimBlob(in.keyBlobs[i]);
            }
            for (int i = 0; i <= in.n; i++) {
                visit(in.children[i], in.childCrcs[i], i == 0 ? lo : in.keys[i - 1], i == in.n ? hi : in.keys[i],
                        depth + 1);
            }
        }
    }

    private void checkLeaf(LeafNode leaf, byte[] lo, byte[] hi, int depth) throws IOException {
        if (leafDepth < 0) {
            leafDepth = depth;
        } else if (leafDepth != depth) {
            findings.add(io.corrupt(leaf.pageNo(), "leaf " + leaf.pageNo() + " is at depth " + depth
                    + ", others at " + leafDepth));
        }
        byte[] prev = null;
        for (int i = 0; i < leaf.n; i++) {
            byte[] key = leaf.key(i);
            if (prev != null && Arrays.compareUnsigned(prev, key) >= 0) {
                findings.add(io.corrupt(leaf.pageNo(), "keys of leaf " + leaf.pageNo() + " out of order"));
            }
            prev = key;
            checkBounds(leaf.pageNo(), key, lo, hi);
            claimBlob(leaf.keyBlob(i));
            if (leaf.value(i) instanceof BlobRef ref) {
                claimBlob(ref);
            }
        }
        entries += leaf.n;
    }

    private void checkBounds(int pageNo, byte[] key, byte[] lo, byte[] hi) {
        if ((lo != null && Arrays.compareUnsigned(key, lo) < 0) || (hi != null && Arrays.compareUnsigned(key, hi) >= 0)) {
            findings.add(io.corrupt(pageNo, "page " + pageNo + " holds a key outside the range its parent gives"));
        }
    }

    /** Claims and verifies every page of a blob. */
    public void claimBlob(BlobRef ref) throws IOException {
        if (ref == null) {
            return;
        }
        try {
            tree.blobs.walk(ref, (page, crc) -> {
                if (!claim.test(page)) {
                    findings.add(io.corrupt(page, "overflow page " + page + " is referenced twice"));
                } else if (Crc.of(io.read(page)) != crc) {
                    findings.add(io.corrupt(page, "overflow page " + page + " fails its checksum"));
                }
            }, page -> {
                if (!claim.test(page)) {
                    findings.add(io.corrupt(page, "blob index page " + page + " is referenced twice"));
                }
            });
        } catch (CorruptionException e) {
            findings.add(e);
        }
    }
}
