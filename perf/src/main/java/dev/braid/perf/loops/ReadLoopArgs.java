package dev.braid.perf.loops;

import dev.braid.store.Braid;
import dev.braid.store.BraidOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The arguments the read loops ({@link GetLoop}, {@link ScanLoop}) share: records valueBytes rounds
 * [budgetBytes, default 3 GiB] [ops, default per loop] [directory, default /tmp], and the store
 * they read: opened in a new directory there and loaded through the restore path.
 */
record ReadLoopArgs(int records, int valueBytes, int rounds, long budget, int ops, Path dir) {
    static ReadLoopArgs parse(String[] args, int defaultOps, String prefix) throws IOException {
        return new ReadLoopArgs(Integer.parseInt(args[0]), Integer.parseInt(args[1]), Integer.parseInt(args[2]),
                args.length > 3 ? Long.parseLong(args[3]) : 3L << 30,
                args.length > 4 ? Integer.parseInt(args[4]) : defaultOps,
                Files.createTempDirectory(Path.of(args.length > 5 ? args[5] : "/tmp"), prefix));
    }

    /** Opens the store and loads it ({@link PutLoop#load}), printing how long the load took. */
    Braid openLoaded() {
        Braid b = Braid.open(dir, BraidOptions.builder().cacheBytes(budget).build());
        long t = System.nanoTime();
        PutLoop.load(b, records, valueBytes);
        System.out.printf("load: %.1f s%n", (System.nanoTime() - t) / 1e9);
        return b;
    }
}
