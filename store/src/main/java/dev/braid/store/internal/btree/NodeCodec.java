package dev.braid.store.internal.btree;

import dev.braid.store.CorruptionException;
import dev.braid.store.internal.format.Bytes;
import dev.braid.store.internal.page.Page;
import dev.braid.store.internal.page.PageDecoder;
import dev.braid.store.internal.page.PageIo;
import java.io.IOException;
import java.util.Arrays;

/**
 * Decodes verified tree-page images into {@link LeafNode}s and {@link InternalNode}s (encoding is on
 * the nodes themselves). Every length and count is bounds-checked, so a damaged image becomes a
 * {@link CorruptionException}, never an out-of-bounds read. Stateless apart from its collaborators;
 * thread safe.
 */
final class NodeCodec implements PageDecoder {
    private final PageIo io;
    private final BlobStore blobs;
    private final CellLayout layout;

    NodeCodec(PageIo io, BlobStore blobs, CellLayout layout) {
        this.io = io;
        this.blobs = blobs;
        this.layout = layout;
    }

    @Override
    public Page decode(int pageNo, byte[] b) throws IOException {
        try {
            if (Bytes.getInt(b, 4) != pageNo) {
                throw io.corrupt(pageNo, "page " + pageNo + " holds the image of page " + Bytes.getInt(b, 4));
            }
            int n = Bytes.getShort(b, 2);
            if (b[0] == LeafNode.TYPE) {
                return decodeLeaf(pageNo, b, n);
            } else if (b[0] == InternalNode.TYPE) {
                return decodeInternal(pageNo, b, n);
            }
            throw io.corrupt(pageNo, "page " + pageNo + " is not a tree page (type " + b[0] + ")");
        } catch (RuntimeException e) {
            if (e instanceof CorruptionException) {
                throw e;
            }
            throw io.corrupt(pageNo, "page " + pageNo + " is malformed: " + e);
        }
    }

    private LeafNode decodeLeaf(int pageNo, byte[] b, int n) throws IOException {
        long[] slots = new long[2 * n];
        int[] pos = {CellLayout.NODE_HEADER};
        int limit = b.length;
        int prevOff = 0;
        int prevLen = 0;
        for (int i = 0; i < n; i++) {
            int cellOff = pos[0];
            int flags = b[pos[0]++];
            long kl = Bytes.getVarint(b, pos, limit);
            long vl = Bytes.getVarint(b, pos, limit);
            if (kl > dev.braid.store.Braid.MAX_KEY_BYTES || vl > Integer.MAX_VALUE || !validLeafFlags(flags, vl)) {
                throw io.corrupt(pageNo, "cell " + i + " of page " + pageNo + " is malformed");
            }
            if ((flags & CellLayout.FLAG_KEY_BLOB) != 0) {
                return decodeLeafWithKeyBlobs(pageNo, b, n);
            }
            int keyOff = pos[0];
            boolean blob = (flags & CellLayout.FLAG_VALUE_BLOB) != 0;
            int valueBytes = blob ? BlobRef.ENCODED_BYTES : (int) vl;
            if (blob && vl == 0) {
                throw io.corrupt(pageNo, "cell " + i + " of page " + pageNo + " has an empty blob");
            }
            pos[0] += (int) kl + valueBytes;
            if (pos[0] > limit) {
                throw io.corrupt(pageNo, "cell " + i + " of page " + pageNo + " runs past the page end");
            }
            if (i > 0 && Arrays.compareUnsigned(b, prevOff, prevOff + prevLen, b, keyOff, keyOff + (int) kl) >= 0) {
                throw io.corrupt(pageNo, "keys of leaf " + pageNo + " are out of order at cell " + i);
            }
            prevOff = keyOff;
            prevLen = (int) kl;
            // within a page of at most 64 KiB, every offset and in-cell length fits in 16 bits
            slots[2 * i + 1] = LeafSlots.meta(cellOff, keyOff, (int) kl, blob ? LeafSlots.VALUE_ELSEWHERE : (int) vl);
        }
        return new LeafNode(pageNo, b, n, pos[0], slots);
    }

