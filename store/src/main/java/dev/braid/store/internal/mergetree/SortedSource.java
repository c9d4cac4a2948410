package dev.braid.store.internal.mergetree;

import java.io.IOException;

/** A sorted stream of entries (a delete as {@link WriteBuffer#TOMBSTONE}) that a merge reads. */
public interface SortedSource {
    boolean valid();

    byte[] key();

    byte[] value();

    /** Moves to the next entry in the stream's direction. */
    void next() throws IOException;

    /** Receives a value as a slice, valid only during the call. */
    @FunctionalInterface
    interface ValueSlice {
        void accept(byte[] buf, int off, int len) throws IOException;
    }

    /** Whether the current entry is a delete. */
    default boolean isTombstone() {
        return value() == WriteBuffer.TOMBSTONE;
    }

    /** Hands the current (live) entry's value to {@code to} without copying it where the source can. */
    default void valueSlice(ValueSlice to) throws IOException {
        byte[] v = value();
        to.accept(v, 0, v.length);
    }

    /** A segment cursor as a source, moving forward or backward. */
    public static SortedSource of(SegmentCursor c, boolean reverse) {
        return new SortedSource() {
            byte[] key = c.valid() ? c.key() : null;

            @Override
            public boolean valid() {
                return key != null;
            }

            @Override
            public byte[] key() {
                return key;
            }

            @Override
            public byte[] value() {
                return c.value();
            }

            @Override
            public boolean isTombstone() {
                return c.isTombstone();
            }

            @Override
            public void valueSlice(ValueSlice to) throws IOException {
                c.valueSlice(to);
            }

            @Override
            public void next() throws IOException {
                if (reverse) {
                    c.prev();
                } else {
                    c.next();
                }
                key = c.valid() ? c.key() : null;
            }
        };
    }

    /** Entries {@code [from, to)} of parallel sorted arrays (from > to walks backward). */
    public static SortedSource of(byte[][] keys, byte[][] values, int from, int to) {
        return new SortedSource() {
            final int step = from <= to ? 1 : -1;
            int i = from;

            @Override
            public boolean valid() {
                return i != to;
            }

            @Override
            public byte[] key() {
                return keys[i];
            }

            @Override
            public byte[] value() {
                return values[i];
            }

            @Override
            public void next() {
                i += step;
            }
        };
    }
}
