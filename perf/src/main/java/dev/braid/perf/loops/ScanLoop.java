package dev.braid.perf.loops;

import dev.braid.store.Braid;
import dev.braid.store.BraidIterator;
import dev.braid.store.KeyRange;
import java.util.SplittableRandom;

/**
 * Reads of a loaded store through {@link Braid} alone, as the harness's read steps do them: a full
 * scan, range scans of 100 entries from random keys and random gets (hits), each timed, for
 * {@code rounds} rounds: {@code records} records of {@code valueBytes} loaded through the restore
 * path ({@link PutLoop#load}) first.
 *
 * <p>Arguments: records valueBytes rounds [budgetBytes, default 3 GiB] [ops a step, default 100,000]
 * [directory, default /tmp].
 */
public final class ScanLoop {
    private ScanLoop() {
    }

    public static void main(String[] args) throws Exception {
        ReadLoopArgs a = ReadLoopArgs.parse(args, 100_000, "scanloop");
        try (Braid b = a.openLoaded()) {
            SplittableRandom rnd = new SplittableRandom(11);
            for (int r = 0; r < a.rounds(); r++) {
                long t0 = System.nanoTime();
                long n = 0;
                try (BraidIterator it = b.iterator(KeyRange.all())) {
                    while (it.hasNext()) {
                        n += it.next().value().length > 0 ? 1 : 0;
                    }
                }
                long t1 = System.nanoTime();
                int scans = Math.max(1, a.ops() / 100);
                long seen = 0;
                for (int i = 0; i < scans; i++) {
                    byte[] from = LoopKeys.key(rnd.nextInt(a.records()));
                    try (BraidIterator it = b.iterator(KeyRange.of(from, true, null, false))) {
                        for (int j = 0; j < 100 && it.hasNext(); j++) {
                            seen += it.next().value().length;
                        }
                    }
                }
                long t2 = System.nanoTime();
                for (int i = 0; i < a.ops(); i++) {
                    seen += b.get(LoopKeys.key(rnd.nextInt(a.records()))).length;
                }
                long t3 = System.nanoTime();
                System.out.printf("round %d: full scan %,.0f entries/s (%,d), range scans %,.0f scans/s, gets %,.0f ops/s"
                        + " (%d)%n", r, n / ((t1 - t0) / 1e9), n, scans / ((t2 - t1) / 1e9), a.ops() / ((t3 - t2) / 1e9),
                        seen & 1);
            }
            System.out.println(b.stats());
        } finally {
            LoopDirs.delete(a.dir());
        }
    }
}
