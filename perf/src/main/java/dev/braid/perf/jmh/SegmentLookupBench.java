package dev.braid.perf.jmh;

import dev.braid.store.CorruptionException;
import dev.braid.store.internal.mergetree.Bloom;
import dev.braid.store.internal.mergetree.Segment;
import dev.braid.store.internal.mergetree.SegmentInfo;
import dev.braid.store.internal.mergetree.SegmentReader;
import dev.braid.store.internal.mergetree.SegmentWriter;
import dev.braid.store.internal.page.ExtentSink;
import dev.braid.store.internal.page.PageCache;
import dev.braid.store.internal.page.Run;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
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
 * Segment lookup, directly on the public internal classes: {@code Segment.get} of a random key of
 * one segment (bloom probe, index blocks, data block search), its blocks cached in a
 * {@code PageCache} large enough to hold them all, the pages written to and read from memory
 * (an {@code ExtentSink} and {@code PageSource} over a byte array, so no file I/O). {@code miss}
 * looks up keys that are not there (the bloom filter answers most of them).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class SegmentLookupBench {
    private static final int PAGE_SIZE = 4096;

    @Param("1000000")
    public int records;

    private Segment segment;
    private byte[][] keys;
    private byte[][] missing;
    private int next;

    /** A page file in memory. */
    private static final class MemoryPages implements ExtentSink, SegmentReader.PageSource {
        private byte[] file = new byte[PAGE_SIZE * 1024];
        private int nextPage = 1;

        @Override
        public Run allocate(int minPages, int wantPages) {
            Run r = new Run(nextPage, wantPages);
            nextPage = r.end();
            if ((long) nextPage * PAGE_SIZE > file.length) {
                file = Arrays.copyOf(file, Math.max(file.length * 2, nextPage * PAGE_SIZE));
            }
            return r;
        }

        @Override
        public void write(int firstPage, byte[] buf, int off, int pages) {
            System.arraycopy(buf, off, file, firstPage * PAGE_SIZE, pages * PAGE_SIZE);
        }

        @Override
        public int pageSize() {
            return PAGE_SIZE;
        }

        @Override
        public byte[] readDirect(int firstPage, int pages) {
            return Arrays.copyOfRange(file, firstPage * PAGE_SIZE, (firstPage + pages) * PAGE_SIZE);
        }

        @Override
        public CorruptionException corrupt(int page, String problem) {
            return new CorruptionException(Path.of("memory"), (long) page * PAGE_SIZE, problem);
        }
    }

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        byte[][] sorted = BenchKeys.keys(records, 1);
        Arrays.sort(sorted, Arrays::compareUnsigned);
        byte[] value = BenchKeys.value(100, 2);
        MemoryPages pages = new MemoryPages();
        SegmentWriter w = new SegmentWriter(pages, records);
        for (byte[] k : sorted) {
            w.add(k, value);
        }
        SegmentInfo info = w.finish(records, true);
        PageCache cache = new PageCache(1L << 30);
        segment = Segment.open(info, new SegmentReader(pages, cache, PAGE_SIZE));
        keys = BenchKeys.keys(records, 1); // the same keys, in random order
        missing = BenchKeys.keys(records, 7);
        for (byte[] k : keys) {
            segment.get(k, Bloom.hash(k)); // every block into the cache
        }
    }

    @Benchmark
    public byte[] hit() throws IOException {
        byte[] k = keys[next];
        next = next + 1 == keys.length ? 0 : next + 1;
        return segment.get(k, Bloom.hash(k));
    }

    @Benchmark
    public byte[] miss() throws IOException {
        byte[] k = missing[next];
        next = next + 1 == missing.length ? 0 : next + 1;
        return segment.get(k, Bloom.hash(k));
    }
}
