package dev.braid.store.internal.mergetree;

import dev.braid.store.internal.format.Bytes;
import dev.braid.store.internal.format.Crc;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import dev.braid.store.internal.page.ExtentSink;
import dev.braid.store.internal.page.Run;
import dev.braid.store.internal.page.RunWriter;
import dev.braid.store.internal.btree.TreeBuilder;

/**
 * Writes one segment from entries in strictly ascending key order: data blocks filled page by page,
 * index blocks built level by level as the blocks below fill (streaming, so memory stays at a few
 * pages whatever the segment's size), then the bloom filter. A value of half a page or more that
 * the B+tree would keep on a page of its own ({@link #separates}) is written on such a page, in runs
 * apart from the blocks, and the entry references it: a fold hands that page to the tree as it is
 * instead of copying the value. Pages go to runs from an {@link ExtentSink}, in large sequential
 * writes. One thread; not reusable.
 */
public final class SegmentWriter {
    private final ExtentSink sink;
    private final int runHint;
    private RunWriter pages; // blocks and the bloom filter; taken at the first block
    private RunWriter values; // values on pages of their own; taken at the first such value
    private long blockBytes; // entry bytes in blocks, and value bytes on pages of their own, so far
    private long valueBytes;
    private final int pageSize;
    private final Bloom bloom;
    /** The caller fills {@link #bloom} (on another thread) before {@link #finish}: {@code add} does not. */
    private final boolean bloomByCaller;
    private final Block data;
    private final List<Block> index = new ArrayList<>();
    private long entries;
    private long tombstones;
    private long dataBytes;
    private long live;
    private byte[] minKey;

    /** A block under construction, at one level. */
    /**
     * A data block that is less than 7/8 full when the next entry does not fit grows by whole pages
     * up to this many, so that entries of about a page or more do not each leave most of a page
     * empty (a 4 KiB value at 4 KiB pages: 7 entries in 8 pages instead of 1 in 2).
     */
    static final int GROWN_BLOCK_PAGES = 16;

    private final class Block {
        final int level;
        byte[] buf;
        int pos = SegmentBlock.HEADER;
        int count;
        byte[] firstKey;

        Block(int level) {
            this.level = level;
            this.buf = new byte[pageSize];
        }
    }

    /** The location of a written block. */
    private record Placed(int page, int pages, int crc) {
    }

    /** @param expectedEntries an upper bound on the entries to come (sizes the bloom filter) */
    public SegmentWriter(ExtentSink sink, long expectedEntries) {
        this(sink, expectedEntries, -1);
    }

    /**
     * @param expectedEntries an upper bound on the entries to come (sizes the bloom filter)
     * @param expectedBytes about the bytes of keys and values to come (sizes the page runs it asks
     *     for; -1: unknown)
     */
    public SegmentWriter(ExtentSink sink, long expectedEntries, long expectedBytes) {
        this(sink, expectedEntries, expectedBytes, null);
    }

    /**
     * Like {@link #SegmentWriter(ExtentSink, long, long)} with a bloom filter that the caller fills
     * with every key it adds, completely before {@link #finish} (a write buffer's keys, in arena
     * order on a helper thread while this writes the blocks); null: the writer fills its own.
     */
    public SegmentWriter(ExtentSink sink, long expectedEntries, long expectedBytes, Bloom callerBloom) {
        this.bloomByCaller = callerBloom != null;
        this.sink = sink;
        this.runHint = expectedBytes < 0 ? RunWriter.RUN_PAGES
                : (int) Math.min(Integer.MAX_VALUE, expectedBytes / sink.pageSize() + expectedEntries / 64 + 4);
        this.pageSize = sink.pageSize();
        this.bloom = callerBloom != null ? callerBloom : Bloom.withCapacity(Math.max(1, expectedEntries));
        this.data = new Block(0);
    }

    /** Adds an entry; {@code value} is {@link WriteBuffer#TOMBSTONE} for a delete. */
    public void add(byte[] key, byte[] value) throws IOException {
        add(key, 0, key.length, value);
    }

    /** Adds an entry whose key is {@code keyBuf[keyOff, keyOff+keyLen)}. */
    public void add(byte[] keyBuf, int keyOff, int keyLen, byte[] value) throws IOException {
        boolean tomb = value == WriteBuffer.TOMBSTONE;
        add(keyBuf, keyOff, keyLen, value, 0, tomb ? -1 : value.length);
    }

    /**
     * Whether a value of {@code valueLen} bytes under a key of {@code keyLen} bytes goes on a page of
     * its own: at least half a page, and kept on a page of its own by the B+tree too
     * ({@link TreeBuilder#valueTakesOwnPage}), so that a fold can hand the page over as it is.
     */
    public static boolean separates(int pageSize, int keyLen, int valueLen) {
        return valueLen >= pageSize / 2 && TreeBuilder.valueTakesOwnPage(pageSize, keyLen, valueLen);
    }

