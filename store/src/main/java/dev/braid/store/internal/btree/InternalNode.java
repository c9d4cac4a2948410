package dev.braid.store.internal.btree;

import dev.braid.store.internal.format.Bytes;
import dev.braid.store.internal.page.Page;
import java.util.Arrays;

/**
 * An internal node of the B+tree, decoded: {@code n} separator keys and {@code n + 1} children, each
 * child with the CRC32C of its committed image (so a parent verifies every child it reads, which
 * catches stale and misplaced pages). Child {@code i} holds keys {@code >= sep[i-1]} and
 * {@code < sep[i]} (B2). Page layout (docs/format/page-file.md):
 *
 * <pre>
 * 0 1 type (2 = internal)  1 1 zero  2 2 separator count  4 4 page number
 * 8 4 last child page      12 4 last child CRC32C
 * cells from 16: child(4) childCrc(4) flags(1) keyLen(varint) key|keyBlob(8)
 * </pre>
 */
final class InternalNode extends Page {
    static final byte TYPE = 2;

    int n;
    byte[][] keys;
    BlobRef[] keyBlobs;
    int[] children;
    int[] childCrcs;
    int size = CellLayout.NODE_HEADER;
    /** Nodes with at least this many separators are searched by {@link KeyHeads}. */
    static final int HEADS_MIN = 8;
    // The search aid over the separators (KeyHeads): built by the first search after a change (a
    // benign race between readers: each builds the same immutable object), dropped by every change.
    private volatile KeyHeads heads;

    InternalNode(int pageNo, int capacity) {
        super(pageNo);
        int cap = Math.max(4, capacity);
        keys = new byte[cap][];
        keyBlobs = new BlobRef[cap];
        children = new int[cap + 1];
        childCrcs = new int[cap + 1];
    }

    int cellSize(int i) {
        return CellLayout.internalCell(keys[i].length, keyBlobs[i] != null);
    }

    /** The child whose range holds {@code key}: the number of separators at or below it (B2). */
    int childIndex(byte[] key) {
        if (n >= HEADS_MIN) {
            KeyHeads h = heads;
            if (h == null) {
                h = KeyHeads.ofKeys(keys, n);
                heads = h;
            }
            return childIndexByHeads(key, h);
        }
        int lo = 0;
        int hi = n;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (Arrays.compareUnsigned(keys[mid], key) <= 0) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }

    /**
     * The same by the separators' heads: a key outside their shared prefix is below or above them
     * all; otherwise the binary search compares eight-byte heads in one {@code long[]} and reads a
     * separator only where heads tie.
     */
    private int childIndexByHeads(byte[] key, KeyHeads h) {
        int p = h.prefixLen;
        if (p > 0) {
            int c = Arrays.compareUnsigned(key, 0, Math.min(p, key.length), keys[0], 0, p);
            if (c != 0) {
                return c < 0 ? 0 : n; // a key that is a proper prefix of the shared prefix is the smaller
            }
        }
        long hk = KeyHeads.head(key, 0, key.length, p);
        long[] hs = h.heads;
        int lo = 0;
        int hi = n;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            int cmp = Long.compareUnsigned(hs[mid], hk);
            if (cmp == 0) {
                cmp = Arrays.compareUnsigned(keys[mid], key);
            }
            if (cmp <= 0) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }

    private void grow() {
        int cap = keys.length * 2;
        keys = Arrays.copyOf(keys, cap);
        keyBlobs = Arrays.copyOf(keyBlobs, cap);
        children = Arrays.copyOf(children, cap + 1);
        childCrcs = Arrays.copyOf(childCrcs, cap + 1);
    }

    /** Inserts separator {@code i} with its right child at {@code i + 1}. */
    void insert(int i, byte[] key, BlobRef blob, int rightChild, int rightCrc) {
        heads = null;
        if (n == keys.length) {
            grow();
        }
        System.arraycopy(keys, i, keys, i + 1, n - i);
        System.arraycopy(keyBlobs, i, keyBlobs, i + 1, n - i);
        System.arraycopy(children, i + 1, children, i + 2, n - i);
        System.arraycopy(childCrcs, i + 1, childCrcs, i + 2, n - i);
        keys[i] = key;
        keyBlobs[i] = blob;
        children[i + 1] = rightChild;
        childCrcs[i + 1] = rightCrc;
        n++;
        size += cellSize(i);
    }

    /** Inserts separator 0 with its left child at 0 (used when borrowing from a left sibling). */
    void insertFirst(byte[] key, BlobRef blob, int leftChild, int leftCrc) {
        heads = null;
        if (n == keys.length) {
            grow();
        }
        System.arraycopy(keys, 0, keys, 1, n);
        System.arraycopy(keyBlobs, 0, keyBlobs, 1, n);
        System.arraycopy(children, 0, children, 1, n + 1);
        System.arraycopy(childCrcs, 0, childCrcs, 1, n + 1);
        keys[0] = key;
        keyBlobs[0] = blob;
        children[0] = leftChild;
        childCrcs[0] = leftCrc;
        n++;
        size += cellSize(0);
    }

    /** Removes separator {@code i} and the child to its right ({@code i + 1}). */
    void removeRight(int i) {
        heads = null;
        size -= cellSize(i);
        System.arraycopy(keys, i + 1, keys, i, n - i - 1);
        System.arraycopy(keyBlobs, i + 1, keyBlobs, i, n - i - 1);
        System.arraycopy(children, i + 2, children, i + 1, n - i - 1);
        System.arraycopy(childCrcs, i + 2, childCrcs, i + 1, n - i - 1);
        n--;
        keys[n] = null;
        keyBlobs[n] = null;
    }

    /** Removes separator 0 and child 0. */
    void removeFirst() {
        heads = null;
        size -= cellSize(0);
        System.arraycopy(keys, 1, keys, 0, n - 1);
        System.arraycopy(keyBlobs, 1, keyBlobs, 0, n - 1);
        System.arraycopy(children, 1, children, 0, n);
        System.arraycopy(childCrcs, 1, childCrcs, 0, n);
        n--;
        keys[n] = null;
        keyBlobs[n] = null;
    }

    void setKey(int i, byte[] key, BlobRef blob) {
        heads = null;
        size -= cellSize(i);
        keys[i] = key;
        keyBlobs[i] = blob;
        size += cellSize(i);
    }

    @Override
    public int encodedSize() {
        return size;
    }

    @Override
    public void encode(byte[] b) {
        b[0] = TYPE;
        Bytes.putShort(b, 2, n);
        Bytes.putInt(b, 4, pageNo());
        Bytes.putInt(b, 8, children[n]);
        Bytes.putInt(b, 12, childCrcs[n]);
        int p = CellLayout.NODE_HEADER;
        for (int i = 0; i < n; i++) {
            Bytes.putInt(b, p, children[i]);
            Bytes.putInt(b, p + 4, childCrcs[i]);
            p += 8;
            byte[] k = keys[i];
            b[p++] = (byte) (keyBlobs[i] != null ? CellLayout.FLAG_KEY_BLOB : 0);
            p = Bytes.putVarint(b, p, k.length);
            p = BlobRef.putKey(b, p, k, keyBlobs[i]);
        }
    }

    @Override
    public long heapBytes() {
        return size + 40L * n + 128;
    }
}
