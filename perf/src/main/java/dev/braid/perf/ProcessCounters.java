package dev.braid.perf;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;

/**
 * A snapshot of the whole JVM process's counters: wall clock, CPU time of all its threads (the
 * benchmark thread, the engines' background threads, also JIT and GC), the bytes it passed to
 * read and write system calls ({@code rchar}/{@code wchar} of {@code /proc/self/io}, Linux only:
 * NaN elsewhere), and the garbage collectors' accumulated collection time. Process-wide CPU and
 * I/O do not suffer from other processes competing for the cores the way wall-clock rates do.
 */
record ProcessCounters(long nanos, long cpuNanos, long readBytes, long writtenBytes, long gcMillis) {
    private static final Path PROC_IO = Paths.get("/proc/self/io");
    private static final com.sun.management.OperatingSystemMXBean OS = osBean();

    static ProcessCounters now() {
        long read = -1;
        long written = -1;
        if (Files.isReadable(PROC_IO)) {
            try {
                for (String line : Files.readAllLines(PROC_IO)) {
                    if (line.startsWith("rchar:")) {
                        read = Long.parseLong(line.substring(6).trim());
                    } else if (line.startsWith("wchar:")) {
                        written = Long.parseLong(line.substring(6).trim());
                    }
                }
            } catch (IOException | NumberFormatException e) {
                read = -1;
                written = -1;
            }
        }
        long cpu = OS != null ? OS.getProcessCpuTime() : -1;
        long gc = 0;
        for (var bean : ManagementFactory.getGarbageCollectorMXBeans()) {
            long t = bean.getCollectionTime();
            gc = gc < 0 || t < 0 ? -1 : gc + t;
        }
        return new ProcessCounters(System.nanoTime(), cpu, read, written, gc);
    }

    /**
     * Milliseconds the garbage collectors reported since {@code start} (on JDK 17 with G1: the
     * stop-the-world pauses), or NaN when unknown.
     */
    double gcMillisSince(ProcessCounters start) {
        return gcMillis < 0 || start.gcMillis < 0 ? Double.NaN : gcMillis - start.gcMillis;
    }

    /** Elapsed wall-clock nanoseconds since {@code start}. */
    long nanosSince(ProcessCounters start) {
        return nanos - start.nanos;
    }

    /** CPU microseconds per operation since {@code start}, or NaN when unknown. */
    double cpuMicrosPerOp(ProcessCounters start, long ops) {
        return cpuNanos < 0 || start.cpuNanos < 0 ? Double.NaN : (cpuNanos - start.cpuNanos) / 1e3 / ops;
    }

    /** Bytes read per operation since {@code start}, or NaN when unknown. */
    double readPerOp(ProcessCounters start, long ops) {
        return readBytes < 0 || start.readBytes < 0 ? Double.NaN : (double) (readBytes - start.readBytes) / ops;
    }

    /** Bytes written per operation since {@code start}, or NaN when unknown. */
    double writtenPerOp(ProcessCounters start, long ops) {
        return writtenBytes < 0 || start.writtenBytes < 0
                ? Double.NaN : (double) (writtenBytes - start.writtenBytes) / ops;
    }

    /** The 1-, 5- and 15-minute load averages of the machine, or "unknown". */
    static String loadAverage() {
        try {
            String[] parts = Files.readString(Paths.get("/proc/loadavg")).trim().split("\\s+");
            return parts[0] + " " + parts[1] + " " + parts[2];
        } catch (IOException | RuntimeException e) {
            double l = ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
            return l < 0 ? "unknown" : String.format(java.util.Locale.ROOT, "%.2f", l);
        }
    }

    private static com.sun.management.OperatingSystemMXBean osBean() {
        var bean = ManagementFactory.getOperatingSystemMXBean();
        return bean instanceof com.sun.management.OperatingSystemMXBean b ? b : null;
    }
}
