package dev.braid.store.internal.btree;

import dev.braid.store.internal.format.Bytes;

/**
 * How big a cell may be on a page of a given size, and which parts of an entry go to overflow
 * (blob) pages. A cell is at most a quarter of a page's usable space, so any overfull node splits
 * into two that fit (B1) and a page holds at least four cells.
 */
final class CellLayout {
    static final int NODE_HEADER = 16;
    static final int FLAG_KEY_BLOB = 1;
    static final int FLAG_VALUE_BLOB = 2;
    /** With {@link #FLAG_VALUE_BLOB}: the value is one data page, referenced directly. */
    static final int FLAG_VALUE_PAGE = 4;
    static final int FLAGS_LEAF = FLAG_KEY_BLOB | FLAG_VALUE_BLOB | FLAG_VALUE_PAGE;

    final int pageSize;
    final int maxCell;

    CellLayout(int pageSize) {
        this.pageSize = pageSize;
        this.maxCell = (pageSize - NODE_HEADER) / 4;
    }

    /** Fixed part of a leaf cell: flags byte and two varint lengths. */
    static int leafPrefix(long keyLen, long valueLen) {
        return 1 + Bytes.varintSize(keyLen) + Bytes.varintSize(valueLen);
    }

    /**
     * Whether a leaf entry's key goes to a blob: it stays in the cell only if the cell still fits
     * with any later value, stored as a blob reference with the longest length field (B1).
     */
    boolean leafKeyInBlob(int keyLen) {
        return 1 + Bytes.varintSize(keyLen) + 5 + keyLen + BlobRef.ENCODED_BYTES > maxCell;
    }

    /** Whether a leaf entry's value goes to a blob, given where its key goes. */
    boolean leafValueInBlob(int keyLen, long valueLen, boolean keyInBlob) {
        int keyPart = keyInBlob ? BlobRef.ENCODED_BYTES : keyLen;
        return leafPrefix(keyLen, valueLen) + keyPart + valueLen > maxCell;
    }

    /** Whether a separator key in an internal node goes to a blob. */
    boolean separatorInBlob(int keyLen) {
        return internalCell(keyLen, false) > maxCell;
    }

    /** Bytes of an internal cell: child page, child CRC, flags, key length, key or blob reference. */
    static int internalCell(int keyLen, boolean keyInBlob) {
        return 8 + 1 + Bytes.varintSize(keyLen) + (keyInBlob ? BlobRef.ENCODED_BYTES : keyLen);
    }

    /** Bytes of a leaf cell. */
    static int leafCell(int keyLen, long valueLen, boolean keyInBlob, boolean valueInBlob) {
        return leafPrefix(keyLen, valueLen) + (keyInBlob ? BlobRef.ENCODED_BYTES : keyLen)
                + (valueInBlob ? BlobRef.ENCODED_BYTES : (int) valueLen);
    }
}
