package dev.braid.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Values of half a page or more are written by a flush on pages of their own, which the segment's
 * entries reference (docs/format/segment.md); a fold hands those pages to the tree instead of
 * copying the values, segment merges copy them. The store holds exactly what was written at every
 * stage, no page is lost or counted twice ({@code check()}), and a damaged value page is reported,
 * never read as a wrong value.
 */
class SeparatedValuesTest {
    private static final int PAGE = 4096;

    @TempDir
    Path dir;

    private final NavigableMap<byte[], byte[]> model = new TreeMap<>(Arrays::compareUnsigned);
    private final List<byte[]> keys = new ArrayList<>();

    private static BraidOptions options() {
        return BraidOptions.builder().pageSizeBytes(PAGE).cacheBytes(8L << 20).writeBufferBytes(256L << 10).build();
    }

    /** A restore-like stream: mostly values of 2 to 4 KiB, some small ones, overwrites and deletes. */
    private void restore(Braid b, Random rnd, int records, boolean unlogged) {
        for (int done = 0; done < records; ) {
            WriteBatch wb = unlogged ? new WriteBatch().unlogged() : new WriteBatch();
            for (int i = 0; i < 200; i++, done++) {
                int dice = rnd.nextInt(100);
                byte[] k;
                if (dice < 10 && !keys.isEmpty()) {
                    k = keys.get(rnd.nextInt(keys.size())); // an overwrite or delete of an earlier key
                } else {
                    k = new byte[8 + rnd.nextInt(24)];
                    rnd.nextBytes(k);
                    keys.add(k);
                }
                if (dice < 3) {
                    wb.blindDelete(k);
                    model.remove(k);
                    continue;
                }
                byte[] v = new byte[dice < 25 ? rnd.nextInt(300) : PAGE / 2 + rnd.nextInt(PAGE / 2 + 1)];
                rnd.nextBytes(v);
                wb.blindPut(k, v);
                model.put(k, v);
            }
            b.write(wb);
        }
    }

    @Test
    void aFoldTakesTheValuePagesOverInsteadOfCopyingThem() {
        Random rnd = new Random(5);
        long valueBytes;
        try (Braid b = Braid.open(dir, options())) {
            b.pauseMerges();
            restore(b, rnd, 6_000, true);
            b.commit(Map.of("offset", "1"));
            assertTrue(b.stats().segments() >= 2, "segments: " + b.stats().segments());
            assertHolds(b);
            assertEquals(List.of(), b.check());
            valueBytes = model.values().stream().mapToLong(v -> v.length).sum();
            long writtenBefore = b.stats().bytesWritten();
            b.resumeMerges();
            b.finishMerges();
            long foldWrote = b.stats().bytesWritten() - writtenBefore;
            assertEquals(0, b.stats().segments());
            assertTrue(foldWrote < valueBytes / 10,
                    "the fold wrote " + foldWrote + " bytes for " + valueBytes + " bytes of values: it copied them");
            assertHolds(b);
            assertEquals(List.of(), b.check());
            b.commit(Map.of("offset", "2"));
        }
        try (Braid b = Braid.open(dir, options())) {
            assertHolds(b);
            assertEquals(List.of(), b.check());
            // Tree updates and deletes free pages the tree took over; their space is accounted for.
            for (int i = 0; i < keys.size(); i += 3) {
                byte[] k = keys.get(i);
                if (i % 2 == 0) {
                    b.delete(k);
                    model.remove(k);
                } else {
                    byte[] v = new byte[100 + rnd.nextInt(PAGE)];
                    rnd.nextBytes(v);
                    b.put(k, v);
                    model.put(k, v);
                }
            }
            assertHolds(b); // a scan reads runs of value pages, some of them with newer images in the log
            b.commit(Map.of("offset", "3"));
            assertHolds(b);
            b.checkpoint();
            assertHolds(b);
            assertEquals(List.of(), b.check());
        }
        try (Braid b = Braid.open(dir, options())) {
            assertEquals(Map.of("offset", "3"), b.committedMetadata());
            assertHolds(b);
            assertEquals(List.of(), b.check());
        }
    }