    /** Adds an entry given as slices; {@code valueLen} is -1 for a delete. */
    public void add(byte[] keyBuf, int keyOff, int keyLen, byte[] valueBuf, int valueOff, int valueLen)
            throws IOException {
        boolean tomb = valueLen < 0;
        int vlen = tomb ? 0 : valueLen;
        if (!tomb && separates(pageSize, keyLen, vlen)) {
            int page = valuePages().nextPages(1);
            int crc = Crc.ofPadded(valueBuf, valueOff, vlen, pageSize);
            values.writePadded(page, valueBuf, valueOff, vlen);
            valueBytes += pageSize;
            addEntry(keyBuf, keyOff, keyLen, SegmentBlock.FLAG_VALUE_PAGE, null, 0, vlen, page, crc);
            return;
        }
        addEntry(keyBuf, keyOff, keyLen, tomb ? SegmentBlock.FLAG_DELETE : SegmentBlock.FLAG_PUT, valueBuf,
                valueOff, vlen, 0, 0);
    }

    /** The runs of value pages, taken at the first value that needs one. */
    private RunWriter valuePages() {
        if (values == null) {
            values = new RunWriter(sink, share(valueBytes + pageSize));
        }
        return values;
    }

    /** The runs of blocks, taken at the first block written. */
    private RunWriter blockPages() {
        if (pages == null) {
            pages = new RunWriter(sink, share(blockBytes));
        }
        return pages;
    }

    /** Pages to ask for at a time for a part that has {@code bytes} of what was added so far. */
    private int share(long bytes) {
        long all = Math.max(1, blockBytes + valueBytes + (values == null ? pageSize : 0));
        return (int) Math.max(16, Math.min(runHint, (double) runHint * bytes / all + 16));
    }

    private void addEntry(byte[] keyBuf, int keyOff, int keyLen, int flags, byte[] valueBuf, int valueOff, int vlen,
            int refPage, int refCrc) throws IOException {
        boolean ref = flags == SegmentBlock.FLAG_VALUE_PAGE;
        boolean tomb = flags == SegmentBlock.FLAG_DELETE;
        int size = 1 + Bytes.varintSize(keyLen) + Bytes.varintSize(vlen) + keyLen
                + (ref ? SegmentBlock.REF_BYTES : vlen);
        blockBytes += size;
        Block b = data;
        if (b.count > 0 && b.pos + size > b.buf.length) {
            int grown = (b.pos + size + pageSize - 1) / pageSize;
            if (b.pos * 8L < b.buf.length * 7L && grown <= GROWN_BLOCK_PAGES) {
                b.buf = java.util.Arrays.copyOf(b.buf, grown * pageSize); // large entries share a block
            } else {
                finish(b);
            }
        }
        ensureRoom(b, size);
        if (b.count == 0) {
            b.firstKey = java.util.Arrays.copyOfRange(keyBuf, keyOff, keyOff + keyLen);
        }
        byte[] buf = b.buf;
        buf[b.pos++] = (byte) flags;
        b.pos = Bytes.putVarint(buf, b.pos, keyLen);
        b.pos = Bytes.putVarint(buf, b.pos, vlen);
        System.arraycopy(keyBuf, keyOff, buf, b.pos, keyLen);
        lastKeyPos = b.pos;
        lastKeyLen = keyLen;
        b.pos += keyLen;
        if (ref) {
            Bytes.putInt(buf, b.pos, refPage);
            Bytes.putInt(buf, b.pos + 4, refCrc);
            b.pos += SegmentBlock.REF_BYTES;
        } else if (vlen > 0) {
            System.arraycopy(valueBuf, valueOff, buf, b.pos, vlen);
            b.pos += vlen;
        }
        b.count++;
        if (!bloomByCaller) {
            bloom.add(Bloom.hash(keyBuf, keyOff, keyLen));
        }
        if (entries == 0) {
            minKey = b.firstKey;
        }
        entries++;
        dataBytes += keyLen + vlen;
        if (tomb) {
            tombstones++;
        } else {
            live++;
        }
    }

    private int lastKeyPos; // the last key, inside the open data block (copied at finish)
    private int lastKeyLen;

    /** Makes a fresh block big enough for one entry of {@code size} bytes (a run of pages if need be). */
    private void ensureRoom(Block b, int size) {
        if (b.count == 0 && SegmentBlock.HEADER + size > b.buf.length) {
            int pages = (SegmentBlock.HEADER + size + pageSize - 1) / pageSize;
            b.buf = new byte[pages * pageSize];
        }
    }

    /** Writes a finished block and records it one level up. */
    private void finish(Block b) throws IOException {
        byte[] buf = b.buf;
        int pages = buf.length / pageSize;
        buf[0] = b.level == 0 ? SegmentBlock.TYPE_DATA : SegmentBlock.TYPE_INDEX;
        buf[1] = (byte) b.level;
        Bytes.putInt(buf, 8, pages);
        Bytes.putInt(buf, 12, b.count);
        Bytes.putInt(buf, 16, b.pos);
        Placed p = place(buf, pages);
        byte[] first = b.firstKey;
        if (index.size() < b.level + 1) {
            index.add(new Block(b.level + 1));
        }
        addIndexEntry(index.get(b.level), first, p);
        b.buf = new byte[pageSize];
        b.pos = SegmentBlock.HEADER;
        b.count = 0;
        b.firstKey = null;
    }

