package dev.braid.store.internal.mergetree;

import java.io.IOException;

/** A sorted stream of entries (a delete as {@link WriteBuffer#TOMBSTONE}) that a merge reads. */
public interface SortedSource {
    boolean valid();

    byte[] key();

    /** The value, or {@link WriteBuffer#TOMBSTONE} for a delete. */
    byte[] value() throws IOException;

    /** Moves to the next entry in the stream's direction. */
    void next() throws IOException;

    /** Receives a live entry as slices, valid only during the call (a tree builder's or segment writer's {@code add}). */
    @FunctionalInterface
    interface EntrySink {
        void add(byte[] kb, int ko, int kl, byte[] vb, int vo, int vl) throws IOException;
    }

    /**
     * A sink that also takes a value still on a page of its own (a segment's): page {@code page}
     * with page checksum {@code crc}, holding the value's {@code length} bytes.
     */
    interface RefSink extends EntrySink {
        void addRef(byte[] key, int page, int crc, int length) throws IOException;
    }

    /** Whether the current entry is a delete. */
    default boolean isTombstone() throws IOException {
        return value() == WriteBuffer.TOMBSTONE;
    }

    /**
     * Hands the current live entry to {@code to}: {@code key} (its key, as already read) and its
     * value without copying it where the source can.
     */
    default void entryTo(byte[] key, EntrySink to) throws IOException {
        byte[] v = value();
        to.add(key, 0, key.length, v, 0, v.length);
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
            public byte[] value() throws IOException {
                return c.value();
            }

            @Override
            public boolean isTombstone() {
                return c.isTombstone();
            }

            @Override
            public void entryTo(byte[] key, EntrySink to) throws IOException {
                c.entryTo(key, to);
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
