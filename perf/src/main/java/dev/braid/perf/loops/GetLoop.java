package dev.braid.perf.loops;

import dev.braid.store.Braid;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
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
        ReadLoopArgs a = ReadLoopArgs.parse(args, 200_000, "getloop");
        var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        try (Braid b = a.openLoaded()) {
            SplittableRandom rnd = new SplittableRandom(13);
            for (int r = 0; r < a.rounds(); r++) {
                long cpu0 = os.getProcessCpuTime();
                long gc0 = gcMillis();
                long t0 = System.nanoTime();
                long seen = 0;
                for (int i = 0; i < a.ops(); i++) {
                    seen += b.get(LoopKeys.key(rnd.nextInt(a.records()))).length;
                }
                long t1 = System.nanoTime();
                System.out.printf("round %d: gets %,.0f ops/s, CPU %.2f us an op, GC %d ms (%d)%n", r,
                        a.ops() / ((t1 - t0) / 1e9), (os.getProcessCpuTime() - cpu0) / 1e3 / a.ops(), gcMillis() - gc0,
                        seen & 1);
            }
            System.out.println(b.stats());
        } finally {
            LoopDirs.delete(a.dir());
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
