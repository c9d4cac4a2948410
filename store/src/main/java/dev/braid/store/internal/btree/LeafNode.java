package dev.braid.store.internal.btree;

import dev.braid.store.internal.format.Bytes;
import dev.braid.store.internal.page.Page;
import java.util.Arrays;

/**
 * A leaf of the B+tree, decoded: sorted keys with their values. A value is a {@code byte[]} stored
 * in the cell or a {@link BlobRef}; a key is always held whole in memory, with a {@link BlobRef} when
 * it is stored on overflow pages. Page layout (docs/format/page-file.md):
 *
 * <pre>
 * 0 1 type (1 = leaf)   1 1 zero   2 2 cell count   4 4 page number   8..16 zero
 * cells from 16: flags(1) keyLen(varint) valueLen(varint) key|keyBlob(8) value|valueBlob(8)
 * </pre>
 *
 * Mutated only by the writer while dirty; see {@link dev.braid.store.internal.page.Page}.
 */
final class LeafNode extends Page {
    static final byte TYPE = 1;

    int n;
    byte[][] keys;
    Object[] values;
    BlobRef[] keyBlobs;
    int size = CellLayout.NODE_HEADER;

    LeafNode(int pageNo, int capacity) {
        super(pageNo);
        keys = new byte[Math.max(4, capacity)][];
        values = new Object[keys.length];
        keyBlobs = new BlobRef[keys.length];
    }

    int cellSize(int i) {
        Object v = values[i];
        long vlen = v instanceof byte[] ? ((byte[]) v).length : ((BlobRef) v).length();
        return CellLayout.leafCell(keys[i].length, vlen, keyBlobs[i] != null, v instanceof BlobRef);
    }

    /** Index of {@code key}, or {@code -(insertion point) - 1}. */
    int search(byte[] key) {
        int lo = 0;
        int hi = n - 1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            int c = Arrays.compareUnsigned(keys[mid], key);
            if (c < 0) {
                lo = mid + 1;
            } else if (c > 0) {
                hi = mid - 1;
            } else {
                return mid;
            }
        }
        return -(lo + 1);
    }

    void insert(int i, byte[] key, BlobRef keyBlob, Object value) {
        if (n == keys.length) {
            int cap = n * 2;
            keys = Arrays.copyOf(keys, cap);
            values = Arrays.copyOf(values, cap);
            keyBlobs = Arrays.copyOf(keyBlobs, cap);
        }
        System.arraycopy(keys, i, keys, i + 1, n - i);
        System.arraycopy(values, i, values, i + 1, n - i);
        System.arraycopy(keyBlobs, i, keyBlobs, i + 1, n - i);
        keys[i] = key;
        values[i] = value;
        keyBlobs[i] = keyBlob;
        n++;
        size += cellSize(i);
    }

    void setValue(int i, Object value) {
        size -= cellSize(i);
        values[i] = value;
        size += cellSize(i);
    }

    void remove(int i) {
        size -= cellSize(i);
        System.arraycopy(keys, i + 1, keys, i, n - i - 1);
        System.arraycopy(values, i + 1, values, i, n - i - 1);
        System.arraycopy(keyBlobs, i + 1, keyBlobs, i, n - i - 1);
        n--;
        keys[n] = null;
        values[n] = null;
        keyBlobs[n] = null;
    }

    /** Moves cells {@code [from, n)} to the end of {@code dst}. */
    void moveTail(int from, LeafNode dst) {
        for (int i = from; i < n; i++) {
            dst.insert(dst.n, keys[i], keyBlobs[i], values[i]);
        }
        for (int i = n - 1; i >= from; i--) {
            remove(i);
        }
    }

    /** Moves cells {@code [0, count)} to the end of {@code dst}. */
    void moveHead(int count, LeafNode dst) {
        for (int i = 0; i < count; i++) {
            dst.insert(dst.n, keys[i], keyBlobs[i], values[i]);
        }
        for (int i = count - 1; i >= 0; i--) {
            remove(i);
        }
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
        int p = CellLayout.NODE_HEADER;
        for (int i = 0; i < n; i++) {
            byte[] k = keys[i];
            Object v = values[i];
            boolean vBlob = v instanceof BlobRef;
            long vlen = vBlob ? ((BlobRef) v).length() : ((byte[]) v).length;
            b[p++] = (byte) ((keyBlobs[i] != null ? CellLayout.FLAG_KEY_BLOB : 0)
                    | (vBlob ? CellLayout.FLAG_VALUE_BLOB : 0));
            p = Bytes.putVarint(b, p, k.length);
            p = Bytes.putVarint(b, p, vlen);
            if (keyBlobs[i] != null) {
                Bytes.putInt(b, p, keyBlobs[i].page());
                Bytes.putInt(b, p + 4, keyBlobs[i].crc());
                p += 8;
            } else {
                System.arraycopy(k, 0, b, p, k.length);
                p += k.length;
            }
            if (vBlob) {
                Bytes.putInt(b, p, ((BlobRef) v).page());
                Bytes.putInt(b, p + 4, ((BlobRef) v).crc());
                p += 8;
            } else {
                byte[] vb = (byte[]) v;
                System.arraycopy(vb, 0, b, p, vb.length);
                p += vb.length;
            }
        }
    }

    @Override
    public long heapBytes() {
        return size + 48L * n + 96;
    }
}
