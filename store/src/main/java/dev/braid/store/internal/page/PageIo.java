package dev.braid.store.internal.page;

import dev.braid.store.CorruptionException;
import java.io.IOException;
import java.util.List;

/**
 * Where the {@link Pager} reads page images and writes uncommitted ones. The engine implements it
 * over the log (newest frame of a page, committed or not) and the page file.
 */
public interface PageIo {
    /** An image a page is to be written as. */
    record Image(int pageNo, byte[] bytes) {
    }

    /** Takes images one at a time (a commit streams its pages to the log in chunks). */
    @FunctionalInterface
    interface ImageSink {
        void add(Image image) throws IOException;
    }

    /**
     * The newest image of {@code pageNo}: from the log if it has a frame for it, else from the page
     * file. Log frames are verified against their own checksum here; the caller verifies the page
     * checksum it expects.
     */
    byte[] read(int pageNo) throws IOException;

    /**
     * The newest images of the {@code count} consecutive pages from {@code first}, one after the
     * other: as {@link #read} of each, but the pages without a log frame in as few reads of the page
     * file as an implementation can (a scan's value pages).
     */
    default byte[] readRun(int first, int count) throws IOException {
        byte[] out = null;
        for (int i = 0; i < count; i++) {
            byte[] img = read(first + i);
            out = out == null ? new byte[count * img.length] : out;
            System.arraycopy(img, 0, out, i * img.length, img.length);
        }
        return out;
    }

    /** Appends images to the log as frames of the open transaction (not yet committed). */
    void appendUncommitted(List<Image> images) throws IOException;

    /**
     * Writes images straight into the page file, not through the log: pages that neither a commit
     * since the last checkpoint nor a log frame refers to ({@link Pager#takeDirectPage}, or fresh ones past the end). The next
     * commit syncs them before its commit frame. Without a page file of its own, an implementation
     * logs them like {@link #appendUncommitted} (always safe).
     */
    default void writeDirect(List<Image> images) throws IOException {
        appendUncommitted(images);
    }

    /** A corruption error naming the file and offset the newest image of {@code pageNo} came from. */
    CorruptionException corrupt(int pageNo, String problem);
}
