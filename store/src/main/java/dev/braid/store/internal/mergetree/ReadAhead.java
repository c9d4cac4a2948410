package dev.braid.store.internal.mergetree;

import dev.braid.store.internal.page.Run;
import java.io.IOException;
import java.util.List;

/**
 * A read window for a one-pass walk over a segment (a merge): block reads are served from one large
 * read of up to {@link #WINDOW_PAGES} pages, bounded by the segment's run that holds them. A merge
 * reads many segments of one file in interleaved order, which defeats the kernel's read-ahead; page
 * reads of 4 KiB that miss the OS cache would then each cost a device round trip. The blocks are
 * still verified against their checksums by the caller. One thread.
 */
final class ReadAhead {
    static final int WINDOW_PAGES = 128;

    private final List<Run> runs;
    private final int pageSize;
    private byte[] window;
    private int first;
    private int count;

    ReadAhead(List<Run> runs, int pageSize) {
        this.runs = runs;
        this.pageSize = pageSize;
    }

    /** The image of {@code pages} pages at {@code page}, from the window or a fresh one. */
    byte[] read(SegmentReader.PageSource source, int page, int pages) throws IOException {
        if (window == null || page < first || page + pages > first + count) {
            int end = page + pages;
            for (Run r : runs) {
                if (page >= r.start() && page < r.end()) {
                    end = Math.max(end, Math.min(r.end(), page + WINDOW_PAGES));
                    break;
                }
            }
            window = source.readDirect(page, end - page);
            first = page;
            count = end - page;
        }
        byte[] img = new byte[pages * pageSize];
        System.arraycopy(window, (page - first) * pageSize, img, 0, img.length);
        return img;
    }
}