    private void addIndexEntry(Block ib, byte[] key, Placed child) throws IOException {
        int size = Bytes.varintSize(key.length) + key.length + SegmentBlock.INDEX_TAIL;
        if (ib.count > 0 && ib.pos + size > ib.buf.length) {
            if (ib.count >= 2) {
                finish(ib);
            } else {
                // An index block needs two children, or huge keys would stack levels without end.
                int pages = (ib.pos + size + pageSize - 1) / pageSize;
                ib.buf = java.util.Arrays.copyOf(ib.buf, pages * pageSize);
            }
        }
        ensureRoom(ib, size);
        if (ib.count == 0) {
            ib.firstKey = key;
        }
        ib.pos = Bytes.putVarint(ib.buf, ib.pos, key.length);
        System.arraycopy(key, 0, ib.buf, ib.pos, key.length);
        ib.pos += key.length;
        Bytes.putInt(ib.buf, ib.pos, child.page());
        Bytes.putInt(ib.buf, ib.pos + 4, child.pages());
        Bytes.putInt(ib.buf, ib.pos + 8, child.crc());
        ib.pos += SegmentBlock.INDEX_TAIL;
        ib.count++;
    }

    /** Puts a block image at the next free pages, stamping its page number, and returns where. */
    private Placed place(byte[] img, int n) throws IOException {
        int page = blockPages().nextPages(n);
        Bytes.putInt(img, 4, page);
        int crc = Crc.of(img);
        pages.write(page, img, n);
        return new Placed(page, n, crc);
    }

    /** Entries added so far. */
    public long entries() {
        return entries;
    }

    /**
     * Finishes the segment and returns its description (id 0: the engine numbers it). The unused
     * pages of its runs are in {@link #sparePages()} afterwards. Needs at least one entry.
     */
    public SegmentInfo finish(long liveDeltaIfKnown, boolean deltaKnown) throws IOException {
        if (entries == 0) {
            throw new IllegalStateException("a segment needs at least one entry");
        }
        byte[] maxKey = java.util.Arrays.copyOfRange(data.buf, lastKeyPos, lastKeyPos + lastKeyLen);
        finish(data);
        // Close each index level; the first level that holds a single block's worth is the root.
        Placed root = null;
        for (int level = 0; level < index.size(); level++) {
            Block ib = index.get(level);
            boolean top = level == index.size() - 1;
            if (top && ib.count == 1) {
                root = lastPlacedChild(ib);
                break;
            }
            byte[] buf = ib.buf;
            int pages = buf.length / pageSize;
            buf[0] = SegmentBlock.TYPE_INDEX;
            buf[1] = (byte) ib.level;
            Bytes.putInt(buf, 8, pages);
            Bytes.putInt(buf, 12, ib.count);
            Bytes.putInt(buf, 16, ib.pos);
            Placed p = place(buf, pages);
            if (top) {
                root = p;
                break;
            }
            Block up = index.get(level + 1);
            addIndexEntry(up, ib.firstKey, p);
        }
        int bloomBytes = bloom.encodedSize();
        int bloomPages = (bloomBytes + pageSize - 1) / pageSize;
        byte[] bb = new byte[bloomPages * pageSize];
        bloom.encode(bb, 0);
        int bloomPage = blockPages().nextPages(bloomPages);
        pages.write(bloomPage, bb, bloomPages);
        pages.finish();
        List<Run> runs = new ArrayList<>(pages.runs());
        if (values != null) {
            values.finish();
            runs.addAll(values.runs()); // kept apart from the block runs (a merge's read-ahead stays in one)
            runs.sort(java.util.Comparator.comparingInt(Run::start));
        }
        long delta = deltaKnown ? liveDeltaIfKnown : 0;
        return new SegmentInfo(0, List.copyOf(runs), root.page(), root.pages(), root.crc(), entries, tombstones,
                dataBytes, minKey, maxKey, bloomPage, bloomBytes, Crc.of(bb, 0, bloomBytes), deltaKnown, delta);
    }

    /** The only child recorded in a one-entry index block (it becomes the root itself). */
    private static Placed lastPlacedChild(Block ib) {
        int p = ib.pos - SegmentBlock.INDEX_TAIL;
        return new Placed(Bytes.getInt(ib.buf, p), Bytes.getInt(ib.buf, p + 4), Bytes.getInt(ib.buf, p + 8));
    }

    /** Live entries (not deletes) written. */
    public long liveEntries() {
        return live;
    }

    /** Pages of the runs that the segment did not use, to be freed by the engine (after {@link #finish}). */
    public List<Run> sparePages() {
        List<Run> spare = new ArrayList<>(pages.spare());
        if (values != null) {
            spare.addAll(values.spare());
        }
        return spare;
    }

    /** Every page taken so far: what to free when the write is abandoned. */
    public List<Run> taken() {
        List<Run> all = new ArrayList<>();
        if (pages != null) {
            all.addAll(pages.allTaken());
        }
        if (values != null) {
            all.addAll(values.allTaken());
        }
        return all;
    }
}
