package dev.braid.store.internal.engine;

import dev.braid.store.internal.mergetree.Bloom;
import dev.braid.store.internal.mergetree.SegmentWriter;
import dev.braid.store.internal.mergetree.WriteBuffer;
import dev.braid.store.internal.page.ExtentSink;
import java.io.IOException;

/**
 * Writes a write buffer's entries, in key order, into a {@link SegmentWriter} (not finished). From
 * {@value #PARALLEL_BLOOM_MIN_KEYS} keys on more than one core, the bloom filter is built on a helper
 * thread from the buffer's records in the order they were written (read one after the other, while
 * the key order reads them scattered), so its cache miss a key is off the writer's thread: a third
 * of a flush's time before. Stateless.
 */
final class FlushWriter {
    static final int PARALLEL_BLOOM_MIN_KEYS = 65_536;

    private FlushWriter() {
    }

    static SegmentWriter write(WriteBuffer buffer, ExtentSink sink) throws IOException {
        int distinct = buffer.distinctKeys();
        if (distinct < PARALLEL_BLOOM_MIN_KEYS || Runtime.getRuntime().availableProcessors() < 2) {
            SegmentWriter w = new SegmentWriter(sink, distinct, buffer.bytes());
            buffer.forEachSorted(w::add);
            return w;
        }
        Bloom bloom = Bloom.withCapacity(distinct);
        SegmentWriter w = new SegmentWriter(sink, distinct, buffer.bytes(), bloom);
        Throwable[] errors = ParallelParts.run(2, Thread.currentThread().getName() + "-bloom", p -> {
            if (p == 0) {
                buffer.forEachSorted(w::add);
            } else {
                buffer.addKeysTo(bloom);
            }
        }, () -> { });
        ParallelParts.rethrow(errors[0] != null ? errors[0] : errors[1]);
        return w;
    }
}
