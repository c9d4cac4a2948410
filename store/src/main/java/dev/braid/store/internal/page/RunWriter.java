package dev.braid.store.internal.page;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Lays out pages written straight into the page file by a segment writer or a bulk tree build:
 * hands out page numbers from runs of fresh pages taken from an {@link ExtentSink}, batches images
 * into large sequential writes, and keeps the runs used and the pages left over (which the engine
 * frees when the result is installed). One thread.
 */
public final class RunWriter {
    /** Pages asked for at a time when the caller gives no size. */
    public static final int RUN_PAGES = 1024;
    /** The most pages asked for at a time. */
    static final int MAX_RUN_PAGES = 1 << 16;
    private static final int WRITE_PAGES = 64;

    private final ExtentSink sink;
    private final int pageSize;
    private final List<Run> runs = new ArrayList<>();
    private final List<Run> spare = new ArrayList<>();
    private final List<Integer> unused = new ArrayList<>();
    private final byte[] out;
    private int runStart;
    private int runPages;
    private int runUsed;
    private int outFirst;
    private int outPages;

    private final int runHint;

    public RunWriter(ExtentSink sink) {
        this(sink, RUN_PAGES);
    }

    /** @param runHint pages to ask for at a time (the expected size of what is written) */
    public RunWriter(ExtentSink sink, int runHint) {
        this.sink = sink;
        this.runHint = Math.max(1, Math.min(MAX_RUN_PAGES, runHint));
        this.pageSize = sink.pageSize();
        this.out = new byte[WRITE_PAGES * pageSize];
    }

    public int pageSize() {
        return pageSize;
    }

    /** The first of {@code pages} consecutive pages to write next. */
    public int nextPages(int pages) throws IOException {
        if (runUsed + pages > runPages) {
            closeRun();
            Run r = sink.allocate(pages, Math.max(runHint, pages));
            if (!runs.isEmpty() && runs.get(runs.size() - 1).end() == r.start()) {
                Run last = runs.remove(runs.size() - 1);
                runs.add(new Run(last.start(), last.pages() + r.pages()));
            } else {
                runs.add(r);
            }
            runStart = r.start();
            runPages = r.pages();
            runUsed = 0;
        }
        int page = runStart + runUsed;
        runUsed += pages;
        return page;
    }

    /** Gives the unused tail of the current run back (to {@link #spare()}). */
    private void closeRun() {
        int unused = runPages - runUsed;
        if (unused > 0) {
            spare.add(new Run(runStart + runUsed, unused));
            Run last = runs.remove(runs.size() - 1);
            runs.add(new Run(last.start(), last.pages() - unused));
            runPages = runUsed;
        }
    }

    /** Writes {@code pages} page images from {@code img} at {@code page} (batched). */
    public void write(int page, byte[] img, int pages) throws IOException {
        if (outPages > 0 && (outFirst + outPages != page || outPages + pages > WRITE_PAGES)) {
            drain();
        }
        if (pages > WRITE_PAGES) {
            sink.write(page, img, 0, pages);
            return;
        }
        if (outPages == 0) {
            outFirst = page;
        }
        System.arraycopy(img, 0, out, outPages * pageSize, pages * pageSize);
        outPages += pages;
    }

    /**
     * Writes one page at {@code page} whose image is {@code buf[off, off + len)} followed by zeros
     * (batched, copied straight from the caller's slice).
     */
    public void writePadded(int page, byte[] buf, int off, int len) throws IOException {
        if (outPages > 0 && (outFirst + outPages != page || outPages + 1 > WRITE_PAGES)) {
            drain();
        }
        if (outPages == 0) {
            outFirst = page;
        }
        int at = outPages * pageSize;
        System.arraycopy(buf, off, out, at, len);
        java.util.Arrays.fill(out, at + len, at + pageSize, (byte) 0);
        outPages++;
    }

    private void drain() throws IOException {
        if (outPages > 0) {
            sink.write(outFirst, out, 0, outPages);
            outPages = 0;
        }
    }

    /** Returns a page handed out by {@link #nextPages} that ended up unused (it goes to {@link #spare()}). */
    public void unused(int page) {
        unused.add(page);
    }

    /** Writes what is batched and closes the last run. */
    public void finish() throws IOException {
        drain();
        closeRun();
        for (int page : unused) {
            for (int i = 0; i < runs.size(); i++) {
                Run r = runs.get(i);
                if (page >= r.start() && page < r.end()) {
                    runs.remove(i);
                    if (page + 1 < r.end()) {
                        runs.add(i, new Run(page + 1, r.end() - page - 1));
                    }
                    if (page > r.start()) {
                        runs.add(i, new Run(r.start(), page - r.start()));
                    }
                    spare.add(new Run(page, 1));
                    break;
                }
            }
        }
        unused.clear();
    }

    /** The runs holding written pages (valid after {@link #finish}). */
    public List<Run> runs() {
        return List.copyOf(runs);
    }

    /** Pages taken but not used, to be freed (valid after {@link #finish}). */
    public List<Run> spare() {
        return List.copyOf(spare);
    }

    /** Every run taken, used or not: what to free if the work is abandoned. */
    public List<Run> allTaken() {
        List<Run> all = new ArrayList<>(runs);
        if (runPages > runUsed) {
            all.add(new Run(runStart + runUsed, runPages - runUsed));
        }
        all.addAll(spare);
        return all;
    }
}
