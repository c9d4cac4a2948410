package dev.braid.store.internal.btree;

import dev.braid.store.internal.format.Bytes;
import dev.braid.store.internal.page.Page;
import java.util.Arrays;

/**
 * A leaf of the B+tree: sorted keys with their values. A value is a {@code byte[]} stored in the
 * cell or a {@link BlobRef}; a key stored on overflow pages carries its {@link BlobRef}. Page layout
 * (docs/format/page-file.md):
 *
 * <pre>
 * 0 1 type (1 = leaf)   1 1 zero   2 2 cell count   4 4 page number   8..16 zero
 * cells from 16: flags(1) keyLen(varint) valueLen(varint) key|keyBlob(8) value|valueBlob(8)
 * </pre>
 *
 * <p>Two forms. A clean leaf read from a file stays <em>packed</em>: the verified image plus the
 * offsets of each cell, searched in place, so a cache miss costs one pass over the page and the
 * cache holds little more than the page bytes. Just before the writer changes it
 * ({@link #beforeChange}) it is <em>unpacked</em> into arrays of keys and values, unless the change
 * is a value replaced by one of the same length in the cell ({@link #overwriteInPlace}: the update
 * of a fixed-size value, written into the image). Mutated only by the writer while dirty; see
 * {@link dev.braid.store.internal.page.Page}.
 */
final class LeafNode extends Page {
    static final byte TYPE = 1;

    int n;
    int size = CellLayout.NODE_HEADER;
    private int keyBlobCount;
    // Unpacked form.
    byte[][] keys;
    Object[] values;
    BlobRef[] keyBlobs;
    // Packed form: never has key blobs (NodeCodec unpacks those leaves at once).
    private byte[] image;
    private long[] slots; // LeafSlots: built with the image, before the leaf is shared
    private int prefixLen;

    LeafNode(int pageNo, int capacity) {
        super(pageNo);
        keys = new byte[Math.max(4, capacity)][];
        values = new Object[keys.length];
        keyBlobs = new BlobRef[keys.length];
    }

    /** A packed leaf over a verified image (see {@link NodeCodec}). */
    LeafNode(int pageNo, byte[] image, int n, int size, long[] slots) {
        super(pageNo);
        this.image = image;
        this.n = n;
        this.size = size;
        this.slots = slots;
        this.prefixLen = n > 0 ? LeafSlots.fillHeads(image, slots, n) : 0;
    }

    /**
     * Encodes this leaf (which must hold no key blobs) into {@code b} and switches it to the packed
     * form over that image, recording the offsets while writing. Used when a commit seals the leaf:
     * the clean copy goes back to the cache compact, without a second pass over the image.
     */
    void encodeAndPack(byte[] b) {
        if (image != null) { // changed in place only ({@link #overwriteInPlace}): offsets stand
            System.arraycopy(image, 0, b, 0, image.length);
            image = b;
            return;
        }
        long[] s = new long[2 * n];
        encode(b, s);
        image = b;
        slots = s;
        prefixLen = n > 0 ? LeafSlots.fillHeads(b, s, n) : 0;
        keys = null;
        values = null;
        keyBlobs = null;
    }

    /** Whether some key lives on overflow pages (such leaves are never packed). */
    boolean hasKeyBlobs() {
        return keyBlobCount > 0;
    }

    /** Key {@code i}; the caller must not modify it (packed: a fresh copy). */
    byte[] key(int i) {
        if (image == null) {
            return keys[i];
        }
        long m = slots[2 * i + 1];
        int off = LeafSlots.keyOff(m);
        return Arrays.copyOfRange(image, off, off + LeafSlots.keyLen(m));
    }

    /** The blob holding key {@code i}, or null. */
    BlobRef keyBlob(int i) {
        return image == null ? keyBlobs[i] : null;
    }

    /** Value {@code i} as stored: a byte[] the caller must not modify, or a {@link BlobRef}. */
    Object value(int i) {
        return image == null ? values[i] : packedValue(i);
    }

    /** Value {@code i} as bytes the caller may keep, reading a blob if needed. */
    byte[] valueCopy(int i, BlobStore blobs) throws java.io.IOException {
        Object v = value(i);
        if (v instanceof BlobRef ref) {
            return blobs.read(ref);
        }
        return image == null ? ((byte[]) v).clone() : (byte[]) v;
    }

    private Object packedValue(int i) {
        long m = slots[2 * i + 1];
        int p = LeafSlots.valueOff(m);
        int inline = LeafSlots.valueLen(m);
        if (inline != LeafSlots.VALUE_ELSEWHERE) {
            return Arrays.copyOfRange(image, p, p + inline);
        }
        int[] pos = {LeafSlots.cellOff(m)};
        int flags = image[pos[0]++];
        Bytes.getVarint(image, pos, image.length);
        long vlen = Bytes.getVarint(image, pos, image.length);
        return new BlobRef(Bytes.getInt(image, p), Bytes.getInt(image, p + 4), vlen,
                (flags & CellLayout.FLAG_VALUE_PAGE) != 0);
    }

