package dev.braid.store.internal.engine;

import dev.braid.store.internal.page.ExtentSink;
import dev.braid.store.internal.page.Run;
import java.io.IOException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Syncs the page file on a helper thread while a large build is still writing it, each time another
 * {@link #STEP_BYTES} were written: the kernel would otherwise start writing the new pages back only
 * at the final sync (dirty pages are written back from a tenth of memory on), which then waits for
 * all of them. The final sync is still made by the build (D6). A failed early sync fails the build:
 * an error reported to one fsync may not be reported again to the next.
 */
final class EarlySync {
    static final long STEP_BYTES = 16L << 20;

    private final Storage storage;
    private final AtomicLong written = new AtomicLong();
    private final Object signal = new Object();
    private final Thread thread;
    private volatile boolean stopping;
    private volatile IOException failure;

    EarlySync(Storage storage) {
        this.storage = storage;
        this.thread = new Thread(this::run, Thread.currentThread().getName() + "-sync");
        this.thread.setDaemon(true);
        this.thread.start();
    }

    /** {@code sink}, counting what is written through it. */
    ExtentSink counting(ExtentSink sink) {
        return new ExtentSink() {
            @Override
            public Run allocate(int minPages, int wantPages) throws IOException {
                return sink.allocate(minPages, wantPages);
            }

            @Override
            public void write(int firstPage, byte[] buf, int off, int pages) throws IOException {
                sink.write(firstPage, buf, off, pages);
                long before = written.getAndAdd((long) pages * sink.pageSize());
                if ((before + (long) pages * sink.pageSize()) / STEP_BYTES != before / STEP_BYTES) {
                    synchronized (signal) {
                        signal.notifyAll();
                    }
                }
            }

            @Override
            public int pageSize() {
                return sink.pageSize();
            }
        };
    }

    private void run() {
        long synced = 0;
        while (!stopping) {
            long w = written.get();
            if (w - synced >= STEP_BYTES) {
                try {
                    storage.syncPageFile();
                } catch (IOException e) {
                    failure = e;
                    return;
                }
                synced = w;
                continue;
            }
            synchronized (signal) {
                if (!stopping && written.get() - synced < STEP_BYTES) {
                    try {
                        signal.wait(50);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }
        }
    }

    /** Stops the helper (waiting for a sync in progress); throws what an early sync failed with. */
    void stop() throws IOException {
        stopping = true;
        synchronized (signal) {
            signal.notifyAll();
        }
        boolean interrupted = false;
        while (true) {
            try {
                thread.join();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        if (failure != null) {
            throw failure;
        }
    }
}
