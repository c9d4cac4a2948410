package dev.braid.store.internal.engine;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * Whether the store's writers have been quiet for a while, as the merge job sees it: a relocation
 * rewrites the whole tree and freezes it meanwhile (every write then goes to the write buffer and
 * becomes segments), so it waits until no write came for a few seconds. Writing threads count
 * their writes with an opaque store (no fence on the put path; racing writers may lose an
 * increment, which does not matter: only whether the count moves is read); the job polls. A
 * relocation under way is given up when the count moves.
 */
final class WriterActivity {
    private static final VarHandle WRITES;

    static {
        try {
            WRITES = MethodHandles.lookup().findVarHandle(WriterActivity.class, "writes", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    @SuppressWarnings("unused") // through WRITES
    private long writes;
    private long seen; // job thread: the count last read, and since when it has not moved
    private long seenAt = System.nanoTime();
    private volatile boolean flushing;

    /**
     * The writer starts ({@code true}) or ends a flush of its write buffer: a flush takes seconds for
     * a large buffer, and the writer is not quiet meanwhile although it writes nothing new.
     */
    void flushing(boolean on) {
        flushing = on;
        WRITES.setOpaque(this, (long) WRITES.getOpaque(this) + 1);
    }

    /** A write of data is being applied (any writing thread; commits are not writes). */
    void wrote() {
        WRITES.setOpaque(this, (long) WRITES.getOpaque(this) + 1);
    }

    /** The writes counted so far (any thread): a change means a write came. */
    long count() {
        return (long) WRITES.getOpaque(this);
    }

    /** Whether no write came for {@code nanos}, as far as the polling thread has watched (one thread). */
    boolean quietFor(long nanos) {
        long w = (long) WRITES.getOpaque(this);
        long now = System.nanoTime();
        if (w != seen || flushing) {
            seen = w;
            seenAt = now;
            return false;
        }
        return now - seenAt >= nanos;
    }
}
