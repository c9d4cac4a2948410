package dev.braid.store.internal.btree;

/**
 * Where a value or key too large for a tree page lives: the first blob index page, its CRC32C and
 * the byte length of the blob; or, {@code direct}, a value of at most a page held by one data page
 * (the page and the CRC32C of its image), with no index page.
 */
public record BlobRef(int page, int crc, long length, boolean direct) {
    /** A blob behind index pages. */
    public BlobRef(int page, int crc, long length) {
        this(page, crc, length, false);
    }

    /** Bytes a reference takes inside a cell (page and CRC; the length is the cell's length field). */
    public static final int ENCODED_BYTES = 8;

    /**
     * Writes the cell form of {@code key} at {@code p}: the reference when it lives in a blob,
     * else the bytes themselves. Returns the offset after it.
     */
    static int putKey(byte[] b, int p, byte[] key, BlobRef blob) {
        if (blob != null) {
            return blob.putRef(b, p);
        }
        System.arraycopy(key, 0, b, p, key.length);
        return p + key.length;
    }

    /** Writes page and CRC (the cell form of a reference) at {@code p}; returns the offset after. */
    int putRef(byte[] b, int p) {
        dev.braid.store.internal.format.Bytes.putInt(b, p, page);
        dev.braid.store.internal.format.Bytes.putInt(b, p + 4, crc);
        return p + ENCODED_BYTES;
    }
}
