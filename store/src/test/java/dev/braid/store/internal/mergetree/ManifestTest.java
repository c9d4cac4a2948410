package dev.braid.store.internal.mergetree;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.braid.store.internal.format.Bytes;
import dev.braid.store.internal.format.Crc;
import dev.braid.store.internal.page.Run;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The manifest's encoding: exact round trips, and only IllegalArgumentException for bad bytes. */
class ManifestTest {

    private static List<Run> runs(Random rnd, int max) {
        List<Run> out = new ArrayList<>();
        int n = rnd.nextInt(max + 1);
        for (int i = 0; i < n; i++) {
            out.add(new Run(1 + rnd.nextInt(1 << 30), 1 + rnd.nextInt(5000)));
        }
        return out;
    }

    static Manifest randomManifest(Random rnd, int segments, int reservations) {
        long nextId = 1 + segments + rnd.nextInt(1000);
        List<SegmentInfo> segs = new ArrayList<>();
        long id = nextId;
        for (int i = 0; i < segments; i++) {
            id -= 1 + (rnd.nextBoolean() ? 0 : rnd.nextInt((int) Math.max(1, (id - 1) / (segments - i + 1))));
            id = Math.max(id, 1);
            byte[] a = SegTestSupport.randomKey(rnd, 30);
            byte[] b = SegTestSupport.randomKey(rnd, 30);
            if (rnd.nextInt(8) == 0) {
                a = new byte[0];
            }
            if (rnd.nextInt(8) == 0) {
                b = a.clone(); // one key: min == max
            }
            byte[] min = Arrays.compareUnsigned(a, b) <= 0 ? a : b;
            byte[] max = min == a ? b : a;
            long entries = 1 + rnd.nextInt(1_000_000);
            List<Run> r = runs(rnd, 4);
            if (r.isEmpty()) {
                r = List.of(new Run(5, 7));
            }
            segs.add(new SegmentInfo(id, r, rnd.nextInt(1 << 30), 1 + rnd.nextInt(3), rnd.nextInt(), entries,
                    rnd.nextInt((int) entries + 1), rnd.nextLong() >>> 1, min, max, rnd.nextInt(1 << 30),
                    12 + 8 * rnd.nextInt(1000), rnd.nextInt(), rnd.nextBoolean(), rnd.nextLong()));
        }
        List<Run> res = new ArrayList<>();
        for (int i = 0; i < reservations; i++) {
            res.add(new Run(1 + rnd.nextInt(1 << 30), 1 + rnd.nextInt(1 << 20)));
        }
        return new Manifest(nextId, segs, res, res.isEmpty() ? List.of() : List.of(new Run(900_000, 3), new Run(900_010, 1)));
    }

    static void assertSameManifest(Manifest a, Manifest b) {
        assertEquals(a.nextId(), b.nextId());
        assertEquals(a.reservations(), b.reservations());
        assertEquals(a.free(), b.free());
        assertEquals(a.segments().size(), b.segments().size());
        for (int i = 0; i < a.segments().size(); i++) {
            SegmentInfo x = a.segments().get(i);
            SegmentInfo y = b.segments().get(i);
            assertArrayEquals(x.minKey(), y.minKey());
            assertArrayEquals(x.maxKey(), y.maxKey());
            // The record's equals compares the key arrays by identity: compare with the keys swapped in.
            SegmentInfo yk = new SegmentInfo(y.id(), y.runs(), y.rootPage(), y.rootPages(), y.rootCrc(), y.entries(),
                    y.tombstones(), y.dataBytes(), x.minKey(), x.maxKey(), y.bloomPage(), y.bloomBytes(),
                    y.bloomCrc(), y.deltaKnown(), y.liveDelta());
            assertEquals(x, yk);
        }
    }

    @Test
    void roundTrips() {
        long seed = SegTestSupport.seed(91);
        Random rnd = new Random(seed);
        assertSameManifest(Manifest.EMPTY, Manifest.decode(Manifest.EMPTY.encode()));
        assertTrue(Manifest.decode(Manifest.EMPTY.encode()).isEmpty());
        for (int t = 0; t < 300; t++) {
            int segs = t % 3 == 0 ? 0 : rnd.nextInt(12);
            int res = t % 5 == 0 ? 0 : rnd.nextInt(6);
            Manifest m = randomManifest(rnd, segs, res);
            byte[] enc = m.encode();
            Manifest d = Manifest.decode(enc);
            assertSameManifest(m, d);
            assertEquals(segs == 0 && res == 0, d.isEmpty());
            assertArrayEquals(enc, d.encode(), "encoding is canonical, seed " + seed);
        }
    }

