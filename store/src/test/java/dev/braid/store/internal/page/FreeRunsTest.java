package dev.braid.store.internal.page;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.BitSet;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * {@link FreeRuns} against a bit-set model: adds, each kind of take (the run each must pick worked out
 * by a scan of the model), merging of neighbours, the end of the file.
 */
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
                    int kind = rnd.nextInt(4);
                    Run expected = kind == 0 ? expectedTake(model, min, want)
                            : kind == 1 ? expectedLowest(model, min, want)
                            : kind == 2 ? expectedLowest(model, 1, 1) : null;
                    Run r = kind == 0 ? runs.take(min, want)
                            : kind == 1 ? runs.takeLowest(min, want)
                            : kind == 2 ? firstPage(runs.takeFirstPage()) : runs.takeEndingAt(model.length());
                    if (kind == 3) {
                        int start = model.isEmpty() ? 0 : model.previousClearBit(model.length() - 1) + 1;
                        expected = model.isEmpty() ? null : new Run(start, model.length() - start);
                    }
                    assertEquals(expected, r, "kind " + kind + ", min " + min + ", want " + want + ", seed " + seed);
                    if (r != null) {
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
    void takesTheLowestRunThatHoldsWhatIsWanted() {
        FreeRuns runs = new FreeRuns();
        runs.add(new Run(10, 10));
        runs.add(new Run(200, 100));
        runs.add(new Run(400, 20));
        assertEquals(new Run(200, 16), runs.take(4, 16));
        assertEquals(new Run(216, 84), runs.take(4, 500)); // none holds 500: all of the largest
        assertNull(runs.take(21, 21));
        assertEquals(new Run(400, 20), runs.take(12, 25));
        assertEquals(30 - 20, runs.pages());
        assertEquals(5, runs.pagesBelow(15));
    }

    @Test
    void singlesAreKeptApartAndListedWithTheRuns() {
        FreeRuns runs = new FreeRuns();
        runs.add(new Run(10, 5));
        runs.addSingle(9);
        runs.addSingle(30);
        runs.addSingle(4);
        assertEquals(8, runs.pages());
        assertEquals(3, runs.singles());
        assertEquals(4, runs.lowestPage());
        assertEquals(7, runs.pagesBelow(15)); // 4, 9, and 10..14
        // listed in page order, merged with the runs and with extra runs they touch
        assertEquals(List.of(new Run(4, 1), new Run(9, 6), new Run(30, 1)), runs.runs());
        assertEquals(List.of(new Run(4, 1), new Run(9, 6), new Run(20, 1), new Run(30, 2)),
                runs.runsWith(List.of(new Run(31, 1), new Run(20, 1))));
        assertThrows(IllegalStateException.class, () -> runs.runsWith(List.of(new Run(12, 1))), "page 12 twice");
        // a take merges the singles into the runs first: 9 joins 10..14
        assertEquals(new Run(9, 5), runs.take(2, 5));
        assertEquals(0, runs.singles());
        assertEquals(4, runs.takeFirstPage());
        assertEquals(14, runs.takeFirstPage());
        assertEquals(30, runs.takeFirstPage());
        assertEquals(0, runs.takeFirstPage());
        assertTrue(runs.isEmpty());
        assertEquals(0, runs.pages());
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

    private static Run firstPage(int page) {
        return page == 0 ? null : new Run(page, 1);
    }

    /** The runs of a model, in page order. */
    private static List<Run> modelRuns(BitSet b) {
        List<Run> out = new java.util.ArrayList<>();
        for (int i = b.nextSetBit(0); i >= 0; ) {
            int end = b.nextClearBit(i);
            out.add(new Run(i, end - i));
            i = b.nextSetBit(end);
        }
        return out;
    }

    /** What take should return, worked out by a scan of the model. */
    private static Run expectedTake(BitSet b, int min, int want) {
        Run largest = null;
        for (Run r : modelRuns(b)) {
            if (r.pages() >= want) {
                return new Run(r.start(), want);
            }
            if (r.pages() >= min && (largest == null || r.pages() > largest.pages())) {
                largest = r;
            }
        }
        return largest;
    }

    /** What takeLowest should return, worked out by a scan of the model. */
    private static Run expectedLowest(BitSet b, int min, int want) {
        for (Run r : modelRuns(b)) {
            if (r.pages() >= min) {
                return new Run(r.start(), Math.min(want, r.pages()));
            }
        }
        return null;
    }
}
