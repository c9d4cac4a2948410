package dev.braid.perf.jmh;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.SplittableRandom;
import java.util.stream.Stream;

/** Random 16-byte keys and fixed-size values for the JMH benchmarks, and their temporary directories. */
final class BenchKeys {
    private BenchKeys() {
    }

    /** {@code n} distinct random 16-byte keys (the first 4 bytes are the index, scrambled by the rest). */
    static byte[][] keys(int n, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        byte[][] keys = new byte[n][];
        for (int i = 0; i < n; i++) {
            byte[] k = new byte[16];
            rnd.nextBytes(k);
            k[12] = (byte) (i >>> 24);
            k[13] = (byte) (i >>> 16);
            k[14] = (byte) (i >>> 8);
            k[15] = (byte) i;
            keys[i] = k;
        }
        return keys;
    }

    static byte[] value(int bytes, long seed) {
        byte[] v = new byte[bytes];
        new SplittableRandom(seed).nextBytes(v);
        return v;
    }

    static Path tempDir(String prefix) {
        try {
            return Files.createTempDirectory(prefix);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    static void delete(Path dir) {
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