    @Test
    void readsVersionOneWithoutFreeRuns() {
        Manifest m = randomManifest(new Random(3), 4, 2);
        Manifest noFree = new Manifest(m.nextId(), m.segments(), m.reservations(), List.of());
        byte[] v2 = noFree.encode();
        // version 1: the same bytes without the free-run count (the last field before the CRC)
        byte[] v1 = java.util.Arrays.copyOf(v2, v2.length - 4);
        dev.braid.store.internal.format.Bytes.putInt(v1, 4, 1);
        dev.braid.store.internal.format.Bytes.putInt(v1, v1.length - 4,
                dev.braid.store.internal.format.Crc.of(v1, 0, v1.length - 4));
        assertSameManifest(noFree, Manifest.decode(v1));
        dev.braid.store.internal.format.Bytes.putInt(v1, 4, 3);
        dev.braid.store.internal.format.Bytes.putInt(v1, v1.length - 4,
                dev.braid.store.internal.format.Crc.of(v1, 0, v1.length - 4));
        expectIae(v1, "version 3");
    }

    private static void expectIae(byte[] b, String what) {
        try {
            Manifest.decode(b);
            fail(what + ": decoded");
        } catch (IllegalArgumentException e) {
            // expected
        } catch (Throwable t) {
            throw new AssertionError(what + ": threw " + t, t);
        }
    }

    @Test
    void truncatedOrFlippedBytesAreRefusedWithIllegalArgument() {
        long seed = SegTestSupport.seed(92);
        Random rnd = new Random(seed);
        for (Manifest m : List.of(Manifest.EMPTY, randomManifest(rnd, 3, 2), randomManifest(rnd, 0, 3),
                randomManifest(rnd, 5, 0))) {
            byte[] enc = m.encode();
            for (int len = 0; len < enc.length; len++) {
                expectIae(Arrays.copyOf(enc, len), "truncated to " + len);
            }
            for (int bit = 0; bit < enc.length * 8; bit++) {
                byte[] b = enc.clone();
                b[bit / 8] ^= (byte) (1 << (bit % 8));
                expectIae(b, "bit " + bit + " flipped");
            }
            byte[] longer = Arrays.copyOf(enc, enc.length + 1 + rnd.nextInt(8));
            expectIae(longer, "trailing bytes");
        }
    }

    /** Re-stamps the checksum after changing the body, so the structural checks are what decides. */
    private static byte[] restamp(byte[] b) {
        Bytes.putInt(b, b.length - 4, Crc.of(b, 0, b.length - 4));
        return b;
    }

    private static void decodeOrIae(byte[] b, String what) {
        try {
            Manifest.decode(b);
        } catch (IllegalArgumentException e) {
            // fine
        } catch (Throwable t) {
            throw new AssertionError(what + ": threw " + t, t);
        }
    }

    @Test
    void wellSealedNonsenseIsRefusedWithIllegalArgument() {
        long seed = SegTestSupport.seed(93);
        Random rnd = new Random(seed);
        for (int t = 0; t < 3000; t++) {
            byte[] enc = randomManifest(rnd, rnd.nextInt(4), rnd.nextInt(3)).encode();
            byte[] b = enc.clone();
            for (int j = 1 + rnd.nextInt(3); j > 0; j--) {
                b[rnd.nextInt(b.length - 4)] ^= (byte) (1 + rnd.nextInt(255));
            }
            if (rnd.nextInt(4) == 0) {
                // Cut the body short (then seal it again).
                byte[] c = Arrays.copyOf(b, Math.max(4, rnd.nextInt(b.length)));
                b = c;
            }
            decodeOrIae(restamp(b), "seed " + seed + " round " + t);
        }
        // Counts and lengths that reach past the end, small and negative.
        byte[] base = randomManifest(rnd, 1, 1).encode();
        for (int v : new int[] {-1, Integer.MIN_VALUE, 1 << 20, 100_000}) {
            byte[] b = base.clone();
            Bytes.putInt(b, 16, v); // the segment count
            expectIae(restamp(b), "segment count " + v);
        }
        // A record that fails its own checks: id not below nextId, min key above max key.
        Manifest m = randomManifest(rnd, 1, 0);
        SegmentInfo s = m.segments().get(0);
        expectIae(new Manifest(s.id(), m.segments(), List.of(), List.of()).encode(), "id == nextId");
        SegmentInfo swapped = new SegmentInfo(s.id(), s.runs(), s.rootPage(), s.rootPages(), s.rootCrc(), s.entries(),
                s.tombstones(), s.dataBytes(), new byte[] {2}, new byte[] {1}, s.bloomPage(), s.bloomBytes(),
                s.bloomCrc(), s.deltaKnown(), s.liveDelta());
        expectIae(new Manifest(m.nextId(), List.of(swapped), List.of(), List.of()).encode(), "min above max");
        expectIae(new Manifest(m.nextId(), List.of(), List.of(new Run(0, 4)), List.of()).encode(), "run at page 0");
    }

    /**
     * In.need checks {@code pos + n > limit} in int arithmetic: a count near Integer.MAX_VALUE
     * overflows the sum, passes the check, and count() then allocates an ArrayList of that capacity.
     */
    @Test
    void hugeCountIsRefusedWithIllegalArgument() {
        byte[] b = Manifest.EMPTY.encode();
        Bytes.putInt(b, 16, Integer.MAX_VALUE - 8); // segment count at offset 16
        expectIae(restamp(b), "segment count near Integer.MAX_VALUE");
    }
}
