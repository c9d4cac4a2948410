package dev.braid.perf.jmh;

import dev.braid.store.Braid;
import dev.braid.store.BraidIterator;
import dev.braid.store.BraidOptions;
import dev.braid.store.Entry;
import dev.braid.store.KeyRange;
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
 * Cursor step, through the public API: one {@code BraidIterator.next()} of a forward scan over a
 * fully cached, fully merged store (the iterator reads the tree in batches and re-seeks after its
 * last key, so the per-entry cost includes its share of a batch). At the end the scan starts over.
 * {@code TreeCursor} is public but needs the engine's pager, hence the public path.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class CursorStepBench {
    @Param("1000000")
    public int records;

    private Path dir;
    private Braid braid;
    private BraidIterator it;

    @Setup(Level.Trial)
    public void setUp() {
        dir = BenchKeys.tempDir("jmh-cursor-step");
        braid = Braid.open(dir, BraidOptions.builder().cacheBytes(512L << 20).writeBufferBytes(128L << 20).build());
        byte[] value = BenchKeys.value(100, 2);
        for (byte[] k : BenchKeys.keys(records, 1)) {
            braid.blindPut(k, value);
        }
        braid.commit(Map.of());
        braid.finishMerges();
        braid.commit(Map.of());
        it = braid.iterator(KeyRange.all());
        while (it.hasNext()) {
            it.next(); // every page into the cache
        }
        it.close();
        it = braid.iterator(KeyRange.all());
    }

    @Benchmark
    public Entry next() {
        if (!it.hasNext()) {
            it.close();
            it = braid.iterator(KeyRange.all());
        }
        return it.next();
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        it.close();
        braid.close();
        BenchKeys.delete(dir);
    }
}
