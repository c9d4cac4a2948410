package dev.braid.perf.loops;

import dev.braid.store.Braid;
import dev.braid.store.BraidOptions;
import dev.braid.store.BraidStats;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The harness's processing steps through {@link Braid} alone, to compare engine settings quickly:
 * {@code records} records of {@code valueBytes} loaded through the restore path, then for each
 * round a random-put step of {@code ops} updates, a 50/50 read-update mix committed every 30 s and
 * the same mix committed every 100 ms (exactly-once cadence), each ended by a commit inside its
 * timing. Gets are checked against the value last written. Prints each step's rate, its commits,
 * and the page file's pages and free pages after it.
 *
 * <p>Arguments: records ops valueBytes [rounds, default 1] [budgetBytes, default 3 GiB]
 * [directValuesAfterBytes, default off] [directory, default /tmp].
 */
public final class MixLoop {
    private MixLoop() {
    }

    public static void main(String[] args) throws Exception {
        int records = Integer.parseInt(args[0]);
        int ops = Integer.parseInt(args[1]);
        int valueBytes = Integer.parseInt(args[2]);
        int rounds = args.length > 3 ? Integer.parseInt(args[3]) : 1;
        long budget = args.length > 4 ? Long.parseLong(args[4]) : 3L << 30;
        long direct = args.length > 5 && !args[5].equals("off") ? Long.parseLong(args[5]) : Long.MAX_VALUE;
        Path dir = Files.createTempDirectory(Path.of(args.length > 6 ? args[6] : "/tmp"), "mixloop");
        BraidOptions opts = BraidOptions.builder().cacheBytes(budget).directValuesAfterBytes(direct).build();
        int[] version = new int[records];
        try (Braid b = Braid.open(dir, opts)) {
            PutLoop.load(b, records, valueBytes);
            SplittableRandom rnd = new SplittableRandom(7);
            int[] next = {1};
            for (int r = 0; r < rounds; r++) {
                step(b, "put", rnd, records, ops, 0, 30_000, valueBytes, version, next);
                step(b, "mix 50/50", rnd, records, ops, 50, 30_000, valueBytes, version, next);
                step(b, "EOS 50/50", rnd, records, ops, 50, 100, valueBytes, version, next);
            }
            System.out.println(b.stats());
        } finally {
            LoopDirs.delete(dir);
        }
    }

    private static void step(Braid b, String name, SplittableRandom rnd, int records, int ops, int readPercent,
                             long commitMs, int valueBytes, int[] version, int[] next) {
        long t0 = System.nanoTime();
        long lastCommit = t0;
        long commitNanos = 0;
        int commits = 0;
        for (int op = 0; op < ops; op++) {
            int i = rnd.nextInt(records);
            if (rnd.nextInt(100) < readPercent) {
                byte[] v = b.get(LoopKeys.key(i));
                if (!Arrays.equals(v, PutLoop.value(valueBytes, i, version[i]))) {
                    throw new IllegalStateException(name + ": wrong value of record " + i);
                }
            } else {
                version[i] = next[0]++ & 0x7f;
                b.put(LoopKeys.key(i), PutLoop.value(valueBytes, i, version[i]));
            }
            if ((op & 15) == 15) {
                long now = System.nanoTime();
                if (now - lastCommit >= commitMs * 1_000_000L) {
                    b.commit(Map.of("offset", Integer.toString(op)));
                    long done = System.nanoTime();
                    commitNanos += done - now;
                    commits++;
                    lastCommit = done;
                }
            }
        }
        long tc = System.nanoTime();
        b.commit(Map.of("offset", "end"));
        long t1 = System.nanoTime();
        commitNanos += t1 - tc;
        commits++;
        BraidStats st = b.stats();
        System.out.printf("%-10s %,9.0f ops/s; %d commits %.2f s; pages %,d, free %,d, checkpoints %d, stalls %.1f s%n",
                name, ops / ((t1 - t0) / 1e9), commits, commitNanos / 1e9, st.pageCount(), st.freePages(),
                st.checkpoints(), st.writeStallNanos() / 1e9);
    }
}
