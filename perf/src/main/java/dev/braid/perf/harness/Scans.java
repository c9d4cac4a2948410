package dev.braid.perf.harness;

import java.math.BigInteger;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;

/**
 * Iteration: short range scans and one full scan ({@code all()}). A range scan is
 * {@code range(from, to)} from a random stored key, reading {@value #RANGE_LENGTH} entries, then
 * closing the iterator, as a processor that reads a few neighbours does. Its upper bound {@code to}
 * lies {@value #RANGE_SPAN} average key gaps above {@code from} (keys are uniform over 2^128), so
 * the range nearly always holds 100 entries and never much more: an open upper bound would make
 * Kafka's in-memory store copy the rest of its key set at every call. Checked: key order, the first
 * key of a range is its start key, a full scan sees every record.
 */
final class Scans {
    static final int RANGE_LENGTH = 100;
    static final int RANGE_SPAN = 150;
    private static final BigInteger KEY_SPACE = BigInteger.ONE.shiftLeft(8 * Dataset.KEY_BYTES);
    private static final Bytes MAX_KEY = Bytes.wrap(filled(Dataset.KEY_BYTES + 1));

    private Scans() {
    }

    /** Range scans per second. */
    static double ranges(OpenStore s, Dataset d, int scans, SplittableRandom rnd) {
        BigInteger span = KEY_SPACE.multiply(BigInteger.valueOf(RANGE_SPAN)).divide(BigInteger.valueOf(d.records()));
        long entries = 0;
        long t0 = System.nanoTime();
        for (int op = 0; op < scans; op++) {
            int i = rnd.nextInt(d.records());
            Bytes from = Bytes.wrap(d.key(i));
            try (KeyValueIterator<Bytes, byte[]> it = s.store().range(from, upperBound(from.get(), span))) {
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

    /** {@code from + span} as a 16-byte key, or past every key when that overflows. */
    private static Bytes upperBound(byte[] from, BigInteger span) {
        BigInteger to = new BigInteger(1, from).add(span);
        if (to.compareTo(KEY_SPACE) >= 0) {
            return MAX_KEY;
        }
        byte[] raw = to.toByteArray(); // big-endian, maybe with a leading sign byte or fewer bytes
        byte[] key = new byte[Dataset.KEY_BYTES];
        int n = Math.min(raw.length, Dataset.KEY_BYTES);
        System.arraycopy(raw, raw.length - n, key, Dataset.KEY_BYTES - n, n);
        return Bytes.wrap(key);
    }

    private static byte[] filled(int length) {
        byte[] b = new byte[length];
        Arrays.fill(b, (byte) 0xFF);
        return b;
    }
}
