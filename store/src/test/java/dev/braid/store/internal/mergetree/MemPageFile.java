package dev.braid.store.internal.mergetree;

import dev.braid.store.CorruptionException;
import dev.braid.store.internal.page.ExtentSink;
import dev.braid.store.internal.page.PageIo;
import dev.braid.store.internal.page.Run;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;
import java.util.Random;

/**
 * An in-memory page file for tests: an {@link ExtentSink} that hands out runs of fresh pages (of
 * random extra length, with random gaps between them when given a {@link Random}), a
 * {@link SegmentReader.PageSource} and a {@link PageIo} over the same pages. Records which pages
 * were handed out and which were written, and rejects writes outside the handed-out runs and second
 * writes of a page. Page 0 (the header page of a real file) is never handed out. Pages are kept
 * one array each, so a large run that is handed out but barely written costs no memory.
 */
public final class MemPageFile implements ExtentSink, SegmentReader.PageSource, PageIo {
    private final int pageSize;
    private final Random rnd;
    private byte[][] pages = new byte[64][];
    private int pageCount = 1;
    private final BitSet allocated = new BitSet();
    private final BitSet written = new BitSet();
    private final List<Run> handedOut = new ArrayList<>();
    private final List<String> errors = new ArrayList<>();
    private long reads;

    /** @param rnd null for plain bump allocation of exactly the pages asked for */
    public MemPageFile(int pageSize, Random rnd) {
        this.pageSize = pageSize;
        this.rnd = rnd;
    }

    /** A deep copy (to corrupt without disturbing the original). */
    public MemPageFile copy() {
        MemPageFile c = new MemPageFile(pageSize, rnd == null ? null : new Random(rnd.nextLong()));
        c.pages = new byte[pages.length][];
        for (int i = 0; i < pages.length; i++) {
            c.pages[i] = pages[i] == null ? null : pages[i].clone();
        }
        c.pageCount = pageCount;
        c.allocated.or(allocated);
        c.written.or(written);
        c.handedOut.addAll(handedOut);
        return c;
    }

    @Override
    public int pageSize() {
        return pageSize;
    }

    @Override
    public Run allocate(int minPages, int wantPages) {
        if (minPages < 1 || wantPages < minPages) {
            errors.add("allocate(" + minPages + ", " + wantPages + ")");
        }
        if (rnd != null && rnd.nextInt(3) == 0) {
            pageCount += 1 + rnd.nextInt(5); // a gap: pages that belong to someone else
        }
        // sometimes fewer pages than wanted (a free run of the file that is too short)
        int n = rnd == null || rnd.nextInt(4) != 0 ? wantPages : minPages + rnd.nextInt(wantPages - minPages + 1);
        Run r = new Run(pageCount, n);
        pageCount += n;
        ensure(pageCount);
        allocated.set(r.start(), r.end());
        handedOut.add(r);
        return r;
    }

    private void ensure(int count) {
        if (count > pages.length) {
            pages = Arrays.copyOf(pages, Math.max(count, pages.length * 2));
        }
    }

    @Override
    public void write(int firstPage, byte[] buf, int off, int n) throws IOException {
        if (n < 1 || off < 0 || off + (long) n * pageSize > buf.length) {
            errors.add("bad write of " + n + " pages at offset " + off + " of a buffer of " + buf.length);
            throw new IOException("bad write");
        }
        for (int i = 0; i < n; i++) {
            int p = firstPage + i;
            if (!allocated.get(p)) {
                errors.add("write of page " + p + ", which was not handed out");
            }
            if (written.get(p)) {
                errors.add("page " + p + " written twice");
            }
            written.set(p);
            pages[p] = Arrays.copyOfRange(buf, off + i * pageSize, off + (i + 1) * pageSize);
        }
    }

    /** Writes one image without the checks (a log frame or an in-place page write by the tree code). */
    public void put(int pageNo, byte[] image) {
        ensure(pageNo + 1);
        pageCount = Math.max(pageCount, pageNo + 1);
        pages[pageNo] = image.clone();
    }

    @Override
    public byte[] readDirect(int firstPage, int n) throws IOException {
        reads++;
        if (firstPage < 1 || n < 1 || (long) firstPage + n > pageCount) {
            throw corrupt(firstPage, "read of " + n + " pages at " + firstPage + " outside the file");
        }
        byte[] out = new byte[n * pageSize];
        for (int i = 0; i < n; i++) {
            byte[] p = pages[firstPage + i];
            if (p != null) {
                System.arraycopy(p, 0, out, i * pageSize, pageSize);
            }
        }
        return out;
    }

    @Override
    public byte[] read(int pageNo) throws IOException {
        return readDirect(pageNo, 1);
    }

    @Override
    public void appendUncommitted(List<Image> images) {
        for (Image img : images) {
            put(img.pageNo(), img.bytes());
        }
    }

    @Override
    public CorruptionException corrupt(int page, String problem) {
        return new CorruptionException(Path.of("mem"), (long) page * pageSize, problem);
    }

    /** Flips bits {@code mask} (non-zero) of byte {@code offset} of page {@code pageNo}. */
    public void flip(int pageNo, int offset, int mask) {
        if (pages[pageNo] == null) {
            pages[pageNo] = new byte[pageSize];
        }
        pages[pageNo][offset] ^= (byte) mask;
    }

    /** The raw bytes of a page (a copy; zeros when never written). */
    public byte[] page(int pageNo) {
        return pages[pageNo] == null ? new byte[pageSize] : pages[pageNo].clone();
    }

    /** Pages in the file, page 0 included. */
    public int pageCount() {
        return pageCount;
    }

    public BitSet allocated() {
        return (BitSet) allocated.clone();
    }

    public BitSet written() {
        return (BitSet) written.clone();
    }

    public List<Run> handedOut() {
        return List.copyOf(handedOut);
    }

    /** Misuse seen so far (writes outside the handed-out runs, pages written twice, ...). */
    public List<String> errors() {
        return List.copyOf(errors);
    }

    public long reads() {
        return reads;
    }

    /** The pages of a list of runs, checking that they do not overlap. */
    public static BitSet pagesOf(List<Run> runs) {
        BitSet b = new BitSet();
        for (Run r : runs) {
            if (r.pages() < 1 || r.start() < 1) {
                throw new AssertionError("degenerate run " + r);
            }
            if (b.get(r.start(), r.end()).cardinality() != 0) {
                throw new AssertionError("run " + r + " overlaps another of " + runs);
            }
            b.set(r.start(), r.end());
        }
        return b;
    }
}
