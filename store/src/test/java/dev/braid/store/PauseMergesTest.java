package dev.braid.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link Braid#pauseMerges()}: segments pile up past the merge and slow-down limits without a merge
 * or a stalled write, reads stay right over all of them, and {@link Braid#resumeMerges()} /
 * {@link Braid#finishMerges()} bring them back into the tree.
 */
class PauseMergesTest {
    @TempDir
    Path dir;

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void segmentsPileUpWhilePausedAndMergeAfterwards() {
        BraidOptions opts = BraidOptions.builder().pageSizeBytes(1024).cacheBytes(1L << 20)
                .writeBufferBytes(16 * 1024).build();
        Random rnd = new Random(5);
        byte[][] keys = new byte[20_000][];
        try (Braid b = Braid.open(dir, opts)) {
            b.pauseMerges();
            for (int i = 0; i < keys.length; i++) {
                keys[i] = new byte[12];
                rnd.nextBytes(keys[i]);
                b.blindPut(keys[i], value(i));
            }
            b.commit(Map.of());
            BraidStats paused = b.stats();
            assertTrue(paused.segments() > 40, "segments while paused: " + paused.segments());
            assertEquals(0, paused.merges(), "no merge while paused");
            assertEquals(0, paused.writeStallNanos(), "writes are not slowed down while paused");
            for (int i = 0; i < keys.length; i += 7) {
                assertArrayEquals(value(i), b.get(keys[i]), "key #" + i + " over " + paused.segments() + " segments");
            }
            assertEquals(keys.length, b.count());
            b.resumeMerges();
            b.finishMerges();
            b.commit(Map.of());
            assertEquals(0, b.stats().segments());
            assertTrue(b.stats().merges() > 0);
            for (int i = 0; i < keys.length; i += 7) {
                assertArrayEquals(value(i), b.get(keys[i]));
            }
            assertEquals(java.util.List.of(), b.check());
        }
    }

    private static byte[] value(int i) {
        return ("value-" + i).getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }
}
