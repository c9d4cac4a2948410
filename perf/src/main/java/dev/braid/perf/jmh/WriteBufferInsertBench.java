package dev.braid.perf.jmh;

import dev.braid.store.internal.mergetree.WriteBuffer;
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
import org.openjdk.jmh.annotations.Warmup;

/**
 * Write-buffer insert, directly on the public internal class {@code WriteBuffer}: one {@code put}
 * (append to the arena; no index is built until a lookup asks). The buffer is cleared whenever it
 * holds {@code bufferMib}, as a flush would leave it; the flush itself (sort, segment write) is
 * not part of this benchmark (the harness's restore rows include it).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class WriteBufferInsertBench {
    @Param("100")
    public int valueBytes;

    @Param("16")
    public int bufferMib;

    private WriteBuffer buffer;
    private byte[][] keys;
    private byte[] value;
    private int next;

    @Setup(Level.Trial)
    public void setUp() {
        keys = BenchKeys.keys(1 << 20, 1);
        value = BenchKeys.value(valueBytes, 2);
        buffer = new WriteBuffer();
    }

    @Benchmark
    public long put() {
        long charged = buffer.put(keys[next], value);
        next = (next + 1) & (keys.length - 1);
        if (buffer.bytes() >= (long) bufferMib << 20) {
            buffer.clear();
        }
        return charged;
    }
}
