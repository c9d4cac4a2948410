package dev.braid.perf.harness;

import java.util.SplittableRandom;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Random point reads: {@code ops} gets of uniformly drawn records, of their stored keys (hits) or of
 * their missing twins (misses). Every result is checked: a hit must return a value of its record, a
 * miss null; anything else is wrong data and stops the run.
 */
final class Gets {
    private Gets() {
    }

    /** Operations per second. */
    static double run(OpenStore s, Dataset d, int ops, SplittableRandom rnd, boolean hits) {
        KeyValueStore<Bytes, byte[]> store = s.store();
        int n = d.records();
        long t0 = System.nanoTime();
        for (int op = 0; op < ops; op++) {
            int i = rnd.nextInt(n);
            if (hits) {
                byte[] v = store.get(Bytes.wrap(d.key(i)));
                if (!d.isValueOf(v, i)) {
                    throw new IllegalStateException(s.kind.title + ": get of record " + i + " returned "
                            + (v == null ? "null" : v.length + " wrong bytes"));
                }
            } else if (store.get(Bytes.wrap(d.missingKey(i))) != null) {
                throw new IllegalStateException(s.kind.title + ": get of a missing key found a value");
            }
        }
        return ops / seconds(System.nanoTime() - t0);
    }

    static double seconds(long nanos) {
        return Math.max(nanos, 1) / 1e9;
    }
}