    @Test
    void segmentMergesAndReadersSeeTheValuesOnTheirOwnPages() {
        Random rnd = new Random(6);
        try (Braid b = Braid.open(dir, options())) {
            for (int c = 0; c < 30; c++) { // logged batches, one commit each: many small segments, merged
                restore(b, rnd, 400, false);
                b.commit(Map.of("offset", Integer.toString(c)));
                if (c % 10 == 9) {
                    assertHolds(b);
                }
            }
            assertTrue(b.stats().merges() > 0, "segments were merged");
            try (Braid ro = Braid.openReadOnly(dir)) {
                assertHolds(ro);
            }
            assertEquals(List.of(), b.check());
            b.finishMerges();
            assertHolds(b);
            assertEquals(List.of(), b.check());
        }
        try (Braid b = Braid.open(dir, options())) {
            assertHolds(b);
            assertEquals(List.of(), b.check());
        }
    }

    @Test
    void aDamagedValuePageIsReportedNotReadWrong() throws IOException {
        Random rnd = new Random(7);
        byte[] key;
        byte[] value;
        try (Braid b = Braid.open(dir, options())) {
            b.pauseMerges();
            restore(b, rnd, 6_000, true); // larger than the budget: segments, not a tree built at once
            key = model.entrySet().stream().filter(e -> e.getValue().length >= PAGE / 2).findFirst().orElseThrow()
                    .getKey();
            value = model.get(key);
            b.commit(Map.of("offset", "1")); // the buffer becomes a segment; merges stay paused
            assertTrue(b.stats().segments() >= 1);
        }
        Path pages = dir.resolve("braid.pages");
        byte[] file = Files.readAllBytes(pages);
        int at = FaultTestSupport.indexOf(file, Arrays.copyOf(value, 64));
        assertTrue(at > 0 && at % PAGE == 0, "the value starts a page of its own: " + at + " of " + file.length);
        try (RandomAccessFile f = new RandomAccessFile(pages.toFile(), "rw")) {
            f.seek(at + 10);
            f.write(~value[10]);
        }
        try (Braid b = Braid.open(dir, options())) {
            b.pauseMerges();
            CorruptionException e = assertThrows(CorruptionException.class, () -> b.get(key));
            assertTrue(e.getMessage().contains("page " + at / PAGE), e.getMessage());
            List<IntegrityFinding> found = b.check();
            assertEquals(1, found.size(), found.toString());
            assertTrue(found.get(0).toString().contains("value page " + at / PAGE), found.toString());
            for (Map.Entry<byte[], byte[]> en : model.entrySet()) {
                if (!Arrays.equals(en.getKey(), key)) {
                    assertArrayEquals(en.getValue(), b.get(en.getKey()), "the other values read back");
                }
            }
        }
    }

    @Test
    void aScanReadsValuePagesInRunsAndChecksEach() throws IOException {
        Random rnd = new Random(8);
        try (Braid b = Braid.open(dir, options())) {
            b.pauseMerges();
            restore(b, rnd, 6_000, true);
            b.commit(Map.of("offset", "1"));
            b.resumeMerges();
            b.finishMerges();
            b.commit(Map.of("offset", "2"));
            assertHolds(b);
        }
        byte[] key = model.entrySet().stream().filter(e -> e.getValue().length >= PAGE / 2).skip(100).findFirst()
                .orElseThrow().getKey();
        byte[] value = model.get(key);
        Path pages = dir.resolve("braid.pages");
        int at = FaultTestSupport.indexOf(Files.readAllBytes(pages), Arrays.copyOf(value, 64));
        assertTrue(at > 0 && at % PAGE == 0, "the value starts a page of its own: " + at);
        try (RandomAccessFile f = new RandomAccessFile(pages.toFile(), "rw")) {
            f.seek(at + PAGE - 1); // the padding after a shorter value is checked too
            f.write(1);
        }
        try (Braid b = Braid.open(dir, options())) {
            CorruptionException e = assertThrows(CorruptionException.class, () -> {
                try (BraidIterator it = b.iterator(KeyRange.all())) {
                    while (it.hasNext()) {
                        it.next();
                    }
                }
            });
            assertTrue(e.getMessage().contains("page " + at / PAGE), e.getMessage());
            byte[] before = model.lowerKey(key);
            try (BraidIterator it = b.iterator(KeyRange.of(model.firstKey(), true, before, true))) {
                int n = 0;
                while (it.hasNext()) {
                    Entry got = it.next();
                    assertArrayEquals(model.get(got.key()), got.value());
                    n++;
                }
                assertEquals(model.headMap(key, false).size(), n, "the entries before the damaged one read back");
            }
        }
    }

    private void assertHolds(Braid b) {
        FaultTestSupport.assertHolds(model, b);
        for (int i = 0; i < keys.size(); i += 7) {
            if (!model.containsKey(keys.get(i))) {
                assertEquals(null, b.get(keys.get(i)), "a deleted key");
            }
        }
    }
}
