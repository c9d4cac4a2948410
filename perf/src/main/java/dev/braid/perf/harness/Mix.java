package dev.braid.perf.harness;

import java.util.SplittableRandom;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Processing: {@code ops} operations on uniformly drawn records, each a get with probability
 * {@code readPercent} %, else a put of a new value (an update: the key set stays the same), with a
 * Kafka commit whenever {@code commitIntervalNanos} have passed (Kafka's {@code commit.interval.ms}:
 * 30 s by default, 100 ms under exactly-once) and one at the end, inside the timing. With
 * {@code readPercent} 0 it is the random-put workload. Gets are checked as in {@link Gets}.
 */
final class Mix {
    private Mix() {
    }

    /** Operations per second. */
    static double run(OpenStore s, Dataset d, int ops, int readPercent, long commitIntervalNanos,
                      SplittableRandom rnd, int version) {
        KeyValueStore<Bytes, byte[]> store = s.store();
        int n = d.records();
        long t0 = System.nanoTime();
        long lastCommit = t0;
        for (int op = 0; op < ops; op++) {
            int i = rnd.nextInt(n);
            if (rnd.nextInt(100) < readPercent) {
                byte[] v = store.get(Bytes.wrap(d.key(i)));
                if (!d.isValueOf(v, i)) {
                    throw new IllegalStateException(s.kind.title + ": get of record " + i + " in a mix returned "
                            + (v == null ? "null" : v.length + " wrong bytes"));
                }
            } else {
                store.put(Bytes.wrap(d.key(i)), d.value(i, version));
                s.nextOffset();
            }
            if ((op & 15) == 15) {
                long now = System.nanoTime();
                if (now - lastCommit >= commitIntervalNanos) {
                    s.commit();
                    lastCommit = now;
                }
            }
        }
        s.commit();
        return ops / Gets.seconds(System.nanoTime() - t0);
    }
}
