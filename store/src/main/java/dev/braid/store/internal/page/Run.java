package dev.braid.store.internal.page;

/** A run of consecutive pages of the page file: {@code pages} pages from {@code start}. */
public record Run(int start, int pages) {
    public int end() {
        return start + pages;
    }
}
