package dev.braid.store.internal.btree;

import dev.braid.store.internal.format.Bytes;
import java.util.Arrays;

/**
 * The page image of a leaf written cell by cell in key order, straight from the caller's slices (a
 * write buffer's arena, a merge's current entry), for {@link TreeBuilder}: the same bytes as
 * {@link LeafNode#encode} of a node holding those entries, without a node or a copy of each key and
 * value. The image is reused from leaf to leaf. One thread.
 */
final class LeafImage {
    private final byte[] img;
    private int page;
    private int pos;
    private int n;
    private int firstOff;
    private int firstLen;
    private byte[] firstCopy; // the first key when it went to a blob
    private int lastOff;
    private int lastLen;
    private byte[] lastCopy; // the last key when it went to a blob

    LeafImage(int pageSize) {
        this.img = new byte[pageSize];
    }

    /** Starts an empty leaf on {@code page}. */
    void start(int pageNo) {
        page = pageNo;
        pos = CellLayout.NODE_HEADER;
        n = 0;
        firstCopy = null;
        lastCopy = null;
    }

    int page() {
        return page;
    }

    int count() {
        return n;
    }

    /** Bytes used so far, header included (what {@link LeafNode}'s {@code size} counts). */
    int size() {
        return pos;
    }

    /**
     * Appends a cell; {@code keyBlob}/{@code valueBlob} non-null when the key or value went to a blob
     * ({@code valueLen} is then the blob's length).
     */
    void add(byte[] kb, int ko, int kl, BlobRef keyBlob, byte[] vb, int vo, int vl, BlobRef valueBlob) {
        int p = pos;
        img[p++] = (byte) ((keyBlob != null ? CellLayout.FLAG_KEY_BLOB : 0)
                | (valueBlob != null ? CellLayout.FLAG_VALUE_BLOB : 0)
                | (valueBlob != null && valueBlob.direct() ? CellLayout.FLAG_VALUE_PAGE : 0));
        p = Bytes.putVarint(img, p, kl);
        p = Bytes.putVarint(img, p, vl);
        byte[] copy = null;
        if (keyBlob != null) {
            copy = Arrays.copyOfRange(kb, ko, ko + kl);
            p = keyBlob.putRef(img, p);
        } else {
            lastOff = p;
            lastLen = kl;
            System.arraycopy(kb, ko, img, p, kl);
            p += kl;
        }
        lastCopy = copy;
        if (n == 0) {
            firstCopy = copy;
            firstOff = lastOff;
            firstLen = lastLen;
        }
        if (valueBlob != null) {
            p = valueBlob.putRef(img, p);
        } else {
            System.arraycopy(vb, vo, img, p, vl);
            p += vl;
        }
        pos = p;
        n++;
    }

    /** The first key (a copy); null for an empty leaf. */
    byte[] first() {
        return n == 0 ? null : firstCopy != null ? firstCopy : Arrays.copyOfRange(img, firstOff, firstOff + firstLen);
    }

    /** The last key (a copy); null for an empty leaf. */
    byte[] last() {
        return n == 0 ? null : lastCopy != null ? lastCopy : Arrays.copyOfRange(img, lastOff, lastOff + lastLen);
    }

    /** Writes the header and clears the unused tail; returns the image (valid until the next start). */
    byte[] seal() {
        img[0] = LeafNode.TYPE;
        img[1] = 0;
        Bytes.putShort(img, 2, n);
        Bytes.putInt(img, 4, page);
        Arrays.fill(img, 8, CellLayout.NODE_HEADER, (byte) 0);
        Arrays.fill(img, pos, img.length, (byte) 0);
        return img;
    }
}
