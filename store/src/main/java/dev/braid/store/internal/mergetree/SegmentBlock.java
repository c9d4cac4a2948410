package dev.braid.store.internal.mergetree;

import dev.braid.store.internal.format.Bytes;
import dev.braid.store.internal.page.Page;
import java.util.Arrays;

/**
 * One decoded block of a segment: a data block (sorted entries, a delete as a tombstone) or an index
 * block (the first key of each child block with the child's pages and checksum). A block is one
 * page, or a run of pages (an entry that needs more, or large entries sharing one). Layout
 * (docs/format/segment.md; written to disk: never renumber):
 *
 * <pre>
 *  0 u8  type (4 data, 5 index)     8 u32 pages in the block
 *  1 u8  level (0 data, 1.. index) 12 u32 entry count
 *  2 u16 zero                      16 u32 end of the last entry
 *  4 u32 first page number         20 ... entries
 *  data entry:  u8 flags (0 put, 1 delete, 2 put of a value on its own page), varint key length,
 *               varint value length, key, then the value (flags 0), nothing (1), or the value's
 *               u32 page and u32 CRC32C of that page (2)
 *  index entry: varint key length, key, u32 child page, u32 child pages, u32 child CRC32C
 * </pre>
 *
 * Immutable after decoding (cached in the shared page cache, read by many threads); thread safe.
 */
public final class SegmentBlock extends Page {
    public static final byte TYPE_DATA = 4;
    public static final byte TYPE_INDEX = 5;
    static final int HEADER = 20;
    static final int INDEX_TAIL = 12;
    static final int FLAG_PUT = 0;
    static final int FLAG_DELETE = 1;
    static final int FLAG_VALUE_PAGE = 2;
    /** Bytes of a value reference in an entry (u32 page, u32 CRC32C). */
    static final int REF_BYTES = 8;

    final byte[] image;
    final int level;
    final int n;
    private final int[] keyOff;
    private final int[] keyLen;
    private final int[] valOff; // data: value start, -1 for a tombstone; index: child fields start
    private final int[] valLen;
    private final boolean[] ref; // data: entries whose value is on a page of its own; null if none

    private SegmentBlock(int pageNo, byte[] image, int level, int n, int[] keyOff, int[] keyLen, int[] valOff,
            int[] valLen, boolean[] ref) {
        super(pageNo);
        this.ref = ref;
        this.image = image;
        this.level = level;
        this.n = n;
        this.keyOff = keyOff;
        this.keyLen = keyLen;
        this.valOff = valOff;
        this.valLen = valLen;
    }

    /** Pages a block image spans, from its header (validated by {@link #decode}). */
    static int pagesOf(byte[] firstPage) {
        return Bytes.getInt(firstPage, 8);
    }

    /**
     * Decodes a verified image; returns null when its structure is invalid (the caller reports
     * corruption, naming the page).
     */
    static SegmentBlock decode(int pageNo, byte[] b) {
        try {
            int type = b[0];
            int level = b[1] & 0xff;
            if ((type != TYPE_DATA && type != TYPE_INDEX) || (type == TYPE_DATA) != (level == 0)
                    || Bytes.getInt(b, 4) != pageNo) {
                return null;
            }
            int n = Bytes.getInt(b, 12);
            int end = Bytes.getInt(b, 16);
            if (n < 1 || end > b.length || end < HEADER || n > end) {
                return null;
            }
            int[] ko = new int[n];
            int[] kl = new int[n];
            int[] vo = new int[n];
            int[] vl = new int[n];
            boolean[] refs = null;
            int[] pos = {HEADER};
            for (int i = 0; i < n; i++) {
                if (type == TYPE_DATA) {
                    int flags = b[pos[0]++];
                    long k = Bytes.getVarint(b, pos, end);
                    long v = Bytes.getVarint(b, pos, end);
                    boolean isRef = flags == FLAG_VALUE_PAGE;
                    if (flags < 0 || flags > FLAG_VALUE_PAGE || k > dev.braid.store.Braid.MAX_KEY_BYTES
                            || (flags == FLAG_DELETE && v != 0) || (isRef ? v < 1 || v > Integer.MAX_VALUE : v > end)) {
                        return null;
                    }
                    ko[i] = pos[0];
                    kl[i] = (int) k;
                    vo[i] = flags == FLAG_DELETE ? -1 : pos[0] + (int) k;
                    vl[i] = (int) v;
                    if (isRef) {
                        refs = refs == null ? new boolean[n] : refs;
                        refs[i] = true;
                    }
                    pos[0] += (int) k + (isRef ? REF_BYTES : (int) v);
                } else {
                    long k = Bytes.getVarint(b, pos, end);
                    if (k > dev.braid.store.Braid.MAX_KEY_BYTES) {
                        return null;
                    }
                    ko[i] = pos[0];
                    kl[i] = (int) k;
                    vo[i] = pos[0] + (int) k;
                    pos[0] += (int) k + INDEX_TAIL;
                }
                if (pos[0] > end || (i > 0 && Arrays.compareUnsigned(b, ko[i - 1], ko[i - 1] + kl[i - 1],
                        b, ko[i], ko[i] + kl[i]) >= 0)) {
                    return null;
                }
            }
            return pos[0] == end ? new SegmentBlock(pageNo, b, level, n, ko, kl, vo, vl, refs) : null;
        } catch (RuntimeException e) {
            return null;
        }
    }

