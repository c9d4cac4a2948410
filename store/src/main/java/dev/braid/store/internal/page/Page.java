package dev.braid.store.internal.page;

/**
 * A decoded page held in memory: what the {@link PageCache} stores and the {@link Pager} hands out.
 * Subclasses (tree nodes) know their encoded size and how to write themselves into a page image.
 * Guarded by the owning store's read/write lock: only the store's writer mutates a page, and only
 * while it is dirty (never while it sits in the shared cache).
 */
public abstract class Page {
    private final int pageNo;
    /** True while the page is in its store's dirty set; written by the store's writer only. */
    boolean dirty;
    /** CLOCK's referenced flag while the page is in the {@link PageCache}: a racy hint. */
    volatile boolean referenced;

    protected Page(int pageNo) {
        this.pageNo = pageNo;
    }

    public final int pageNo() {
        return pageNo;
    }

    public final boolean isDirty() {
        return dirty;
    }

    /**
     * Called by the pager just before the page becomes dirty: a page kept in a compact read-only
     * form turns itself into its mutable form here. Writer only.
     */
    protected void beforeChange() {
    }

    /** Bytes the encoded page uses (must stay at or below the page size once the writer is done). */
    public abstract int encodedSize();

    /** Writes the page image into {@code image} (a zeroed array of the page size). */
    public abstract void encode(byte[] image);

    /** Estimated heap footprint, charged against the cache budget. */
    public abstract long heapBytes();
}
