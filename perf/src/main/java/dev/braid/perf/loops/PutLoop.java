package dev.braid.perf.loops;

import dev.braid.store.Braid;
import dev.braid.store.BraidOptions;
import dev.braid.store.BraidStats;
import dev.braid.store.WriteBatch;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Sustained B+tree updates through {@link Braid} alone, every commit timed: {@code records} records
 * of {@code valueBytes} loaded through the restore path, then {@code rounds} rounds of {@code puts}
 * random updates, each followed by a commit. The image commits that record commits defer fall
 * inside some round, so the total is the sustained rate (the harness's put step ends before them).
 * Each round also prints the segments (tree writes go to the write buffer while a fold or
 * relocation has the tree frozen), the write stalls so far and the page file's size.
 *
 * <p>Arguments: records puts rounds valueBytes [budgetBytes, default 3 GiB] [directory, default /tmp].
 */
public final class PutLoop {
    private PutLoop() {
    }

    public static void main(String[] args) throws Exception {
        int records = Integer.parseInt(args[0]);
        int puts = Integer.parseInt(args[1]);
        int rounds = Integer.parseInt(args[2]);
        int valueBytes = Integer.parseInt(args[3]);
        long budget = args.length > 4 ? Long.parseLong(args[4]) : 3L << 30;
        Path dir = Files.createTempDirectory(Path.of(args.length > 5 ? args[5] : "/tmp"), "putloop");
        try (Braid b = Braid.open(dir, BraidOptions.builder().cacheBytes(budget).build())) {
            load(b, records, valueBytes);
            SplittableRandom rnd = new SplittableRandom(7);
            long all = 0;
            for (int r = 0; r < rounds; r++) {
                long t0 = System.nanoTime();
                for (int i = 0; i < puts; i++) {
                    b.put(LoopKeys.key(rnd.nextInt(records)), value(valueBytes, i, r + 1));
                }
                long tc = System.nanoTime();
                b.commit(Map.of("offset", Integer.toString(r)));
                long t1 = System.nanoTime();
                all += t1 - t0;
                BraidStats st = b.stats();
                System.out.printf("round %d: %,.0f puts/s, its commit %.2f s; %d segments, write stalls %.1f s in all,"
                        + " page file %,d MiB%n", r, puts / ((t1 - t0) / 1e9), (t1 - tc) / 1e9, st.segments(),
                        st.writeStallNanos() / 1e9, st.pageFileBytes() >> 20);
            }
            System.out.printf("all %,d puts: %.1f s, %,.0f puts/s%n", (long) puts * rounds, all / 1e9,
                    (double) puts * rounds / (all / 1e9));
            System.out.println(b.stats());
        } finally {
            LoopDirs.delete(dir);
        }
    }

    /**
     * Loads {@code records} records (version 0) through the restore path in batches of 1,000, commits,
     * and waits for the merges.
     */
    static void load(Braid b, int records, int valueBytes) {
        WriteBatch wb = new WriteBatch().unlogged();
        for (int i = 0; i < records; i++) {
            wb.blindPut(LoopKeys.key(i), value(valueBytes, i, 0));
            if (wb.size() == 1000) {
                b.write(wb);
                wb = new WriteBatch().unlogged();
            }
        }
        b.write(wb);
        b.commit(Map.of("offset", "load"));
        b.finishMerges();
        b.commit(Map.of("offset", "load"));
    }

    static byte[] value(int len, int i, int version) {
        byte[] v = new byte[len];
        v[0] = (byte) i;
        v[1] = (byte) (i >> 8);
        v[2] = (byte) version;
        return v;
    }
}
