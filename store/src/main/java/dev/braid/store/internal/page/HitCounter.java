package dev.braid.store.internal.page;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * An exact counter for the cache's hot path, incremented without an atomic instruction: each thread
 * counts in a cell of its own (a plain add, published with an opaque store), and {@link #sum} adds
 * the cells. A {@code LongAdder} starts with a compare-and-swap, a full fence that waits for the
 * lookup's outstanding cache misses: about a tenth of a put's time. The cells of threads that ended
 * are folded into one total when summing and whenever a new thread starts counting, so they do not
 * pile up (nor keep their threads reachable) under thread churn.
 *
 * <p>Thread safety: {@link #increment} from any thread; {@link #sum} from any thread (it sees each
 * cell's latest published count).
 */
final class HitCounter {
    private static final VarHandle VALUE;

    static {
        try {
            VALUE = MethodHandles.lookup().findVarHandle(Cell.class, "value", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private static final class Cell {
        final Thread owner = Thread.currentThread();
        long value; // written by the owner only
    }

    private final CopyOnWriteArrayList<Cell> cells = new CopyOnWriteArrayList<>();
    private final ThreadLocal<Cell> local = ThreadLocal.withInitial(this::register);
    private long retired; // counts of cells whose thread ended; guarded by this
    /**
     * The cell of the thread that counted last: a thread counting many times in a row (a store's
     * writer) skips the thread-local lookup, which costs a probe of the thread's whole map in a
     * thread with many thread-locals (a Kafka Streams thread: 24 % of the 10M put step's samples
     * in one harness profile, in ThreadLocalMap.getEntryAfterMiss). Racy by
     * design: a thread only ever uses a cell whose owner it is, so a stale read costs a lookup.
     */
    private Cell last;

    void increment() {
        Cell c = last;
        if (c == null || c.owner != Thread.currentThread()) {
            c = local.get();
            last = c;
        }
        VALUE.setOpaque(c, c.value + 1);
    }

    /** A cell for the calling thread (its first increment); folds the cells of ended threads. */
    private synchronized Cell register() {
        fold();
        Cell c = new Cell();
        cells.add(c);
        return c;
    }

    synchronized long sum() {
        fold();
        long s = retired;
        for (Cell c : cells) {
            s += (long) VALUE.getOpaque(c);
        }
        return s;
    }

    /** Moves the counts of cells whose thread ended (no more increments) into {@link #retired}. */
    private void fold() {
        for (Cell c : cells) {
            if (!c.owner.isAlive()) {
                cells.remove(c);
                retired += (long) VALUE.getOpaque(c);
            }
        }
    }
}