    /** The rare leaf with keys on overflow pages is decoded whole (keys read from their blobs). */
    private LeafNode decodeLeafWithKeyBlobs(int pageNo, byte[] b, int n) throws IOException {
        LeafNode leaf = new LeafNode(pageNo, n);
        int[] pos = {CellLayout.NODE_HEADER};
        int limit = b.length;
        byte[] prev = null;
        for (int i = 0; i < n; i++) {
            int flags = b[pos[0]++];
            long keyLen = Bytes.getVarint(b, pos, limit);
            long valueLen = Bytes.getVarint(b, pos, limit);
            BlobRef keyBlob = null;
            byte[] key;
            if ((flags & CellLayout.FLAG_KEY_BLOB) != 0) {
                keyBlob = readRef(b, pos, keyLen, limit);
                key = blobs.read(keyBlob);
            } else {
                key = slice(b, pos, (int) keyLen, limit);
            }
            if (keyLen > dev.braid.store.Braid.MAX_KEY_BYTES || valueLen > Integer.MAX_VALUE
                    || !validLeafFlags(flags, valueLen)) {
                throw io.corrupt(pageNo, "cell " + i + " of page " + pageNo + " is malformed");
            }
            Object value = (flags & CellLayout.FLAG_VALUE_BLOB) != 0
                    ? readRef(b, pos, valueLen, limit, (flags & CellLayout.FLAG_VALUE_PAGE) != 0)
                    : slice(b, pos, (int) valueLen, limit);
            if (prev != null && Arrays.compareUnsigned(prev, key) >= 0) {
                throw io.corrupt(pageNo, "keys of leaf " + pageNo + " are out of order at cell " + i);
            }
            prev = key;
            leaf.insert(i, key, keyBlob, value);
        }
        if (leaf.size > layout.pageSize) {
            throw io.corrupt(pageNo, "leaf " + pageNo + " overflows its page");
        }
        return leaf;
    }

    private InternalNode decodeInternal(int pageNo, byte[] b, int n) throws IOException {
        if (n < 1) {
            throw io.corrupt(pageNo, "internal page " + pageNo + " has no separator");
        }
        InternalNode node = new InternalNode(pageNo, n);
        node.children[0] = 0;
        int[] pos = {CellLayout.NODE_HEADER};
        int limit = b.length;
        int[] kids = new int[n + 1];
        int[] crcs = new int[n + 1];
        byte[][] keys = new byte[n][];
        BlobRef[] refs = new BlobRef[n];
        for (int i = 0; i < n; i++) {
            if (pos[0] + 9 > limit) {
                throw io.corrupt(pageNo, "internal page " + pageNo + " is cut short");
            }
            kids[i] = Bytes.getInt(b, pos[0]);
            crcs[i] = Bytes.getInt(b, pos[0] + 4);
            pos[0] += 8;
            int flags = b[pos[0]++];
            long keyLen = Bytes.getVarint(b, pos, limit);
            if (keyLen > dev.braid.store.Braid.MAX_KEY_BYTES) {
                throw io.corrupt(pageNo, "separator " + i + " of page " + pageNo + " is too long");
            }
            if ((flags & CellLayout.FLAG_KEY_BLOB) != 0) {
                refs[i] = readRef(b, pos, keyLen, limit);
                keys[i] = blobs.read(refs[i]);
            } else {
                keys[i] = slice(b, pos, (int) keyLen, limit);
            }
            if (i > 0 && Arrays.compareUnsigned(keys[i - 1], keys[i]) >= 0) {
                throw io.corrupt(pageNo, "separators of page " + pageNo + " are out of order at " + i);
            }
        }
        kids[n] = Bytes.getInt(b, 8);
        crcs[n] = Bytes.getInt(b, 12);
        node.children[0] = kids[0];
        node.childCrcs[0] = crcs[0];
        for (int i = 0; i < n; i++) {
            node.insert(i, keys[i], refs[i], kids[i + 1], crcs[i + 1]);
        }
        if (node.size > layout.pageSize) {
            throw io.corrupt(pageNo, "internal page " + pageNo + " overflows its page");
        }
        return node;
    }

    /** Known flag bits only; a direct value page only for a value blob of at most a page. */
    private boolean validLeafFlags(int flags, long valueLen) {
        if ((flags & ~CellLayout.FLAGS_LEAF) != 0) {
            return false;
        }
        return (flags & CellLayout.FLAG_VALUE_PAGE) == 0
                || ((flags & CellLayout.FLAG_VALUE_BLOB) != 0 && valueLen <= layout.pageSize);
    }

    private BlobRef readRef(byte[] b, int[] pos, long len, int limit) {
        return readRef(b, pos, len, limit, false);
    }

    private BlobRef readRef(byte[] b, int[] pos, long len, int limit, boolean direct) {
        if (pos[0] + 8 > limit || len == 0) {
            throw new IllegalStateException("blob reference past the page end");
        }
        BlobRef ref = new BlobRef(Bytes.getInt(b, pos[0]), Bytes.getInt(b, pos[0] + 4), len, direct);
        pos[0] += 8;
        return ref;
    }

    private static byte[] slice(byte[] b, int[] pos, int len, int limit) {
        if (len < 0 || pos[0] + len > limit) {
            throw new IllegalStateException("cell runs past the page end");
        }
        byte[] out = Arrays.copyOfRange(b, pos[0], pos[0] + len);
        pos[0] += len;
        return out;
    }
}
