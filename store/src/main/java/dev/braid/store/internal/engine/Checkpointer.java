package dev.braid.store.internal.engine;

import java.io.IOException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a store's checkpoints in the background when its log passes the threshold. All stores of the
 * JVM share one daemon thread, so a process with many stores does not get many threads. At most one
 * request per store is queued. Thread safe.
 */
final class Checkpointer {
    private static final Logger LOG = LoggerFactory.getLogger(Checkpointer.class);
    private static final ExecutorService POOL = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "braid-checkpointer");
        t.setDaemon(true);
        return t;
    });

    private final Storage storage;
    private final Consumer<IOException> onFailure;
    private final AtomicBoolean queued = new AtomicBoolean();

    Checkpointer(Storage storage, Consumer<IOException> onFailure) {
        this.storage = storage;
        this.onFailure = onFailure;
    }

    /** Asks for a checkpoint soon; returns at once. */
    void request() {
        if (queued.compareAndSet(false, true)) {
            POOL.execute(() -> {
                queued.set(false);
                try {
                    storage.checkpoint();
                } catch (IOException e) {
                    LOG.error("background checkpoint failed; the store is now failed", e);
                    onFailure.accept(e);
                } catch (RuntimeException e) {
                    LOG.error("background checkpoint failed", e);
                    onFailure.accept(new IOException(e));
                }
            });
        }
    }
}
