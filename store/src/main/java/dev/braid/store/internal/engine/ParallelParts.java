package dev.braid.store.internal.engine;

import java.io.IOException;

/**
 * Runs the parts of one job (the key ranges of a parallel fold or direct build): part 0 on the
 * calling thread, the others on daemon threads of their own, and waits for all of them. Stateless.
 */
final class ParallelParts {
    private ParallelParts() {
    }

    /** One part of the job. */
    @FunctionalInterface
    interface Part {
        void run(int index) throws Throwable;
    }

    /**
     * Runs parts {@code 0..n-1} (threads named {@code name + index}) and returns what each threw,
     * null where it succeeded. The parts are always waited for: an interrupt of the caller calls
     * {@code onInterrupt} (which may tell them to stop) and is kept for the caller afterwards.
     */
    static Throwable[] run(int n, String name, Part part, Runnable onInterrupt) {
        Throwable[] errors = new Throwable[n];
        Thread[] threads = new Thread[n];
        for (int i = 1; i < n; i++) {
            int p = i;
            threads[i] = new Thread(() -> {
                try {
                    part.run(p);
                } catch (Throwable t) {
                    errors[p] = t;
                }
            }, name + i);
            threads[i].setDaemon(true);
            threads[i].start();
        }
        try {
            part.run(0);
        } catch (Throwable t) {
            errors[0] = t;
        }
        boolean interrupted = false;
        for (int i = 1; i < n; i++) {
            while (true) {
                try {
                    threads[i].join();
                    break;
                } catch (InterruptedException e) {
                    interrupted = true;
                    onInterrupt.run();
                }
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        return errors;
    }

    /** Throws {@code t} when it is not null (parts throw I/O, runtime exceptions and errors only). */
    static void rethrow(Throwable t) throws IOException {
        if (t instanceof IOException io) {
            throw io;
        } else if (t instanceof RuntimeException re) {
            throw re;
        } else if (t instanceof Error er) {
            throw er;
        } else if (t != null) {
            throw new IllegalStateException("a parallel part failed", t);
        }
    }
}
