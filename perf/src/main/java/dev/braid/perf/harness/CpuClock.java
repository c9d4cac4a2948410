package dev.braid.perf.harness;

import java.lang.management.ManagementFactory;

/**
 * CPU time of the whole process: every thread, the engines' background threads (RocksDB's native
 * flush and compaction threads, Braid's merge and checkpoint threads), JIT and GC included. Unlike
 * wall-clock rates it hardly changes when other processes compete for the cores.
 */
final class CpuClock {
    private static final com.sun.management.OperatingSystemMXBean OS =
            ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean b ? b : null;

    private CpuClock() {
    }

    /** Process CPU nanoseconds so far, or -1 when the JVM cannot tell. */
    static long processNanos() {
        return OS == null ? -1 : OS.getProcessCpuTime();
    }

    /** CPU microseconds per operation between two readings, or NaN when unknown. */
    static double microsPerOp(long startNanos, long endNanos, double ops) {
        return startNanos < 0 || endNanos < 0 || !(ops > 0) ? Double.NaN : (endNanos - startNanos) / 1e3 / ops;
    }
}
