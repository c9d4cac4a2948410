package dev.braid.perf.harness;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Memory figures of this process: heap in use after a full collection (what the live objects hold,
 * Braid's pages and buffers and the in-memory store's map included) and the resident-set high-water
 * mark ({@code VmHWM} of {@code /proc/self/status}, Linux only), which covers native memory too but
 * only means something per store kind in a JVM of its own ({@code --fork}).
 */
final class MemoryProbe {
    private static final Path STATUS = Path.of("/proc/self/status");

    private MemoryProbe() {
    }

    /** Heap bytes in use after two full collections. */
    static long heapAfterGc() {
        System.gc();
        System.gc();
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    /** Collects the garbage of the last step so that the next one does not pay for it on its clock. */
    static void settle() {
        System.gc();
    }

    /** The process's peak resident set in bytes, or NaN when unknown. */
    static double peakRssBytes() {
        try {
            for (String line : Files.readAllLines(STATUS)) {
                if (line.startsWith("VmHWM:")) {
                    String[] parts = line.substring(6).trim().split("\\s+");
                    return Long.parseLong(parts[0]) * 1024.0; // kB
                }
            }
        } catch (IOException | RuntimeException e) {
            return Double.NaN;
        }
        return Double.NaN;
    }
}
