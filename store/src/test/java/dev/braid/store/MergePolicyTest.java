package dev.braid.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The segment-count thresholds of the merge policy (docs/design/merge-policy.md, rule 2): over a
 * non-empty tree segments are merged above 16; while the tree is empty (a restore streaming into a
 * new store) they may reach 40 first, since a merge would rewrite data that the final build reads
 * again anyway; either way their number stays bounded and nothing is lost.
 */
class MergePolicyTest {
    private static final int BUFFER = 16 * 1024;
    /** Records of {@link #key}/{@link #value} that fill one write buffer (12 + 10 bytes + 48 charged). */
    private static final int PER_FLUSH = BUFFER / 70 + 1;

    @TempDir
    Path dir;

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void segmentsOverAnEmptyTreeAreNotMergedBelowTheEmptyTreeThreshold() throws Exception {
        try (Braid b = Braid.open(dir, options())) {
            long t0 = System.nanoTime();
            int n = stream(b, 0, 30 * PER_FLUSH);
            Thread.sleep(300); // the merge job had time to act on every flush
            BraidStats s = b.stats();
            // a pause of 2 s without a full flush would (rightly) fold everything into the tree
            assumeTrue(System.nanoTime() - t0 < 1_500_000_000L, "machine too slow for the timing of this check");
            assertTrue(s.segments() > 20, "segments after 30 flushes: " + s.segments());
            assertEquals(0, s.merges(), "no merge below 40 segments while the tree is empty");
            verifyAfterFinish(b, n);
        }
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void segmentsOverAnEmptyTreeStayBounded() throws Exception {
        try (Braid b = Braid.open(dir, options())) {
            List<Long> counts = new ArrayList<>();
            int n = 0;
            for (int flush = 0; flush < 90; flush++) {
                n = stream(b, n, PER_FLUSH);
                counts.add(b.stats().segments());
            }
            long max = counts.stream().mapToLong(Long::longValue).max().orElse(0);
            assertTrue(max <= 40 + 16 + 1, "segments at most the threshold plus the hard margin: " + counts);
            assertTrue(b.stats().merges() > 0, "90 flushes merge segments: " + counts);
            verifyAfterFinish(b, n);
        }
    }

    /**
     * Once a restore's segments are folded, the threshold is the non-empty tree's again even while
     * the job has no segments to look at (it used to keep the empty tree's 40 until the next step
     * that saw segments: a relocation right after the fold then let writes pile up 56 segments).
     */
    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void thresholdFollowsTheTreeAfterTheRestoresFold() throws Exception {
        try (Braid b = Braid.open(dir, options())) {
            int n = stream(b, 0, 20 * PER_FLUSH);
            long until = System.nanoTime() + 10_000_000_000L;
            while (EngineProbe.mergeThreshold(b) != 40 && System.nanoTime() < until) {
                Thread.sleep(5);
            }
            assertEquals(40, EngineProbe.mergeThreshold(b), "over the empty tree");
            b.commit(Map.of());
            b.finishMerges();
            b.commit(Map.of());
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (EngineProbe.mergeThreshold(b) != 16 && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            assertEquals(16, EngineProbe.mergeThreshold(b), "over the tree the segments went into");
            verifyAfterFinish(b, n);
        }
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void segmentsOverANonEmptyTreeAreMergedAboveSixteen() throws Exception {
        try (Braid b = Braid.open(dir, options())) {
            b.put("in-the-tree".getBytes(StandardCharsets.UTF_8), new byte[] {1});
            b.commit(Map.of());
            int n = stream(b, 0, 40 * PER_FLUSH);
            long deadline = System.nanoTime() + 20_000_000_000L;
            while (b.stats().merges() == 0 && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertTrue(b.stats().merges() > 0, "40 flushes over a non-empty tree are merged");
            assertArrayEquals(new byte[] {1}, b.get("in-the-tree".getBytes(StandardCharsets.UTF_8)));
            verifyAfterFinish(b, n);
        }
    }

    private static BraidOptions options() {
        return BraidOptions.builder().pageSizeBytes(1024).cacheBytes(1L << 20).writeBufferBytes(BUFFER).build();
    }

    /** Blind puts of records {@code from .. from+count-1}; returns the next record number. */
    private static int stream(Braid b, int from, int count) {
        for (int i = from; i < from + count; i++) {
            b.blindPut(key(i), value(i));
        }
        return from + count;
    }

    private static void verifyAfterFinish(Braid b, int n) {
        for (int i = 0; i < n; i += 13) {
            assertArrayEquals(value(i), b.get(key(i)), "key #" + i + " over " + b.stats().segments() + " segments");
        }
        b.commit(Map.of());
        b.finishMerges();
        b.commit(Map.of());
        assertEquals(0, b.stats().segments());
        for (int i = 0; i < n; i++) {
            assertArrayEquals(value(i), b.get(key(i)), "key #" + i + " after the fold");
        }
        assertEquals(List.of(), b.check());
    }

    private static byte[] key(int i) {
        byte[] k = new byte[12];
        new Random(i * 0x9E3779B97F4A7C15L).nextBytes(k);
        return k;
    }

    private static byte[] value(int i) {
        return String.format("v-%08d", i).getBytes(StandardCharsets.UTF_8);
    }
}
