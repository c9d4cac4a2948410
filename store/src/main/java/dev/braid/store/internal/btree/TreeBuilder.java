package dev.braid.store.internal.btree;

import dev.braid.store.internal.format.Crc;
import dev.braid.store.internal.page.ExtentSink;
import dev.braid.store.internal.page.PageIo;
import dev.braid.store.internal.page.Run;
import dev.braid.store.internal.page.RunWriter;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Builds a complete B+tree bottom-up, straight into fresh pages of the page file (not through the
 * log or the cache), from entries in strictly ascending key order: leaves packed to
 * {@link BulkLoader#FILL}, internal levels built as the level below fills (streaming: memory stays at
 * one node per level), shortest separators, checksums set as each page is written. This is how a
 * merge folds segments into the tree. One thread; the result is installed by the engine.
 */
public final class TreeBuilder {
    /** The built tree: its root, the root's CRC32C, its entry count, and the pages it occupies. */
    /**
     * The built tree: its root, the root's CRC32C, its entry count, the pages it occupies, and the
     * value pages it took over from segments ({@link #addRef}: the first {@code carriedCount} of
     * {@code carried}, in no order), which the segments' owners must not free.
     */
    public record Result(int root, int rootCrc, long count, List<Run> runs, List<Run> spare, int[] carried,
            int carriedCount) {
    }

    /**
     * Whether a leaf value of {@code valueLen} bytes under a key of {@code keyLen} bytes lives on a
     * data page of its own, referenced directly by its cell ({@link BlobStore#writeValue}), in a
     * tree of {@code pageSize}-byte pages: such a page can be taken over as it is ({@link #addRef}).
     */
    public static boolean valueTakesOwnPage(int pageSize, int keyLen, long valueLen) {
        CellLayout l = new CellLayout(pageSize);
        return valueLen >= 1 && valueLen <= pageSize && l.leafValueInBlob(keyLen, valueLen, l.leafKeyInBlob(keyLen));
    }

    /** A written node: its page, checksum and key range. */
    private record Built(int page, int crc, byte[] first, byte[] last) {
    }

    /**
     * The leaves of one key range, built by a leaves-only builder ({@link #leavesOnly}) so that
     * several ranges can be built in parallel; {@link #finishFrom} hangs them under one tree.
     */
    public static final class Part {
        private final List<Built> leaves;
        private final long count;
        private final List<Run> runs;
        private final List<Run> spare;
        private final int[] carried;
        private final int carriedCount;

        private Part(List<Built> leaves, long count, List<Run> runs, List<Run> spare, int[] carried,
                int carriedCount) {
            this.carried = carried;
            this.carriedCount = carriedCount;
            this.leaves = leaves;
            this.count = count;
            this.runs = runs;
            this.spare = spare;
        }
    }

    /** One internal level: its open node, its last child, and a full node held back. */
    private static final class Level {
        InternalNode node;
        byte[] first;
        Built lastChild;
        InternalNode held;
        byte[] heldFirst;
        byte[] heldLast;
    }

    private final ExtentSink sink;
    private final RunWriter pages;
    private final CellLayout layout;
    private final int leafLimit;
    private final int sepLimit;
    private final List<Level> levels = new ArrayList<>();
    private final LeafImage leaf;
    private boolean leafOpen;
    private long count;
    private final List<Built> leafList; // leaves-only mode: the finished leaves, in order
    private Built pendingLeaf; // finishFrom: the last leaf seen, not yet hung under level 0
    private int[] carried = new int[0]; // value pages taken over by addRef
    private int carriedCount;

    public TreeBuilder(ExtentSink sink) {
        this(sink, RunWriter.RUN_PAGES);
    }

    /** @param runHint pages to ask the sink for at a time (about the size of the tree to build) */
    public TreeBuilder(ExtentSink sink, int runHint) {
        this(sink, false, runHint);
    }

    /** A builder that writes leaves only, for one key range of a parallel build ({@link #finishLeaves}). */
    public static TreeBuilder leavesOnly(ExtentSink sink, int runHint) {
        return new TreeBuilder(sink, true, runHint);
    }

    private TreeBuilder(ExtentSink sink, boolean leavesOnly, int runHint) {
        this.leafList = leavesOnly ? new ArrayList<>() : null;
        this.sink = sink;
        this.pages = new RunWriter(sink, runHint);
        this.layout = new CellLayout(sink.pageSize());
        this.leafLimit = (int) (layout.pageSize * BulkLoader.FILL);
        this.sepLimit = layout.pageSize - layout.maxCell - 16;
        this.leaf = new LeafImage(layout.pageSize);
    }

    /** Adds a live entry (keys strictly ascending). */
    public void add(byte[] key, byte[] value) throws IOException {
        add(key, 0, key.length, value, 0, value.length);
    }

