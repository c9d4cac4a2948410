package dev.braid.store.internal.wal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** {@link FrameIndex} against a {@code HashMap}: puts, replacements, copies, merges, clears, growth. */
class FrameIndexTest {
    @Test
    void behavesLikeAMapOfPagesToOffsets() {
        Random rnd = new Random(7);
        FrameIndex index = new FrameIndex();
        Map<Integer, Long> model = new HashMap<>();
        for (int round = 0; round < 20; round++) {
            int pages = round % 2 == 0 ? 50 : 200_000; // dense runs and a wide spread, small and large
            for (int i = 0; i < 20_000; i++) {
                int page = round % 3 == 0 ? i % pages : rnd.nextInt(pages);
                long off = rnd.nextLong() & Long.MAX_VALUE;
                index.put(page, off);
                model.put(page, off);
            }
            assertEquals(model.size(), index.size(), "size, round " + round);
            for (int page = -1; page < 200_100; page += 1 + rnd.nextInt(7)) {
                assertEquals(model.getOrDefault(page, -1L), index.get(page), "page " + page + ", round " + round);
            }
            FrameIndex copy = new FrameIndex(index);
            FrameIndex merged = new FrameIndex();
            merged.put(1_000_000, 5);
            merged.putAll(index);
            long from = rnd.nextLong() & Long.MAX_VALUE;
            int[] expected = model.entrySet().stream().filter(e -> e.getValue() >= from)
                    .mapToInt(Map.Entry::getKey).sorted().toArray();
            assertArrayEquals(expected, copy.pagesFrom(from), "pages from " + from);
            assertEquals(model.size() + 1, merged.size());
            assertEquals(5, merged.get(1_000_000));
            if (round % 4 == 3) {
                int copied = copy.size();
                index.clear();
                model.clear();
                assertEquals(-1, index.get(0));
                assertEquals(0, index.size());
                assertEquals(copied, copy.size(), "a copy is not cleared with it");
                assertEquals(copied + 1, merged.size());
            }
        }
        assertThrows(IllegalArgumentException.class, () -> index.put(-1, 0));
        assertThrows(IllegalArgumentException.class, () -> index.put(0, -1));
    }
}
