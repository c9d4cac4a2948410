package dev.braid.store.internal.mergetree;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.braid.store.internal.page.PageCache;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * {@link Segment#splitKeys} cuts a segment into about equal ranges whatever the shape of its index:
 * also when the root has only two or three children (a parallel fold split at the root's children
 * gave one thread twice the other's work).
 */
class SegmentSplitTest {
    @Test
    void rangesAreAboutEqualForEverySegmentSize() throws IOException {
        Random rnd = new Random(42);
        int checked = 0;
        for (int n = 3_000; n <= 120_000; n = n * 5 / 4) {
            byte[][] keys = new byte[n][];
            for (int i = 0; i < n; i++) {
                keys[i] = new byte[16];
                rnd.nextBytes(keys[i]);
            }
            Arrays.sort(keys, Arrays::compareUnsigned);
            MemPageFile f = new MemPageFile(512, null);
            SegmentWriter w = new SegmentWriter(f, n);
            byte[] v = new byte[20];
            for (byte[] k : keys) {
                w.add(k, v);
            }
            SegmentInfo info = w.finish(0, true);
            Segment s = Segment.open(info, new SegmentReader(f, new PageCache(1 << 20), 512));
            for (int parts = 2; parts <= 4; parts++) {
                byte[][] cuts = s.splitKeys(parts);
                assertTrue(cuts.length == parts - 1, n + " entries, " + parts + " parts: " + cuts.length + " cuts");
                List<Integer> at = new ArrayList<>();
                at.add(0);
                for (byte[] c : cuts) {
                    int i = Arrays.binarySearch(keys, c, Arrays::compareUnsigned);
                    assertTrue(i >= 0, "a cut is a key of the segment");
                    at.add(i);
                }
                at.add(n);
                for (int p = 0; p < parts; p++) {
                    double share = (double) (at.get(p + 1) - at.get(p)) / n;
                    assertTrue(Math.abs(share - 1.0 / parts) < 0.25 / parts,
                            n + " entries, " + parts + " parts: part " + p + " has " + share + " of them");
                }
                checked++;
            }
        }
        assertTrue(checked > 40);
    }
}
