package dev.braid.store.internal.page;

import java.io.IOException;

/**
 * Where a segment (or a bulk-built tree) is written: runs of fresh pages handed out by the engine
 * and recorded as reserved until the result is installed (so a crash before that reclaims them),
 * written straight into the page file, not through the log.
 */
public interface ExtentSink {
    /**
     * A run of fresh pages: at least {@code minPages}, at most {@code wantPages} (a free run of the
     * file, or pages past its end).
     */
    Run allocate(int minPages, int wantPages) throws IOException;

    /** Writes {@code pages} page images from {@code buf[off..]} at page {@code firstPage}. */
    void write(int firstPage, byte[] buf, int off, int pages) throws IOException;

    int pageSize();

    /**
     * Tells the sink that page {@code pageNo}, just written, holds a tree value of {@code len} bytes
     * (from {@code buf[off..]}, zero-padded) with page checksum {@code crc}: a sink may keep a copy
     * for later gets. The slice may change after the call.
     */
    default void wroteValuePage(int pageNo, byte[] buf, int off, int len, int crc) {
    }

    /**
     * Tells the sink that page {@code pageNo}, just written, is the internal tree node {@code image}
     * with checksum {@code crc}: a sink may keep it, decoded, for later reads (leaves are not offered:
     * the store reads them back after the install, {@code TreeWarmer}). The image may change after
     * the call.
     */
    default void wroteNodePage(int pageNo, byte[] image, int crc) {
    }
}
