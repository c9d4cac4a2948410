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
        List<Run> free = res.isEmpty() ? List.of() : rnd.nextBoolean() ? List.of(new Run(900_000, 3), new Run(900_010, 1))
                : fragmented(rnd, 1 + rnd.nextInt(300));
        return new Manifest(nextId, segs, res, free);
    }

    /** Free runs as freed values leave them: many short ones, sorted, disjoint, never adjacent. */
    static List<Run> fragmented(Random rnd, int n) {
        List<Run> out = new ArrayList<>();
        int page = 1 + rnd.nextInt(1000);
        for (int i = 0; i < n; i++) {
            int len = rnd.nextInt(4) == 0 ? 1 + rnd.nextInt(40) : 1;
            out.add(new Run(page, len));
            page += len + 1 + rnd.nextInt(rnd.nextBoolean() ? 3 : 300);
        }
        return out;
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
    void readsVersionsOneTwoAndThree() {
        Manifest m = randomManifest(new Random(3), 4, 2);
        Manifest withFree = new Manifest(m.nextId(), m.segments(), m.reservations(),
                List.of(new Run(1_000, 3), new Run(900_010, 1))); // far apart: a list is shorter than a bitmap
        byte[] v4 = withFree.encode();
        byte[] v3 = withVersion(v4.clone(), 3); // the same layout
        assertSameManifest(withFree, Manifest.decode(v3));
        int freeAt = v3.length - 4 - (1 + 4 + 16); // kind byte, run count, two runs, then the CRC
        assertEquals(0, v3[freeAt], "two runs are written as a list");
        // version 2: the same bytes without the kind byte of the free runs
        byte[] v2 = new byte[v3.length - 1];
        System.arraycopy(v3, 0, v2, 0, freeAt);
        System.arraycopy(v3, freeAt + 1, v2, freeAt, v3.length - freeAt - 1);
        assertSameManifest(withFree, Manifest.decode(withVersion(v2, 2)));
        // version 1: no free runs at all
        byte[] v1 = Arrays.copyOf(v3, freeAt + 4);
        Manifest noFree = new Manifest(m.nextId(), m.segments(), m.reservations(), List.of());
        assertSameManifest(noFree, Manifest.decode(withVersion(v1, 1)));
        expectIae(withVersion(v3.clone(), 5), "version 5");
    }

    private static byte[] withVersion(byte[] b, int version) {
        Bytes.putInt(b, 4, version);
        Bytes.putInt(b, b.length - 4, Crc.of(b, 0, b.length - 4));
        return b;
    }

    @Test
    void manyShortFreeRunsAreWrittenAsABitmap() {
        Random rnd = new Random(SegTestSupport.seed(93));
        for (int t = 0; t < 50; t++) {
            List<Run> free = fragmented(rnd, 1 + rnd.nextInt(20_000));
            Manifest m = new Manifest(7, List.of(), List.of(), free);
            byte[] enc = m.encode();
            long span = free.get(free.size() - 1).end() - free.get(0).start();
            assertTrue(enc.length <= 40 + Math.min(8L * free.size(), (span + 7) / 8 + 8),
                    free.size() + " runs over " + span + " pages took " + enc.length + " bytes");
            assertSameManifest(m, Manifest.decode(enc));
        }
        // 10,000 one-page runs, every other page: 2,500 bytes of bitmap instead of 80,000 of list
        List<Run> alternate = new ArrayList<>();
        for (int i = 0; i < 10_000; i++) {
            alternate.add(new Run(100 + 2 * i, 1));
        }
        byte[] enc = new Manifest(7, List.of(), List.of(), alternate).encode();
        assertTrue(enc.length < 2_600, "bitmap of 20,000 pages: " + enc.length + " bytes");
        assertEquals(alternate, Manifest.decode(enc).free());
        // a bit set past the bitmap's page count is refused
        byte[] bad = enc.clone();
        int spanAt = bad.length - 4 - 2_500 - 4;
        Bytes.putInt(bad, spanAt, Bytes.getInt(bad, spanAt) - 1);
        expectIae(withVersion(bad, 3), "a free page past the bitmap's count");
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
