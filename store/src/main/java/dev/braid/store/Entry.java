package dev.braid.store;

import java.util.Arrays;

/** A key and its value, as returned by an iterator. The arrays belong to the caller. */
public record Entry(byte[] key, byte[] value) {
    /** Equal when both keys and both values hold the same bytes. */
    @Override
    public boolean equals(Object o) {
        return o instanceof Entry e && Arrays.equals(key, e.key) && Arrays.equals(value, e.value);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(key) + Arrays.hashCode(value);
    }

    @Override
    public String toString() {
        return "Entry[key=" + Arrays.toString(key) + ", value=" + (value == null ? "null" : value.length + " bytes") + "]";
    }
}