    /**
     * The same from slices (such as a write buffer's arena), which need to stay unchanged only during
     * the call: the bytes are copied into the leaf's image or a blob.
     */
    public void add(byte[] kb, int ko, int kl, byte[] vb, int vo, int vl) throws IOException {
        boolean keyInBlob = layout.leafKeyInBlob(kl);
        boolean valueInBlob = vl > 0 && layout.leafValueInBlob(kl, vl, keyInBlob);
        openLeafFor(CellLayout.leafCell(kl, vl, keyInBlob, valueInBlob));
        BlobRef keyBlob = keyInBlob ? blob(java.util.Arrays.copyOfRange(kb, ko, ko + kl)) : null;
        BlobRef valueBlob = !valueInBlob ? null : vl <= layout.pageSize ? valuePage(vb, vo, vl)
                : valueBlob(java.util.Arrays.copyOfRange(vb, vo, vo + vl));
        leaf.add(kb, ko, kl, keyBlob, vb, vo, vl, valueBlob);
        count++;
    }

    /**
     * Adds a live entry whose value, {@code valueLen} bytes, is already on page {@code page} of the
     * file with page checksum {@code crc}, written as {@link BlobStore#writeValue} writes a value of
     * at most a page (a segment's value page): the leaf references that page, which the tree then
     * owns (it is listed in {@link Result#carried}). Only for a value that
     * {@link #valueTakesOwnPage}.
     */
    public void addRef(byte[] kb, int ko, int kl, int page, int crc, int valueLen) throws IOException {
        boolean keyInBlob = layout.leafKeyInBlob(kl);
        if (!layout.leafValueInBlob(kl, valueLen, keyInBlob) || valueLen > layout.pageSize || valueLen < 1) {
            throw new IllegalArgumentException("a value of " + valueLen + " bytes under a key of " + kl
                    + " bytes does not take a page of its own");
        }
        openLeafFor(CellLayout.leafCell(kl, valueLen, keyInBlob, true));
        BlobRef keyBlob = keyInBlob ? blob(java.util.Arrays.copyOfRange(kb, ko, ko + kl)) : null;
        leaf.add(kb, ko, kl, keyBlob, null, 0, valueLen, new BlobRef(page, crc, valueLen, true));
        if (carriedCount == carried.length) {
            carried = java.util.Arrays.copyOf(carried, Math.max(1024, carriedCount * 2));
        }
        carried[carriedCount++] = page;
        count++;
    }

    /** Makes sure a leaf is open with room for a cell of {@code cell} bytes (a full one is written first). */
    private void openLeafFor(int cell) throws IOException {
        if (leafOpen && leaf.count() > 0 && leaf.size() + cell > leafLimit) {
            finishLeaf();
        }
        if (!leafOpen) {
            leaf.start(pages.nextPages(1));
            leafOpen = true;
        }
    }

    private BlobRef blob(byte[] data) throws IOException {
        return BlobStore.write(data, layout.pageSize, () -> pages.nextPages(1), this::writeImages);
    }

    private BlobRef valueBlob(byte[] data) throws IOException {
        return BlobStore.writeValue(data, layout.pageSize, () -> pages.nextPages(1), this::writeImages);
    }

    /**
     * A value of at most a page as one data page that the cell references directly (as
     * {@link BlobStore#writeValue} writes it), written from the slice without an image of its own.
     */
    private BlobRef valuePage(byte[] vb, int vo, int vl) throws IOException {
        int page = pages.nextPages(1);
        int crc = Crc.ofPadded(vb, vo, vl, layout.pageSize);
        pages.writePadded(page, vb, vo, vl);
        sink.wroteValuePage(page, vb, vo, vl, crc);
        return new BlobRef(page, crc, vl, true);
    }

    private void writeImages(List<PageIo.Image> images) throws IOException {
        for (PageIo.Image img : images) {
            pages.write(img.pageNo(), img.bytes(), 1);
        }
    }

    private void finishLeaf() throws IOException {
        Built b = writeLeaf();
        if (leafList != null) {
            leafList.add(b);
        } else {
            addChild(0, b);
        }
    }

    /** Writes the open leaf and closes it. */
    private Built writeLeaf() throws IOException {
        byte[] first = leaf.first();
        byte[] last = leaf.last();
        byte[] img = leaf.seal();
        int crc = Crc.of(img);
        pages.write(leaf.page(), img, 1); // copied: the image is reused; not warmed (TreeWarmer does)
        leafOpen = false;
        return new Built(leaf.page(), crc, first, last);
    }

    /** Leaves-only mode: writes the open leaf (if any) and returns the range's leaves. */
    public Part finishLeaves() throws IOException {
        if (leafList == null) {
            throw new IllegalStateException("not a leaves-only builder");
        }
        if (leafOpen) {
            finishLeaf();
        }
        pages.finish();
        return new Part(List.copyOf(leafList), count, pages.runs(), pages.spare(), carried, carriedCount);
    }

