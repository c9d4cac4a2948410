package dev.braid.store;

/** A key and its value, as returned by an iterator. The arrays belong to the caller. */
public record Entry(byte[] key, byte[] value) {
}
