package dev.braid.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A restore into a new store that does not fit in memory: its buffers grow to the restore's share of
 * the budget again after the first flush, so it becomes a few large segments that one fold builds
 * into the tree, instead of buffers of the usual size whose many segments are merged (every value
 * copied) before the fold. The store then holds exactly what was written, before and after a reopen.
 */
class LargeRestoreTest {
    private static final long BUDGET = 8L << 20;
    private static final long USUAL_BUFFER = 256L << 10;
    private static final int RECORDS = 20_000;

    @TempDir
    Path dir;

    @Test
    void aRestoreLargerThanTheBudgetBecomesAFewLargeSegmentsFoldedOnce() {
        BraidOptions opts = BraidOptions.builder().cacheBytes(BUDGET).writeBufferBytes(USUAL_BUFFER).build();
        NavigableMap<byte[], byte[]> model = new TreeMap<>(Arrays::compareUnsigned);
        Random rnd = new Random(11);
        long written = 0;
        long largestBuffer = 0;
        try (Braid b = Braid.open(dir, opts)) {
            b.pauseMerges(); // no fold while the restore streams in, whatever the timing
            for (int batch = 0; batch < RECORDS / 500; batch++) {
                WriteBatch wb = new WriteBatch().unlogged();
                for (int i = 0; i < 500; i++) {
                    byte[] k = new byte[16];
                    rnd.nextBytes(k);
                    byte[] v = new byte[1000 + rnd.nextInt(200)];
                    rnd.nextBytes(v);
                    wb.blindPut(k, v);
                    model.put(k, v);
                    written += k.length + v.length;
                }
                b.write(wb);
                largestBuffer = Math.max(largestBuffer, b.stats().writeBufferBytes());
            }
            long segments = b.stats().segments();
            assertTrue(written > 2 * BUDGET, "the restore does not fit: " + written);
            assertTrue(segments >= 2 && segments <= 4,
                    "a few segments of about three quarters of the budget each, not " + segments);
            assertTrue(largestBuffer > BUDGET / 2, "the buffer grew past the usual size: " + largestBuffer);
            b.commit(Map.of("offset", "20000"));
            b.resumeMerges();
            b.finishMerges();
            BraidStats st = b.stats();
            assertEquals(0, st.segments());
            assertEquals(1, st.merges(), "one fold of every segment, no merge of segments before it");
            FaultTestSupport.assertHolds(model, b);
            assertEquals(List.of(), b.check());
        }
        try (Braid b = Braid.open(dir, opts)) {
            assertEquals(Map.of("offset", "20000"), b.committedMetadata());
            FaultTestSupport.assertHolds(model, b);
            assertEquals(List.of(), b.check());
        }
    }
}
