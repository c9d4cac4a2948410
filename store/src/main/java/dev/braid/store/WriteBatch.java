package dev.braid.store;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;

/**
 * An ordered list of puts, deletes and range deletes that {@link Braid#write(WriteBatch)} applies
 * atomically: readers see all of it or none of it, and the next commit makes all of it durable.
 * Not thread safe; reusable after {@link #clear()}. Keys and values are not copied: do not change
 * the arrays until the batch has been written.
 */
public final class WriteBatch {
    /**
     * One operation; a null value is a delete; {@code blind} puts it on the blind-write path. A
     * range delete has a {@code range} and no key or value.
     */
    public record Op(byte[] key, byte[] value, boolean blind, KeyRange range) {
        /** A put or delete, blind or not. */
        public Op(byte[] key, byte[] value, boolean blind) {
            this(Objects.requireNonNull(key, "key"), value, blind, null);
        }

        /** A tree write (not blind). */
        public Op(byte[] key, byte[] value) {
            this(key, value, false);
        }

        /** A range delete: see {@link Braid#deleteRange}. */
        public static Op deleteRange(KeyRange range) {
            return new Op(null, null, false, Objects.requireNonNull(range, "range"));
        }

        /** Whether this is a range delete. */
        public boolean isRangeDelete() {
            return range != null;
        }
    }

    private final List<Op> ops = new ArrayList<>();
    private long bytes;
    private boolean unlogged;

    public WriteBatch put(byte[] key, byte[] value) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(value, "value (use delete to remove a key)");
        ops.add(new Op(key, value, false));
        bytes += key.length + value.length;
        return this;
    }

    public WriteBatch delete(byte[] key) {
        Objects.requireNonNull(key, "key");
        ops.add(new Op(key, null, false));
        bytes += key.length;
        return this;
    }

    /** A blind put: see {@link Braid#blindPut}. */
    public WriteBatch blindPut(byte[] key, byte[] value) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(value, "value (use blindDelete to remove a key)");
        ops.add(new Op(key, value, true));
        bytes += key.length + value.length;
        return this;
    }

    /** A blind delete: see {@link Braid#blindDelete}. */
    public WriteBatch blindDelete(byte[] key) {
        Objects.requireNonNull(key, "key");
        ops.add(new Op(key, null, true));
        bytes += key.length;
        return this;
    }

    /**
     * Deletes every key of {@code range} at this point of the batch (writes after it in the batch
     * stay): see {@link Braid#deleteRange}. With the batch's other operations it is atomic for
     * readers and becomes durable at the same commit.
     */
    public WriteBatch deleteRange(KeyRange range) {
        ops.add(Op.deleteRange(range));
        return this;
    }

    /**
     * Marks the batch's blind writes as unlogged: the caller can replay them from elsewhere (a
     * changelog), so they need not be written to the log. Braid never logs blind writes today (a
     * commit writes them out with the rest), so the mark changes nothing yet; it records intent.
     */
    public WriteBatch unlogged() {
        this.unlogged = true;
        return this;
    }

    /** Whether {@link #unlogged()} was called. */
    public boolean isUnlogged() {
        return unlogged;
    }

    /** Number of operations. */
    public int size() {
        return ops.size();
    }

    /** Sum of key and value lengths of all operations. */
    public long payloadBytes() {
        return bytes;
    }

    public void clear() {
        ops.clear();
        bytes = 0;
        unlogged = false;
    }

    /** The operations in the order they were added. */
    public List<Op> ops() {
        return Collections.unmodifiableList(ops);
    }
}
