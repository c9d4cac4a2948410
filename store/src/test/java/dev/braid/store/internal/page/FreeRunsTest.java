package dev.braid.store.internal.page;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.BitSet;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** {@link FreeRuns} against a bit-set model: adds, takes, merging of neighbours, the end of the file. */
class FreeRunsTest {
    @Test
    void matchesABitSetModel() {
        for (long seed = 1; seed <= 20; seed++) {
            Random rnd = new Random(seed);
            FreeRuns runs = new FreeRuns();
            BitSet model = new BitSet();
            for (int op = 0; op < 3_000; op++) {
                if (rnd.nextInt(3) > 0) {
                    int start = 1 + rnd.nextInt(5_000);
                    int len = 1 + rnd.nextInt(rnd.nextBoolean() ? 4 : 200);
                    if (model.get(start, start + len).isEmpty()) {
                        runs.add(new Run(start, len));
                        model.set(start, start + len);
                    } else {
                        int s = start;
                        assertThrows(IllegalStateException.class, () -> runs.add(new Run(s, len)));
                    }
                } else {
                    int min = 1 + rnd.nextInt(50);
                    int want = min + rnd.nextInt(100);
                    Run r = runs.take(min, want);
                    int longest = longestRun(model);
                    if (r == null) {
                        assertTrue(longest < min, "a run of " + longest + " pages was there for min " + min);
                    } else {
                        assertTrue(r.pages() >= min && r.pages() <= want, r + " for " + min + "/" + want);
                        assertEquals(r.pages(), model.get(r.start(), r.end()).cardinality(), "taken pages were free");
                        model.clear(r.start(), r.end());
                    }
                }
                assertEquals(model.cardinality(), runs.pages(), "seed " + seed);
            }
            List<Run> list = runs.runs();
            int total = 0;
            for (int i = 0; i < list.size(); i++) {
                Run r = list.get(i);
                assertEquals(r.pages(), model.get(r.start(), r.end()).cardinality());
                if (i > 0) {
                    assertTrue(list.get(i - 1).end() < r.start(), "neighbours are merged: " + list.get(i - 1) + " " + r);
                }
                total += r.pages();
            }
            assertEquals(model.cardinality(), total);
        }
    }

    @Test
    void prefersTheSmallestRunThatHoldsWhatIsWanted() {
        FreeRuns runs = new FreeRuns();
        runs.add(new Run(10, 100));
        runs.add(new Run(200, 20));
        runs.add(new Run(300, 8));
        assertEquals(new Run(200, 16), runs.take(4, 16));
        assertEquals(new Run(10, 100), runs.take(4, 500)); // none holds 500: all of the largest
        assertNull(runs.take(9, 9));
        assertEquals(new Run(300, 8), runs.take(8, 9));
    }

    @Test
    void takesTheRunAtTheEndOfTheFile() {
        FreeRuns runs = new FreeRuns();
        runs.add(new Run(5, 5));
        runs.add(new Run(20, 5));
        assertNull(runs.takeEndingAt(30));
        assertEquals(new Run(20, 5), runs.takeEndingAt(25));
        runs.add(new Run(10, 3));
        assertEquals(new Run(5, 8), runs.takeEndingAt(13));
        assertTrue(runs.isEmpty());
    }

    private static int longestRun(BitSet b) {
        int best = 0;
        for (int i = b.nextSetBit(0); i >= 0; ) {
            int end = b.nextClearBit(i);
            best = Math.max(best, end - i);
            i = b.nextSetBit(end);
        }
        return best;
    }
}