    /**
     * In the packed form, replaces value {@code i} in the image when it is stored in the cell and
     * {@code value} has the same length (an update of a fixed-size value), so that the leaf need not
     * be unpacked; returns false (nothing changed) otherwise. The leaf must be dirty.
     */
    boolean overwriteInPlace(int i, byte[] value) {
        if (image == null) {
            return false;
        }
        long m = slots[2 * i + 1];
        int inline = LeafSlots.valueLen(m);
        if (inline == LeafSlots.VALUE_ELSEWHERE || inline != value.length) {
            return false;
        }
        System.arraycopy(value, 0, image, LeafSlots.valueOff(m), value.length);
        return true;
    }

    /** Whether value {@code i} equals {@code value} (a blob never does: it is not read). */
    boolean valueEquals(int i, byte[] value) {
        if (image == null) {
            return values[i] instanceof byte[] b && Arrays.equals(b, value);
        }
        long m = slots[2 * i + 1];
        int from = LeafSlots.valueOff(m);
        int inline = LeafSlots.valueLen(m);
        return inline != LeafSlots.VALUE_ELSEWHERE && inline == value.length
                && Arrays.equals(image, from, from + value.length, value, 0, value.length);
    }

    /** Turns a packed leaf into its mutable form (idempotent). */
    @Override
    protected void beforeChange() {
        if (image == null) {
            return;
        }
        byte[][] k = new byte[Math.max(4, n)][];
        Object[] v = new Object[k.length];
        for (int i = 0; i < n; i++) {
            k[i] = key(i);
            v[i] = packedValue(i);
        }
        keys = k;
        values = v;
        keyBlobs = new BlobRef[k.length];
        image = null;
        slots = null;
    }

    int cellSize(int i) {
        Object v = values[i];
        long vlen = v instanceof byte[] ? ((byte[]) v).length : ((BlobRef) v).length();
        return CellLayout.leafCell(keys[i].length, vlen, keyBlobs[i] != null, v instanceof BlobRef);
    }

    /** Index of {@code key}, or {@code -(insertion point) - 1}. Works in both forms. */
    int search(byte[] key) {
        int lo = 0;
        int hi = n - 1;
        byte[] img = image;
        if (img != null) {
            return n == 0 ? -1 : searchPacked(key, img, slots);
        }
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

    /** {@link #search} of a packed leaf by its {@link LeafSlots}: the same result. */
    private int searchPacked(byte[] key, byte[] img, long[] s) {
        int p = prefixLen;
        if (p > 0) {
            int first = LeafSlots.keyOff(s[1]);
            int c = Arrays.compareUnsigned(key, 0, Math.min(p, key.length), img, first, first + p);
            if (c != 0) {
                return c < 0 ? -1 : -(n + 1); // outside the shared prefix: before or after every key
            }
        }
        long h = KeyHeads.head(key, 0, key.length, p);
        int lo = 0;
        int hi = n - 1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            int cmp = Long.compareUnsigned(s[2 * mid], h);
            if (cmp == 0) {
                long m = s[2 * mid + 1];
                int off = LeafSlots.keyOff(m);
                cmp = Arrays.compareUnsigned(img, off, off + LeafSlots.keyLen(m), key, 0, key.length);
            }
            if (cmp < 0) {
                lo = mid + 1;
            } else if (cmp > 0) {
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
        keyBlobCount += keyBlob != null ? 1 : 0;
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
        keyBlobCount -= keyBlobs[i] != null ? 1 : 0;
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
        if (image != null) {
            System.arraycopy(image, 0, b, 0, image.length);
            return;
        }
        encode(b, null);
    }

    /** Writes the cells; records each cell's {@link LeafSlots} meta when {@code slots} is given. */
    private void encode(byte[] b, long[] slots) {
        b[0] = TYPE;
        Bytes.putShort(b, 2, n);
        Bytes.putInt(b, 4, pageNo());
        int p = CellLayout.NODE_HEADER;
        for (int i = 0; i < n; i++) {
            byte[] k = keys[i];
            Object v = values[i];
            boolean vBlob = v instanceof BlobRef;
            long vlen = vBlob ? ((BlobRef) v).length() : ((byte[]) v).length;
            int cellStart = p;
            b[p++] = (byte) ((keyBlobs[i] != null ? CellLayout.FLAG_KEY_BLOB : 0)
                    | (vBlob ? CellLayout.FLAG_VALUE_BLOB : 0)
                    | (vBlob && ((BlobRef) v).direct() ? CellLayout.FLAG_VALUE_PAGE : 0));
            p = Bytes.putVarint(b, p, k.length);
            p = Bytes.putVarint(b, p, vlen);
            if (slots != null) {
                slots[2 * i + 1] = LeafSlots.meta(cellStart, p, k.length,
                        vBlob ? LeafSlots.VALUE_ELSEWHERE : (int) vlen);
            }
            p = BlobRef.putKey(b, p, k, keyBlobs[i]);
            if (vBlob) {
                p = ((BlobRef) v).putRef(b, p);
            } else {
                byte[] vb = (byte[]) v;
                System.arraycopy(vb, 0, b, p, vb.length);
                p += vb.length;
            }
        }
    }

    @Override
    public long heapBytes() {
        return image != null ? image.length + 16L * n + 96 : size + 48L * n + 96;
    }
}
