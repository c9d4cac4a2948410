package dev.braid.examples;

import dev.braid.store.Braid;
import dev.braid.store.BraidIterator;
import dev.braid.store.BraidOptions;
import dev.braid.store.Durability;
import dev.braid.store.Entry;
import dev.braid.store.KeyRange;
import dev.braid.store.WriteBatch;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * A tour of the store engine on its own: load word counts in batches, commit them with a changelog
 * offset, write more without committing, close (which drops uncommitted writes exactly as a crash
 * would), reopen at the last commit and read it back. Run with an optional directory argument (kept);
 * without one it uses a temporary directory and deletes it.
 */
public final class StoreTour {
    private StoreTour() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length > 0) {
            run(Path.of(args[0]), System.out);
            return;
        }
        Path dir = Files.createTempDirectory("braid-tour");
        try {
            run(dir, System.out);
        } finally {
            LocalBroker.deleteTree(dir);
        }
    }

    /** Runs the tour in {@code dir}, printing to {@code out}; returns the number of committed keys. */
    public static long run(Path dir, PrintStream out) {
        BraidOptions options = BraidOptions.builder().durability(Durability.FULL).build();
        int words = 200_000;
        long start = System.nanoTime();
        try (Braid store = Braid.open(dir, options)) {
            WriteBatch batch = new WriteBatch();
            for (int i = 0; i < words; i++) {
                batch.put(key(i), Long.toString(i % 97).getBytes(StandardCharsets.UTF_8));
                if (batch.size() == 1000) {
                    store.write(batch);
                    batch.clear();
                }
            }
            store.write(batch);
            store.commit(Map.of("changelog-0", Long.toString(words)));
            out.printf("loaded and committed %,d keys in %d ms (offset %d)%n", store.count(),
                    (System.nanoTime() - start) / 1_000_000, words);
            for (int i = 0; i < 5_000; i++) {
                store.put(key(words + i), new byte[] {1});
            }
            out.printf("wrote 5,000 more keys without committing: count is now %,d%n", store.count());
        }
        try (Braid store = Braid.open(dir, options)) {
            out.printf("reopened at commit %d with metadata %s: %,d keys (the uncommitted ones are gone)%n",
                    store.lastCommitSequence(), store.committedMetadata(), store.count());
            out.println("keys from word-000100 to word-000104:");
            try (BraidIterator it = store.iterator(KeyRange.closed(key(100), key(104)))) {
                while (it.hasNext()) {
                    Entry e = it.next();
                    out.printf("  %s = %s%n", new String(e.key(), StandardCharsets.UTF_8),
                            new String(e.value(), StandardCharsets.UTF_8));
                }
            }
            out.printf("integrity check: %s%n", store.check().isEmpty() ? "clean" : store.check());
            out.printf("files: %s%n", store.stats());
            return store.count();
        }
    }

    private static byte[] key(int i) {
        return String.format("word-%06d", i).getBytes(StandardCharsets.UTF_8);
    }
}
