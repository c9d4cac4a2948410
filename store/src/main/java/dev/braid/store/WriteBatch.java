package dev.braid.store;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;

/**
 * An ordered list of puts and deletes that {@link Braid#write(WriteBatch)} applies atomically:
 * readers see all of it or none of it, and the next commit makes all of it durable. Not thread
 * safe; reusable after {@link #clear()}. Keys and values are not copied: do not change the arrays
 * until the batch has been written.
 */
public final class WriteBatch {
    /** One operation; a null value is a delete. */
    public record Op(byte[] key, byte[] value) {
    }

    private final List<Op> ops = new ArrayList<>();
    private long bytes;

    public WriteBatch put(byte[] key, byte[] value) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(value, "value (use delete to remove a key)");
        ops.add(new Op(key, value));
        bytes += key.length + value.length;
        return this;
    }

    public WriteBatch delete(byte[] key) {
        Objects.requireNonNull(key, "key");
        ops.add(new Op(key, null));
        bytes += key.length;
        return this;
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
    }

    /** The operations in the order they were added. */
    public List<Op> ops() {
        return Collections.unmodifiableList(ops);
    }
}
