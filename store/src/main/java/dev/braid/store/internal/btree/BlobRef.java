package dev.braid.store.internal.btree;

/**
 * Where a value or key too large for a tree page lives: the first blob index page, its CRC32C and
 * the byte length of the blob.
 */
public record BlobRef(int page, int crc, long length) {
    /** Bytes a reference takes inside a cell (page and CRC; the length is the cell's length field). */
    public static final int ENCODED_BYTES = 8;
}
