package dev.braid.store.internal.mergetree;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.braid.store.internal.format.Bytes;
import dev.braid.store.internal.page.PageCache;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.NavigableMap;
import java.util.Random;
import java.util.function.IntFunction;
import org.junit.jupiter.api.Test;

/** The segment bloom filter: no false negatives, a false-positive rate near the designed 1 %. */
class BloomTest {
    private static final int N = 100_000;

    /** Key families: random bytes, decimal strings, big-endian counters, long shared prefixes. */
    private static List<IntFunction<byte[]>> families(long seed) {
        Random rnd = new Random(seed);
        long salt = rnd.nextLong();
        return List.of(
                i -> {
                    Random r = new Random(salt + i);
                    byte[] k = new byte[8 + r.nextInt(13)]; // long enough never to repeat
                    r.nextBytes(k);
                    return k;
                },
                i -> ("user:" + i).getBytes(StandardCharsets.US_ASCII),
                i -> {
                    byte[] k = new byte[8];
                    Bytes.putLong(k, 0, i);
                    return k;
                },
                i -> {
                    byte[] k = new byte[40];
                    java.util.Arrays.fill(k, (byte) 'p');
                    Bytes.putInt(k, 36, i);
                    return k;
                });
    }

    @Test
    void noFalseNegativesAndFewFalsePositives() {
        long seed = SegTestSupport.seed(71);
        int family = 0;
        for (IntFunction<byte[]> keys : families(seed)) {
            Bloom b = Bloom.withCapacity(N);
            for (int i = 0; i < N; i++) {
                b.add(Bloom.hash(keys.apply(i)));
            }
            // Round trip through the encoded form, as a segment stores it.
            byte[] enc = new byte[b.encodedSize()];
            b.encode(enc, 0);
            Bloom d = Bloom.decode(enc, 0, enc.length);
            assertNotNull(d);
            byte[] again = new byte[d.encodedSize()];
            d.encode(again, 0);
            assertArrayEquals(enc, again, "decode then encode gives the same bytes");
            for (Bloom f : List.of(d)) {
                for (int i = 0; i < N; i++) {
                    assertTrue(f.mightContain(Bloom.hash(keys.apply(i))), "false negative, family " + family + " key " + i);
                }
                int fp = 0;
                for (int i = N; i < 2 * N; i++) {
                    fp += f.mightContain(Bloom.hash(keys.apply(i))) ? 1 : 0;
                }
                double rate = fp / (double) N;
                System.out.printf("bloom false-positive rate %.4f (family %d)%n", rate, family);
                assertTrue(rate < 0.03, "false-positive rate " + rate + " for family " + family + " seed " + seed);
            }
            family++;
        }
    }

    @Test
    void hashOfASliceEqualsHashOfTheCopy() {
        Random rnd = new Random(SegTestSupport.seed(72));
        for (int i = 0; i < 2000; i++) {
            byte[] buf = new byte[64];
            rnd.nextBytes(buf);
            int off = rnd.nextInt(32);
            int len = rnd.nextInt(33);
            assertEquals(Bloom.hash(java.util.Arrays.copyOfRange(buf, off, off + len)), Bloom.hash(buf, off, len));
        }
    }

    @Test
    void decodeRejectsImpossibleForms() {
        assertNull(Bloom.decode(new byte[11], 0, 11));
        assertNull(Bloom.decode(new byte[13], 0, 13)); // not 4 + a multiple of 8
        byte[] b = new byte[12];
        assertNull(Bloom.decode(b, 0, 12)); // 0 probes
        Bytes.putInt(b, 0, 31);
        assertNull(Bloom.decode(b, 0, 12));
        Bytes.putInt(b, 0, 7);
        assertNotNull(Bloom.decode(b, 0, 12)); // a classic filter (older segments) of one word
        Bytes.putInt(b, 0, Bloom.BLOCKED << 8 | 7);
        assertNull(Bloom.decode(b, 0, 12)); // a blocked filter is whole 512-bit blocks
        Bytes.putInt(b, 0, 2 << 8 | 7);
        assertNull(Bloom.decode(b, 0, 12)); // an unknown layout
        // An empty filter sized for one key still works.
        Bloom one = Bloom.withCapacity(1);
        one.add(Bloom.hash(new byte[] {1}));
        assertTrue(one.mightContain(Bloom.hash(new byte[] {1})));
    }

    /** Through a segment: every present key passes {@link Segment#mayContain}; absent keys mostly do not. */
    @Test
    void segmentFilterHasNoFalseNegatives() throws Exception {
        long seed = SegTestSupport.seed(73);
        Random rnd = new Random(seed);
        NavigableMap<byte[], byte[]> model = SegTestSupport.newModel();
        while (model.size() < N / 2) {
            model.put(SegTestSupport.randomKey(rnd, 16), rnd.nextInt(5) == 0 ? WriteBuffer.TOMBSTONE : new byte[] {1});
        }
        MemPageFile f = new MemPageFile(4096, null);
        SegmentWriter w = new SegmentWriter(f, model.size());
        for (var e : model.entrySet()) {
            w.add(e.getKey(), e.getValue());
        }
        SegmentInfo info = w.finish(0, false);
        Segment seg = Segment.open(info, new SegmentReader(f, new PageCache(1 << 20), 4096));
        for (byte[] k : model.keySet()) {
            assertTrue(seg.mayContain(k, Bloom.hash(k)), "false negative for " + SegTestSupport.show(k));
        }
        // Absent keys inside the key range: the filter alone decides.
        int fp = 0;
        int tried = 0;
        while (tried < N) {
            byte[] k = new byte[17 + rnd.nextInt(8)]; // longer than any present key: never present
            rnd.nextBytes(k);
            k[0] = (byte) (0x10 + rnd.nextInt(0xE0));
            tried++;
            fp += seg.mayContain(k, Bloom.hash(k)) ? 1 : 0;
        }
        assertTrue(fp / (double) tried < 0.03, "false-positive rate " + fp / (double) tried + " seed " + seed);
    }

    /** Filters written before the blocked layout (classic double hashing over the whole array) still read. */
    @Test
    void classicFiltersOfOlderSegmentsStillWork() {
        int nwords = 160; // 10,240 bits for 1,000 keys
        long[] words = new long[nwords];
        byte[][] keys = new byte[1000][];
        java.util.Random rnd = new java.util.Random(7);
        for (int k = 0; k < keys.length; k++) {
            keys[k] = new byte[12];
            rnd.nextBytes(keys[k]);
            long h = Bloom.hash(keys[k]);
            int h1 = (int) h;
            int h2 = (int) (h >>> 32) | 1;
            for (int i = 0; i < 7; i++) { // the classic layout, as written by earlier versions
                long bit = Integer.toUnsignedLong(h1 + i * h2) % (nwords * 64L);
                words[(int) (bit >>> 6)] |= 1L << bit;
            }
        }
        byte[] enc = new byte[4 + 8 * nwords];
        Bytes.putInt(enc, 0, 7);
        for (int i = 0; i < nwords; i++) {
            Bytes.putLong(enc, 4 + 8 * i, words[i]);
        }
        Bloom f = Bloom.decode(enc, 0, enc.length);
        assertNotNull(f);
        int fp = 0;
        for (byte[] k : keys) {
            assertTrue(f.mightContain(Bloom.hash(k)), "false negative in a classic filter");
            byte[] other = k.clone();
            other[0] ^= 0x55;
            fp += f.mightContain(Bloom.hash(other)) ? 1 : 0;
        }
        assertTrue(fp < 60, "classic filter read with the wrong layout: " + fp + " false positives of 1000");
    }
}
