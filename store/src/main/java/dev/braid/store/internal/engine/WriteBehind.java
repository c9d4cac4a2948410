package dev.braid.store.internal.engine;

import java.io.IOException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Syncs the page file on a short-lived helper thread each time another {@link #STEP_BYTES} were
 * written straight into it (segments, folds, direct builds). Without it the kernel starts writing
 * those pages back only when a tenth of memory is dirty, so the sync that makes a restore's
 * segments or a fold's tree durable (D6) would wait for all of them at once, with the disk idle
 * until then; with it the disk works while the writer computes, and that sync finds little left.
 *
 * <p>A failed helper sync is kept and thrown by {@link #check} at the next sync point, which then
 * fails (Linux may report a writeback error to one fsync only). Below one step nothing happens, so
 * small stores (and the crash-point walks, which need a deterministic order of writes and syncs)
 * never see a helper. Thread safety: {@link #wrote} from any writing thread; the helper runs alone.
 */
final class WriteBehind {
    static final long STEP_BYTES = 16L << 20;

    /** The sync the helper makes. */
    @FunctionalInterface
    interface Sync {
        void sync() throws IOException;
    }

    private final Sync sync;
    private final AtomicLong written = new AtomicLong();
    private final AtomicBoolean running = new AtomicBoolean();
    private volatile long synced;
    private volatile IOException failure;
    private volatile boolean closed;
    private volatile Thread helper;

    WriteBehind(Sync sync) {
        this.sync = sync;
    }

    /** Counts {@code bytes} written into the page file; starts the helper when a step is due. */
    void wrote(long bytes) {
        long w = written.addAndGet(bytes);
        if (w - synced >= STEP_BYTES && !closed && failure == null && running.compareAndSet(false, true)) {
            Thread t = new Thread(this::run, Thread.currentThread().getName() + "-write-behind");
            t.setDaemon(true);
            helper = t;
            t.start();
        }
    }

    private void run() {
        while (true) {
            try {
                while (!closed) {
                    long target = written.get();
                    if (target - synced < STEP_BYTES) {
                        break;
                    }
                    sync.sync();
                    synced = target;
                }
            } catch (IOException e) {
                failure = e;
            } finally {
                running.set(false);
            }
            // A write that crossed a step while this was finishing found it running: look again.
            if (closed || failure != null || written.get() - synced < STEP_BYTES
                    || !running.compareAndSet(false, true)) {
                return;
            }
            helper = Thread.currentThread();
        }
    }

    /** Throws what a helper sync failed with; every later sync point fails with it. */
    void check() throws IOException {
        IOException f = failure;
        if (f != null) {
            throw new IOException("a background sync of the page file failed: " + f.getMessage(), f);
        }
    }

    /** Stops the helper, waiting for a sync in progress (before the file closes). */
    void close() {
        closed = true;
        Thread t = helper;
        boolean interrupted = false;
        while (t != null && t.isAlive()) {
            try {
                t.join();
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }
}
