package dev.braid.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link Braid#readConsistently}: a writer keeps two keys and a range of keys equal in every batch;
 * readers that read them inside one {@code readConsistently} never see them differ, on the writer's
 * own handle and on a read-only handle; a write inside is refused.
 */
class ReadConsistentlyTest {
    @TempDir
    Path dir;

    private static final byte[] A = "a".getBytes();
    private static final byte[] B = "b".getBytes();

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void readsInsideSeeOneState() throws Exception {
        BraidOptions opts = BraidOptions.builder().pageSizeBytes(1024).cacheBytes(4L << 20)
                .writeBufferBytes(32 * 1024).checkpointLogBytes(64 * 1024).build();
        try (Braid w = Braid.open(dir, opts)) {
            write(w, 0);
            w.commit(Map.of());
            AtomicBoolean stop = new AtomicBoolean();
            AtomicReference<Throwable> failure = new AtomicReference<>();
            Thread writer = new Thread(() -> {
                try {
                    for (int i = 1; !stop.get(); i++) {
                        write(w, i);
                        if (i % 10 == 0) {
                            w.commit(Map.of());
                        }
                    }
                } catch (Throwable t) {
                    failure.set(t);
                }
            });
            writer.start();
            try (Braid ro = Braid.openReadOnly(dir, opts)) {
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
                int reads = 0;
                while (System.nanoTime() < deadline) {
                    for (Braid b : new Braid[] {w, ro}) {
                        long[] seen = b.readConsistently(() -> {
                            long a = value(b.get(A));
                            long bb = value(b.get(B));
                            long sum = 0;
                            int n = 0;
                            try (BraidIterator it = b.iterator(KeyRange.prefix("r".getBytes()))) {
                                while (it.hasNext()) {
                                    sum += value(it.next().value());
                                    n++;
                                }
                            }
                            return new long[] {a, bb, sum, n};
                        });
                        assertEquals(seen[0], seen[1], "a and b differ");
                        assertEquals(50, seen[3], "range size");
                        assertEquals(seen[0] * 50, seen[2], "range values differ from a");
                        reads++;
                    }
                }
                assertTrue(reads > 10, "reads: " + reads);
            } finally {
                stop.set(true);
                writer.join();
            }
            if (failure.get() != null) {
                throw new AssertionError(failure.get());
            }
            assertThrows(IllegalStateException.class, () -> w.readConsistently(() -> {
                w.put(A, A);
                return null;
            }));
            assertArrayEquals(w.get(A), w.get(B), "the refused write changed nothing");
        }
    }

    /** One batch: a, b and r00..r49 all set to {@code i}, half of it through blind writes. */
    private static void write(Braid w, long i) {
        byte[] v = ByteBuffer.allocate(8).putLong(i).array();
        WriteBatch batch = new WriteBatch();
        batch.put(A, v).put(B, v);
        for (int k = 0; k < 50; k++) {
            byte[] key = String.format("r%02d", k).getBytes();
            if (k % 2 == 0) {
                batch.blindPut(key, v);
            } else {
                batch.put(key, v);
            }
        }
        w.write(batch);
    }

    private static long value(byte[] v) {
        return ByteBuffer.wrap(v).getLong();
    }
}