    /**
     * Builds the internal levels over the leaves of {@code parts} (consecutive key ranges, in key
     * order) and finishes the tree; its runs and spare pages include the parts'.
     */
    public Result finishFrom(List<Part> parts) throws IOException {
        if (leafList != null || leafOpen || count != 0) {
            throw new IllegalStateException("finishFrom needs a fresh builder");
        }
        for (Part p : parts) {
            for (Built b : p.leaves) {
                if (pendingLeaf != null) {
                    addChild(0, pendingLeaf);
                }
                pendingLeaf = b;
            }
            count += p.count;
        }
        Result r = finish();
        List<Run> runs = new ArrayList<>(r.runs());
        List<Run> spare = new ArrayList<>(r.spare());
        int n = 0;
        for (Part p : parts) {
            runs.addAll(p.runs);
            spare.addAll(p.spare);
            n += p.carriedCount;
        }
        int[] all = new int[n];
        n = 0;
        for (Part p : parts) {
            System.arraycopy(p.carried, 0, all, n, p.carriedCount);
            n += p.carriedCount;
        }
        return new Result(r.root(), r.rootCrc(), r.count(), runs, spare, all, n);
    }

    /**
     * Hangs a finished node under the open node of internal level {@code li} (0 = just above the
     * leaves). A full node is held back until the next node of its level has a separator, so that a
     * lone last child can still join it at the end (room for one more cell is kept, as in
     * {@link BulkLoader}).
     */
    private void addChild(int li, Built child) throws IOException {
        if (levels.size() == li) {
            levels.add(new Level());
        }
        Level lv = levels.get(li);
        if (lv.node != null) {
            byte[] sep = Rebalancer.separator(lv.lastChild.last(), child.first());
            boolean sepInBlob = layout.separatorInBlob(sep.length);
            int cell = CellLayout.internalCell(sep.length, sepInBlob);
            if (lv.node.size + cell <= sepLimit) {
                lv.node.insert(lv.node.n, sep, sepInBlob ? blob(sep) : null, child.page(), child.crc());
                lv.lastChild = child;
                if (lv.held != null) {
                    Built done = writeInternal(lv.held, lv.heldFirst, lv.heldLast);
                    lv.held = null;
                    addChild(li + 1, done);
                }
                return;
            }
            if (lv.held != null) {
                Built done = writeInternal(lv.held, lv.heldFirst, lv.heldLast);
                addChild(li + 1, done);
            }
            lv.held = lv.node;
            lv.heldFirst = lv.first;
            lv.heldLast = lv.lastChild.last();
        }
        lv.node = new InternalNode(pages.nextPages(1), 64);
        lv.node.children[0] = child.page();
        lv.node.childCrcs[0] = child.crc();
        lv.first = child.first();
        lv.lastChild = child;
    }

    /** Closes level {@code li} at the end of the build; returns its last node, or null if it has none. */
    private Built closeLevel(Level lv) throws IOException {
        if (lv.node.n == 0 && lv.held != null) {
            // A lone last child joins the held node (room was kept for it).
            byte[] sep = Rebalancer.separator(lv.heldLast, lv.lastChild.first());
            InternalNode h = lv.held;
            h.insert(h.n, sep, layout.separatorInBlob(sep.length) ? blob(sep) : null, lv.lastChild.page(),
                    lv.lastChild.crc());
            Built done = writeInternal(h, lv.heldFirst, lv.lastChild.last());
            pages.unused(lv.node.pageNo());
            lv.held = null;
            return done;
        }
        return null;
    }

    private Built writeInternal(InternalNode node, byte[] first, byte[] last) throws IOException {
        byte[] img = new byte[layout.pageSize];
        node.encode(img);
        pages.write(node.pageNo(), img, 1);
        int crc = Crc.of(img);
        sink.wroteNodePage(node.pageNo(), img, crc);
        return new Built(node.pageNo(), crc, first, last);
    }

    /** Finishes the tree; with no entries, the result is a single empty leaf. */
    public Result finish() throws IOException {
        if (leafList != null) {
            throw new IllegalStateException("a leaves-only builder finishes with finishLeaves");
        }
        Built top;
        if (pendingLeaf != null) {
            top = pendingLeaf; // finishFrom: the last leaf is written already
            pendingLeaf = null;
        } else {
            if (!leafOpen) {
                leaf.start(pages.nextPages(1));
                leafOpen = true;
            }
            top = writeLeaf();
        }
        for (int li = 0; li < levels.size(); li++) {
            Level lv = levels.get(li);
            addChild(li, top);
            Built lone = closeLevel(lv);
            if (lone != null) {
                top = lone; // the level's last node, with the lone child folded in
            } else {
                if (lv.held != null) {
                    addChild(li + 1, writeInternal(lv.held, lv.heldFirst, lv.heldLast));
                    lv.held = null;
                }
                top = writeInternal(lv.node, lv.first, lv.lastChild.last());
            }
            lv.node = null;
            if (li == levels.size() - 1) {
                break;
            }
        }
        pages.finish();
        return new Result(top.page(), top.crc(), count, pages.runs(), pages.spare(), carried, carriedCount);
    }
}