    boolean isData() {
        return level == 0;
    }

    int compareKey(int i, byte[] key) {
        return Arrays.compareUnsigned(image, keyOff[i], keyOff[i] + keyLen[i], key, 0, key.length);
    }

    byte[] key(int i) {
        return Arrays.copyOfRange(image, keyOff[i], keyOff[i] + keyLen[i]);
    }

    boolean isTombstone(int i) {
        return valOff[i] < 0;
    }

    /** Whether live entry i's value is on a page of its own ({@link #refPage}), not in the block. */
    boolean isRef(int i) {
        return ref != null && ref[i];
    }

    /** The page of entry i's value ({@link #isRef}). */
    int refPage(int i) {
        return Bytes.getInt(image, valOff[i]);
    }

    /** The CRC32C of the page of entry i's value ({@link #isRef}). */
    int refCrc(int i) {
        return Bytes.getInt(image, valOff[i] + 4);
    }

    /** The length of live entry i's value, wherever it is. */
    int valueLength(int i) {
        return valLen[i];
    }

    /**
     * Hands live entry i, whose value is in the block, to {@code to}: {@code key} (its key) and its
     * value as a slice of the image.
     */
    void entryTo(int i, byte[] key, SortedSource.EntrySink to) throws java.io.IOException {
        to.add(key, 0, key.length, image, valOff[i], valLen[i]);
    }

    /**
     * A copy of entry i's value, which must be in the block ({@link Segment#value} reads one on its
     * own page); {@link WriteBuffer#TOMBSTONE} for a delete.
     */
    byte[] value(int i) {
        if (valOff[i] < 0) {
            return WriteBuffer.TOMBSTONE;
        }
        if (isRef(i)) {
            throw new IllegalStateException("the value of entry " + i + " is on page " + refPage(i));
        }
        return Arrays.copyOfRange(image, valOff[i], valOff[i] + valLen[i]);
    }

    int childPage(int i) {
        return Bytes.getInt(image, valOff[i]);
    }

    int childPages(int i) {
        return Bytes.getInt(image, valOff[i] + 4);
    }

    int childCrc(int i) {
        return Bytes.getInt(image, valOff[i] + 8);
    }

    /** Index of {@code key}, or {@code -(insertion point) - 1} when absent. */
    int search(byte[] key) {
        int lo = 0;
        int hi = n - 1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            int c = compareKey(mid, key);
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

    /** For an index block: the child that may hold {@code key} (the last one whose first key is at or below it). */
    int childFor(byte[] key) {
        int i = search(key);
        return i >= 0 ? i : Math.max(0, -i - 2);
    }

    @Override
    public int encodedSize() {
        return image.length;
    }

    @Override
    public void encode(byte[] out) {
        System.arraycopy(image, 0, out, 0, Math.min(out.length, image.length));
    }

    @Override
    public long heapBytes() {
        return image.length + (ref != null ? 17L : 16L) * n + 112;
    }
}
