package dev.braid.store.internal.page;

import dev.braid.store.internal.format.Bytes;
import dev.braid.store.internal.format.Crc;
import java.nio.charset.StandardCharsets;

/**
 * Page 0 of the page file: identity (magic, format version, page size) and the root of everything
 * committed (tree root, free list, counts, commit sequence, metadata). Its image is the payload of
 * every commit frame. Layout (big-endian; docs/format/page-file.md; written to disk: never
 * renumber):
 *
 * <pre>
 *  0  8  magic "BRAIDPAG"          36  4  free-list head page
 *  8  4  format version (1 or 2)   40  4  free-list head CRC32C
 * 12  4  page size                 44  4  free page count
 * 16  8  commit sequence           48  8  entry count
 * 24  4  page count                56  4  metadata length
 * 28  4  root page                 60  4  metadata flags (0 inline at 128, 1 blob)
 * 32  4  root CRC32C               64  4  metadata blob page   68 4 metadata blob CRC32C
 *                                  72  8  metadata blob length
 * 80  4  manifest blob page (0: no segments)   84 4 manifest blob CRC32C   88 8 manifest length
 * 128 .. inline metadata;  pageSize-4  4  CRC32C of bytes [0, pageSize-4)
 * </pre>
 */
public final class HeaderPage {
    public static final byte[] MAGIC = "BRAIDPAG".getBytes(StandardCharsets.US_ASCII);
    public static final int FORMAT_VERSION = 2;
    public static final int INLINE_META_OFFSET = 128;

    public long commitSeq;
    public int pageCount;
    public int rootPage;
    public int rootCrc;
    public int freeHead;
    public int freeHeadCrc;
    public int freeCount;
    public long entryCount;
    public byte[] inlineMeta = new byte[0];
    public boolean metaInBlob;
    public int metaBlobPage;
    public int metaBlobCrc;
    public long metaBlobLength;
    public int manifestPage;
    public int manifestCrc;
    public long manifestLength;
    public final int pageSize;

    public HeaderPage(int pageSize) {
        this.pageSize = pageSize;
    }

    /** Bytes of metadata that fit inline. */
    public static int inlineCapacity(int pageSize) {
        return pageSize - INLINE_META_OFFSET - 4;
    }

    public byte[] encode() {
        byte[] b = new byte[pageSize];
        System.arraycopy(MAGIC, 0, b, 0, 8);
        Bytes.putInt(b, 8, FORMAT_VERSION);
        Bytes.putInt(b, 12, pageSize);
        Bytes.putLong(b, 16, commitSeq);
        Bytes.putInt(b, 24, pageCount);
        Bytes.putInt(b, 28, rootPage);
        Bytes.putInt(b, 32, rootCrc);
        Bytes.putInt(b, 36, freeHead);
        Bytes.putInt(b, 40, freeHeadCrc);
        Bytes.putInt(b, 44, freeCount);
        Bytes.putLong(b, 48, entryCount);
        Bytes.putInt(b, 56, metaInBlob ? 0 : inlineMeta.length);
        Bytes.putInt(b, 60, metaInBlob ? 1 : 0);
        Bytes.putInt(b, 64, metaBlobPage);
        Bytes.putInt(b, 68, metaBlobCrc);
        Bytes.putLong(b, 72, metaBlobLength);
        Bytes.putInt(b, 80, manifestPage);
        Bytes.putInt(b, 84, manifestCrc);
        Bytes.putLong(b, 88, manifestLength);
        if (!metaInBlob) {
            System.arraycopy(inlineMeta, 0, b, INLINE_META_OFFSET, inlineMeta.length);
        }
        Bytes.putInt(b, pageSize - 4, Crc.of(b, 0, pageSize - 4));
        return b;
    }

    /** What is wrong with an image's identity fields, or null when it is a Braid header page. */
    public static String identityProblem(byte[] b) {
        if (b.length < 16) {
            return "file is too short to hold a Braid header";
        }
        for (int i = 0; i < 8; i++) {
            if (b[i] != MAGIC[i]) {
                return "not a Braid page file (bad magic)";
            }
        }
        int version = Bytes.getInt(b, 8);
        if (version > FORMAT_VERSION) {
            return "page file has format version " + version + "; this build reads up to " + FORMAT_VERSION;
        }
        if (version < 1) {
            return "page file has invalid format version " + version;
        }
        return null;
    }

    /** The page size recorded in a header image (validated by the caller). */
    public static int pageSizeOf(byte[] b) {
        return Bytes.getInt(b, 12);
    }

    /** Whether the image's own checksum holds. */
    public static boolean checksumOk(byte[] b) {
        return b.length >= 64 && Bytes.getInt(b, b.length - 4) == Crc.of(b, 0, b.length - 4);
    }

    /**
     * Decodes a header image whose identity and checksum were verified. Returns null when a field is
     * out of range (a damaged page that happened to pass its checksum is treated as corrupt).
     */
    public static HeaderPage decode(byte[] b) {
        HeaderPage h = new HeaderPage(b.length);
        h.commitSeq = Bytes.getLong(b, 16);
        h.pageCount = Bytes.getInt(b, 24);
        h.rootPage = Bytes.getInt(b, 28);
        h.rootCrc = Bytes.getInt(b, 32);
        h.freeHead = Bytes.getInt(b, 36);
        h.freeHeadCrc = Bytes.getInt(b, 40);
        h.freeCount = Bytes.getInt(b, 44);
        h.entryCount = Bytes.getLong(b, 48);
        int metaLen = Bytes.getInt(b, 56);
        h.metaInBlob = Bytes.getInt(b, 60) == 1;
        h.metaBlobPage = Bytes.getInt(b, 64);
        h.metaBlobCrc = Bytes.getInt(b, 68);
        h.metaBlobLength = Bytes.getLong(b, 72);
        h.manifestPage = Bytes.getInt(b, 80);
        h.manifestCrc = Bytes.getInt(b, 84);
        h.manifestLength = Bytes.getLong(b, 88);
        if (h.pageCount < 2 || h.rootPage < 1 || h.rootPage >= h.pageCount || h.freeCount < 0
                || h.freeHead < 0 || h.freeHead >= h.pageCount || h.entryCount < 0
                || metaLen < 0 || metaLen > inlineCapacity(b.length) || h.manifestPage < 0
                || h.manifestPage >= h.pageCount || h.manifestLength < 0 || (h.manifestPage == 0) != (h.manifestLength == 0)) {
            return null;
        }
        h.inlineMeta = java.util.Arrays.copyOfRange(b, INLINE_META_OFFSET, INLINE_META_OFFSET + metaLen);
        return h;
    }
}
