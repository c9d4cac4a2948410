package dev.braid.perf.harness;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;

/**
 * Iteration: short range scans ({@code range(from, to)} from a random stored key, reading up to
 * {@value #RANGE_LENGTH} entries, then closing the iterator, as a processor that reads a few
 * neighbours does) and one full scan ({@code all()}). Checked: key order, the first key of a range
 * is its start key, a full scan sees every record.
 */
final class Scans {
    static final int RANGE_LENGTH = 100;
    private static final Bytes MAX_KEY = Bytes.wrap(filled(Dataset.KEY_BYTES + 1));

    private Scans() {
    }

    /** Range scans per second. */
    static double ranges(OpenStore s, Dataset d, int scans, SplittableRandom rnd) {
        long entries = 0;
        long t0 = System.nanoTime();
        for (int op = 0; op < scans; op++) {
            int i = rnd.nextInt(d.records());
            Bytes from = Bytes.wrap(d.key(i));
            try (KeyValueIterator<Bytes, byte[]> it = s.store().range(from, MAX_KEY)) {
                byte[] prev = null;
                for (int k = 0; k < RANGE_LENGTH && it.hasNext(); k++) {
                    KeyValue<Bytes, byte[]> e = it.next();
                    byte[] key = e.key.get();
                    if (prev == null ? !Arrays.equals(key, from.get()) : Arrays.compareUnsigned(prev, key) >= 0) {
                        throw new IllegalStateException(s.kind.title + ": range scan out of order or not at its start");
                    }
                    prev = key;
                    entries++;
                }
            }
        }
        double perSecond = scans / Gets.seconds(System.nanoTime() - t0);
        if (d.records() >= 2 * RANGE_LENGTH && entries < (long) scans * RANGE_LENGTH / 2) {
            throw new IllegalStateException(s.kind.title + ": range scans read only " + entries + " entries");
        }
        return perSecond;
    }

    /** Entries per second of one pass over the whole store. */
    static double full(OpenStore s, Dataset d) {
        long entries = 0;
        long t0 = System.nanoTime();
        try (KeyValueIterator<Bytes, byte[]> it = s.store().all()) {
            byte[] prev = null;
            while (it.hasNext()) {
                KeyValue<Bytes, byte[]> e = it.next();
                byte[] key = e.key.get();
                if (prev != null && Arrays.compareUnsigned(prev, key) >= 0 || e.value.length != d.valueBytes()) {
                    throw new IllegalStateException(s.kind.title + ": full scan out of order or a wrong value");
                }
                prev = key;
                entries++;
            }
        }
        long nanos = System.nanoTime() - t0;
        if (entries != d.records()) {
            throw new IllegalStateException(s.kind.title + ": full scan saw " + entries + " of " + d.records());
        }
        return entries / Gets.seconds(nanos);
    }

    private static byte[] filled(int length) {
        byte[] b = new byte[length];
        Arrays.fill(b, (byte) 0xFF);
        return b;
    }
}
