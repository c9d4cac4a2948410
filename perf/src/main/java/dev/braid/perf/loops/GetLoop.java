package dev.braid.perf.loops;

import dev.braid.store.Braid;
import dev.braid.store.BraidOptions;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;

/**
 * Random gets (hits) of a loaded store through {@link Braid} alone, as the harness's get step does
 * them right after a restore: {@code rounds} rounds of {@code ops} gets, each timed, with the
 * process's CPU time and the collector's time of the round, so that a change to the read path can
 * be measured without the harness. {@code records} records of {@code valueBytes} are loaded
 * through the restore path ({@link PutLoop#load}) first.
 *
 * <p>Arguments: records valueBytes rounds [budgetBytes, default 3 GiB] [ops a round, default
 * 200,000] [directory, default /tmp].
 */
public final class GetLoop {
    private GetLoop() {
    }

    public static void main(String[] args) throws Exception {
        int records = Integer.parseInt(args[0]);
        int valueBytes = Integer.parseInt(args[1]);
        int rounds = Integer.parseInt(args[2]);
        long budget = args.length > 3 ? Long.parseLong(args[3]) : 3L << 30;
        int ops = args.length > 4 ? Integer.parseInt(args[4]) : 200_000;
        Path dir = Files.createTempDirectory(Path.of(args.length > 5 ? args[5] : "/tmp"), "getloop");
        var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        try (Braid b = Braid.open(dir, BraidOptions.builder().cacheBytes(budget).build())) {
            long t = System.nanoTime();
            PutLoop.load(b, records, valueBytes);
            System.out.printf("load: %.1f s%n", (System.nanoTime() - t) / 1e9);
            SplittableRandom rnd = new SplittableRandom(13);
            for (int r = 0; r < rounds; r++) {
                long cpu0 = os.getProcessCpuTime();
                long gc0 = gcMillis();
                long t0 = System.nanoTime();
                long seen = 0;
                for (int i = 0; i < ops; i++) {
                    seen += b.get(LoopKeys.key(rnd.nextInt(records))).length;
                }
                long t1 = System.nanoTime();
                System.out.printf("round %d: gets %,.0f ops/s, CPU %.2f us an op, GC %d ms (%d)%n", r,
                        ops / ((t1 - t0) / 1e9), (os.getProcessCpuTime() - cpu0) / 1e3 / ops, gcMillis() - gc0,
                        seen & 1);
            }
            System.out.println(b.stats());
        } finally {
            LoopDirs.delete(dir);
        }
    }

    private static long gcMillis() {
        long sum = 0;
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            sum += Math.max(0, gc.getCollectionTime());
        }
        return sum;
    }
}
