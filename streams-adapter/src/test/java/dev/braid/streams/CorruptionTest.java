package dev.braid.streams;

import static dev.braid.streams.StoreFixture.b;
import static dev.braid.streams.StoreFixture.s;
import static dev.braid.streams.StoreFixture.v;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.streams.errors.TaskCorruptedException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A damaged store found at open is moved aside and replaced by an empty one with no committed offset
 * (so Kafka restores everything); damage found while processing becomes a TaskCorruptedException.
 */
class CorruptionTest {
    private static final TopicPartition CHANGELOG = new TopicPartition("app-store-changelog", 0);

    @TempDir
    Path dir;

    @Test
    void aStoreDamagedAtOpenIsMovedAsideAndOpensEmpty() throws IOException {
        TestStoreContext ctx = StoreFixture.context(dir);
        committedStore(ctx, "damaged", 200);
        Path pages = StoreFixture.storeDir(dir, "damaged").resolve("braid.pages");
        flipByte(pages, 100); // inside the header page: its checksum no longer matches

        BraidKeyValueStore store = StoreFixture.open(ctx, "damaged");
        try {
            assertNull(store.committedOffset(CHANGELOG), "no committed offset: Kafka restores from the start");
            assertEquals(0, store.approximateNumEntries());
            List<Path> aside = siblingsStartingWith(dir.resolve("braid"), "damaged.corrupt-");
            assertEquals(1, aside.size(), "the damaged files are kept aside");
            assertTrue(Files.exists(aside.get(0).resolve("braid.pages")));
            store.put(b("new"), v("1")); // the fresh store works
            store.commit(Map.of(CHANGELOG, 3L));
            assertEquals(3L, store.committedOffset(CHANGELOG));
        } finally {
            store.close();
        }
    }

    @Test
    void aStoreWithUnreadableMetadataIsMovedAside() throws IOException {
        TestStoreContext ctx = StoreFixture.context(dir);
        BraidKeyValueStore store = StoreFixture.open(ctx, "future");
        store.braid().commit(Map.of(CommitMetadata.FORMAT_KEY, "99"));
        store.close();
        store = StoreFixture.open(ctx, "future");
        try {
            assertEquals(1, siblingsStartingWith(dir.resolve("braid"), "future.corrupt-").size());
        } finally {
            store.close();
        }
    }

    @Test
    void damageFoundWhileProcessingIsATaskCorruption() throws IOException {
        TestStoreContext ctx = StoreFixture.context(dir);
        committedStore(ctx, "leaf", 2000);
        Path pages = StoreFixture.storeDir(dir, "leaf").resolve("braid.pages");
        long size = Files.size(pages);
        for (long off = 4096 + 100; off < size; off += 4096) {
            flipByte(pages, off); // every tree page; the header page stays intact
        }
        BraidKeyValueStore store = StoreFixture.open(ctx, "leaf");
        try {
            assertEquals(1999L, store.committedOffset(CHANGELOG), "the header is intact, so open succeeds");
            TaskCorruptedException e = assertThrows(TaskCorruptedException.class, () -> store.get(b("k1")));
            assertEquals(java.util.Set.of(TestStoreContext.TASK), e.corruptedTasks());
        } finally {
            store.close();
        }
        // Kafka closes the task dirty and revives it on the same directory: it must not fail again.
        assertEquals(1, siblingsStartingWith(dir.resolve("braid"), "leaf.corrupt-").size(),
                "the damaged store is moved aside when it closes");
        BraidKeyValueStore revived = StoreFixture.open(ctx, "leaf");
        try {
            assertEquals(null, revived.committedOffset(CHANGELOG), "no committed offset: a full restore");
            assertEquals(null, revived.get(b("k1")));
            revived.put(b("k1"), v("again"));
            assertEquals("again", s(revived.get(b("k1"))));
        } finally {
            revived.close();
        }
    }

    /**
     * Kafka cannot rebuild a global store found damaged once its restore has started, so a global store
     * (task -1_-1) is checked when it opens: damaged data pages behind an intact header are found there,
     * and the store starts empty with no committed offset (a full restore). A task store with the same
     * damage opens with its offset (the damage is found when a page is read).
     */
    @Test
    void aGlobalStoreWithDamagedDataPagesIsMovedAsideAtOpen() throws IOException {
        TestStoreContext ctx = StoreFixture.context(dir).taskId(new org.apache.kafka.streams.processor.TaskId(-1, -1));
        committedStore(ctx, "global", 2000);
        BraidKeyValueStore clean = StoreFixture.open(ctx, "global");
        try {
            assertEquals(1999L, clean.committedOffset(CHANGELOG), "an undamaged global store keeps its offset");
            assertEquals("value-7", s(clean.get(b("k7"))));
        } finally {
            clean.close();
        }
        damageEveryDataPage(StoreFixture.storeDir(dir, "global").resolve("braid.pages"));

        BraidKeyValueStore store = StoreFixture.open(ctx, "global");
        try {
            assertNull(store.committedOffset(CHANGELOG), "no committed offset: Kafka restores from the start");
            assertEquals(0, store.approximateNumEntries());
            assertEquals(1, siblingsStartingWith(dir.resolve("braid"), "global.corrupt-").size());
        } finally {
            store.close();
        }
    }

    private static void damageEveryDataPage(Path pages) throws IOException {
        long size = Files.size(pages);
        for (long off = 4096 + 100; off < size; off += 4096) {
            flipByte(pages, off);
        }
    }

    private static void committedStore(TestStoreContext ctx, String name, int n) {
        BraidKeyValueStore store = StoreFixture.open(ctx, name);
        for (int i = 0; i < n; i++) {
            store.put(b("k" + i), v("value-" + i));
        }
        store.commit(Map.of(CHANGELOG, (long) n - 1));
        assertEquals("value-1", s(store.get(b("k1"))));
        store.close();
    }

    private static void flipByte(Path file, long offset) throws IOException {
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.seek(offset);
            int x = raf.read();
            raf.seek(offset);
            raf.write(x ^ 0x5A);
        }
    }

    private static List<Path> siblingsStartingWith(Path parent, String prefix) throws IOException {
        try (Stream<Path> s = Files.list(parent)) {
            return s.filter(p -> p.getFileName().toString().startsWith(prefix)).toList();
        }
    }
}
