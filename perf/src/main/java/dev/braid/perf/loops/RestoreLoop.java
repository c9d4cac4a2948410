package dev.braid.perf.loops;

import dev.braid.store.Braid;
import dev.braid.store.BraidOptions;
import dev.braid.store.WriteBatch;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Repeated restores into new stores in one JVM, to separate JIT warm-up from steady state: each
 * round writes {@code records} unlogged blind puts in batches of 1,000 into a new store, commits,
 * finishes the merges and commits again (the harness's restore), then deletes the store. With
 * {@code sleepMs} &gt; 0 every other round from the fourth on follows a sleep (memory the last round
 * freed may go back to the host of a VM meanwhile).
 *
 * <p>Arguments: records rounds sleepMs [budgetBytes, default 1 GiB] [directory, default /tmp]
 * [valueBytes, default 100].
 */
public final class RestoreLoop {
    private RestoreLoop() {
    }

    public static void main(String[] args) throws Exception {
        int records = Integer.parseInt(args[0]);
        int rounds = Integer.parseInt(args[1]);
        long sleepMs = Long.parseLong(args[2]);
        long budget = args.length > 3 ? Long.parseLong(args[3]) : 1L << 30;
        Path parent = Path.of(args.length > 4 ? args[4] : "/tmp");
        byte[] v = new byte[args.length > 5 ? Integer.parseInt(args[5]) : 100];
        for (int r = 0; r < rounds; r++) {
            Path dir = Files.createTempDirectory(parent, "restoreloop");
            long t0 = System.nanoTime();
            long tc;
            dev.braid.store.BraidStats st;
            try (Braid b = Braid.open(dir, BraidOptions.builder().cacheBytes(budget).build())) {
                WriteBatch wb = new WriteBatch().unlogged();
                for (int i = 0; i < records; i++) {
                    v[0] = (byte) i;
                    wb.blindPut(LoopKeys.key(i), v.clone());
                    if (wb.size() == 1000) {
                        b.write(wb);
                        wb = new WriteBatch().unlogged();
                    }
                }
                b.write(wb);
                tc = System.nanoTime();
                b.commit(Map.of("offset", "1"));
                b.finishMerges();
                b.commit(Map.of("offset", "2"));
                st = b.stats();
            }
            long t1 = System.nanoTime();
            System.out.printf("round %d: %,.0f records/s (ingest %.2f s, commit, build and merges %.2f s);"
                            + " %,d bytes written a record, %d merges, page file %,d MiB with %,d free pages%n", r,
                    records / ((t1 - t0) / 1e9), (tc - t0) / 1e9, (t1 - tc) / 1e9, st.bytesWritten() / records,
                    st.merges(), st.pageFileBytes() >> 20, st.freePages());
            LoopDirs.delete(dir);
            if (sleepMs > 0 && r >= 3 && r % 2 == 1) {
                Thread.sleep(sleepMs);
                System.out.printf("  (slept %d ms)%n", sleepMs);
            }
        }
    }
}
