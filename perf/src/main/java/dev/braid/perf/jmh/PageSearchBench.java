package dev.braid.perf.jmh;

import dev.braid.store.Braid;
import dev.braid.store.BraidOptions;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Page search, through the public API: {@code Braid.get} of a random existing key on a store whose
 * whole B+tree is in the page cache (bulk-built, every segment folded in, then read once). Each get
 * descends from the root, searching each packed page in place; no I/O, no merge-tree layer left.
 * The leaf search itself ({@code LeafNode.search}) is package-private, hence the public path.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class PageSearchBench {
    @Param("1000000")
    public int records;

    private Path dir;
    private Braid braid;
    private byte[][] keys;
    private int next;

    @Setup(Level.Trial)
    public void setUp() {
        dir = BenchKeys.tempDir("jmh-page-search");
        braid = Braid.open(dir, BraidOptions.builder().cacheBytes(512L << 20).writeBufferBytes(128L << 20).build());
        keys = BenchKeys.keys(records, 1);
        byte[] value = BenchKeys.value(100, 2);
        for (byte[] k : keys) {
            braid.blindPut(k, value);
        }
        braid.commit(Map.of());
        braid.finishMerges();
        braid.commit(Map.of());
        for (byte[] k : keys) {
            braid.get(k); // every page into the cache
        }
        java.util.Collections.shuffle(java.util.Arrays.asList(keys), new java.util.Random(3));
    }

    @Benchmark
    public byte[] get() {
        byte[] k = keys[next];
        next = next + 1 == keys.length ? 0 : next + 1;
        return braid.get(k);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        braid.close();
        BenchKeys.delete(dir);
    }
}
