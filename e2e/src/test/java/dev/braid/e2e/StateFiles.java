package dev.braid.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.braid.store.Braid;
import dev.braid.store.BraidIterator;
import dev.braid.store.Entry;
import dev.braid.store.KeyRange;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * The Braid stores an application left on disk, read after it stopped: the store directories of
 * every task ({@code <state.dir>/<app id>/<task>/braid/<store>}) and the global one
 * ({@code .../global/braid/<store>}), their committed changelog offset (commit metadata
 * {@code offset/<topic>/<partition>}, docs/format/streams-metadata.md) and contents; and damage done to
 * them on purpose. Stateless.
 */
final class StateFiles {
    /** One task's copy of a store: where, its committed changelog offset (or -1), its entries. */
    record Copy(Path dir, String task, long committedOffset, Map<String, String> entries) {
    }

    /** Where to flip bytes in a page file. */
    enum Damage {
        /** Page 0, the header: found when the store opens. */
        HEADER,
        /** A byte in the middle of every page after the header: found when a page is read. */
        EVERY_DATA_PAGE
    }

    static final int PAGE_BYTES = 4096; // braid.page.size.bytes default

    private StateFiles() {
    }

    /** Every copy of {@code store} under the task directories of {@code stateDir} (not the global one). */
    static List<Copy> taskCopies(Path stateDir, String app, String store) {
        List<Copy> copies = new ArrayList<>();
        Path appDir = stateDir.resolve(app);
        if (!Files.isDirectory(appDir)) {
            return copies;
        }
        try (Stream<Path> tasks = Files.list(appDir)) {
            for (Path task : tasks.filter(t -> t.getFileName().toString().matches("\\d+_\\d+")).sorted().toList()) {
                Path dir = task.resolve("braid").resolve(store);
                if (Files.isDirectory(dir)) {
                    copies.add(read(dir, task.getFileName().toString()));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return copies;
    }

    /**
     * The union over tasks of the most advanced copy (highest committed offset) of {@code store} found in
     * any of {@code stateDirs}: the application's final state when it stopped cleanly.
     */
    static Map<String, String> finalState(String app, String store, Path... stateDirs) {
        Map<String, Copy> best = new TreeMap<>();
        for (Path stateDir : stateDirs) {
            for (Copy c : taskCopies(stateDir, app, store)) {
                best.merge(c.task(), c, (a, b) -> a.committedOffset() >= b.committedOffset() ? a : b);
            }
        }
        Map<String, String> state = new TreeMap<>();
        best.values().forEach(c -> state.putAll(c.entries()));
        return state;
    }

    /** The global store's copy under {@code stateDir}. */
    static Copy globalCopy(Path stateDir, String app, String store) {
        return read(globalDir(stateDir, app, store), "global");
    }

    static Path globalDir(Path stateDir, String app, String store) {
        return stateDir.resolve(app).resolve("global").resolve("braid").resolve(store);
    }

    /** Flips bytes of the page file in {@code storeDir} as {@code damage} says. */
    static void damage(Path storeDir, Damage damage) throws IOException {
        Path pages = storeDir.resolve("braid.pages");
        try (FileChannel ch = FileChannel.open(pages, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            long pageCount = ch.size() / PAGE_BYTES;
            assertTrue(pageCount >= 2, "a page file with data: " + pages + " has " + ch.size() + " bytes");
            if (damage == Damage.HEADER) {
                for (int at = 40; at < 48; at++) {
                    flip(ch, at);
                }
            } else {
                for (long page = 1; page < pageCount; page++) {
                    flip(ch, page * PAGE_BYTES + PAGE_BYTES / 2);
                }
            }
            ch.force(true);
        }
    }

    private static void flip(FileChannel ch, long at) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(1);
        ch.read(b, at);
        b.put(0, (byte) ~b.get(0)).rewind();
        ch.write(b, at);
    }

    /** Opens one store directory with the engine, checks its integrity, reads it, closes it. */
    private static Copy read(Path dir, String task) {
        try (Braid braid = Braid.open(dir)) {
            assertEquals(List.of(), braid.check(), "integrity of " + dir);
            long committed = -1;
            for (Map.Entry<String, String> e : braid.committedMetadata().entrySet()) {
                if (e.getKey().startsWith("offset/")) {
                    committed = Long.parseLong(e.getValue());
                }
            }
            Map<String, String> entries = new TreeMap<>();
            try (BraidIterator it = braid.iterator(KeyRange.all())) {
                while (it.hasNext()) {
                    Entry e = it.next();
                    entries.put(new String(e.key(), StandardCharsets.UTF_8), new String(e.value(), StandardCharsets.UTF_8));
                }
            }
            return new Copy(dir, task, committed, entries);
        }
    }
}
