package dev.braid.store.internal.page;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * An exact counter for the cache's hot path, incremented without an atomic instruction: each thread
 * counts in a cell of its own (a plain add, published with an opaque store), and {@link #sum} adds
 * the cells. A {@code LongAdder} starts with a compare-and-swap, a full fence that waits for the
 * lookup's outstanding cache misses: about a tenth of a put's time. The cells of threads that ended
 * are folded into one total when summing.
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
    private final ThreadLocal<Cell> local = ThreadLocal.withInitial(() -> {
        Cell c = new Cell();
        cells.add(c);
        return c;
    });
    private long retired; // counts of cells whose thread ended; guarded by this

    void increment() {
        Cell c = local.get();
        VALUE.setOpaque(c, c.value + 1);
    }

    synchronized long sum() {
        long s = retired;
        for (Cell c : cells) {
            long v = (long) VALUE.getOpaque(c);
            if (!c.owner.isAlive()) {
                cells.remove(c); // its thread ended: no more increments
                retired += v;
            }
            s += v;
        }
        return s;
    }
}
