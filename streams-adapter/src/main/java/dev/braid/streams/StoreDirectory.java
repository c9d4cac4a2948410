package dev.braid.streams;

import dev.braid.store.Braid;
import dev.braid.store.BraidException;
import dev.braid.store.BraidOptions;
import dev.braid.store.CorruptionException;
import dev.braid.store.IncompatibleFormatException;
import dev.braid.store.IntegrityFinding;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.kafka.streams.errors.ProcessorStateException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Opens the Braid directory of one store, {@code <task state dir>/braid/<store name>}, and deals with
 * a damaged one: under at-least-once Kafka reopens the same files after a corruption, so the store
 * itself moves them aside to {@code <store name>.corrupt-<epoch millis>} (kept for inspection), starts
 * empty and reports no committed offset, which makes Kafka restore the whole changelog. A store that
 * Kafka could not rebuild if damage turned up later (a global store) is checked in full when it opens.
 * Stateless; thread safe.
 */
final class StoreDirectory {
    private static final Logger LOG = LoggerFactory.getLogger(StoreDirectory.class);

    /** What {@link #open} found: the open store and its decoded commit metadata. */
    record Opened(Braid braid, CommitMetadata metadata, Path quarantined) {
    }

    private StoreDirectory() {
    }

    /** The directory of store {@code storeName} under a task's state directory. */
    static Path of(Path taskStateDir, String storeName) {
        return taskStateDir.resolve("braid").resolve(storeName);
    }

    /**
     * Opens {@code dir}; if its files are corrupt, of a foreign format, or carry metadata this adapter
     * cannot read, moves them aside and opens an empty store instead. With {@code verify}, also runs
     * {@link Braid#check()} (reads every page once) and treats any finding as damage: for stores whose
     * damage Kafka cannot recover from once their restore has started (global stores: the offset to
     * restore from is read right after open, and a failure later kills the global thread).
     */
    static Opened open(Path dir, BraidOptions options, String storeName, boolean verify) {
        return open(dir, options, storeName, verify, null);
    }

    /**
     * As {@link #open(Path, BraidOptions, String, boolean)}; a window or session store also passes its
     * {@code layout}, and a directory written with another key layout (its commit metadata says so,
     * {@link SegmentLayout#matches}) is moved aside to {@code <store name>.old-layout-<epoch millis>}
     * and an empty store opened instead: Kafka then restores the changelog, whose keys do not depend
     * on the layout, from the beginning.
     */
    static Opened open(Path dir, BraidOptions options, String storeName, boolean verify, SegmentLayout layout) {
        try {
            Braid braid = Braid.open(dir, options);
            RuntimeException damage;
            try {
                List<IntegrityFinding> findings = verify ? braid.check() : List.of();
                if (findings.isEmpty()) {
                    Map<String, String> metadata = braid.committedMetadata();
                    if (layout != null && !layout.matches(metadata)) {
                        closeQuietly(braid, storeName);
                        return reopenWithNewLayout(dir, options, storeName, layout, metadata);
                    }
                    return new Opened(braid, CommitMetadata.decode(metadata), null);
                }
                damage = new IllegalStateException(
                        findings.size() + " integrity finding(s), the first: " + findings.get(0));
            } catch (IllegalStateException | CorruptionException damaged) { // unreadable metadata, or check()
                damage = damaged;
            } catch (RuntimeException e) {
                closeQuietly(braid, storeName);
                throw e;
            }
            closeQuietly(braid, storeName);
            return reopenEmpty(dir, options, storeName, damage);
        } catch (CorruptionException | IncompatibleFormatException damaged) {
            return reopenEmpty(dir, options, storeName, damaged);
        } catch (BraidException e) {
            throw new ProcessorStateException("cannot open Braid store " + storeName + " in " + dir, e);
        }
    }

    /**
     * Moves a closed store's damaged directory aside to {@code <name>.corrupt-<epoch millis>}, so that
     * the next open starts empty (no committed offset: Kafka restores the whole changelog).
     */
    static Path moveAside(Path dir, String storeName, RuntimeException why) {
        return moveAside(dir, storeName, why, ".corrupt-");
    }

    private static Path moveAside(Path dir, String storeName, RuntimeException why, String suffix) {
        Path aside = dir.resolveSibling(dir.getFileName() + suffix + System.currentTimeMillis());
        try {
            Files.move(dir, aside);
        } catch (IOException e) {
            ProcessorStateException pse = new ProcessorStateException(
                    "Braid store " + storeName + " in " + dir + " is damaged and cannot be moved aside", e);
            pse.addSuppressed(why);
            throw pse;
        }
        return aside;
    }

    private static void closeQuietly(Braid braid, String storeName) {
        try {
            braid.close();
        } catch (BraidException e) {
            LOG.warn("closing the damaged Braid store {} failed", storeName, e);
        }
    }

    private static Opened reopenWithNewLayout(Path dir, BraidOptions options, String storeName, SegmentLayout layout,
                                              Map<String, String> metadata) {
        String found = metadata.getOrDefault(SegmentLayout.METADATA_KEY, "key-first (untagged)");
        IllegalStateException why = new IllegalStateException("Braid store " + storeName + " in " + dir
                + " holds the key layout " + found + "; this store reads " + layout.tag);
        Path aside = moveAside(dir, storeName, why, ".old-layout-");
        LOG.warn("Braid store {} in {} was written with the key layout {}, this store uses {}; moved it to {} and "
                + "opened an empty store, so the changelog will be restored from the beginning",
                storeName, dir, found, layout.tag, aside);
        return openEmpty(dir, options, storeName, aside);
    }

    private static Opened reopenEmpty(Path dir, BraidOptions options, String storeName, RuntimeException why) {
        Path aside = moveAside(dir, storeName, why);
        LOG.error("Braid store {} in {} is damaged; moved it to {} and opened an empty store, "
                + "so the changelog will be restored from the beginning", storeName, dir, aside, why);
        return openEmpty(dir, options, storeName, aside);
    }

    private static Opened openEmpty(Path dir, BraidOptions options, String storeName, Path aside) {
        try {
            return new Opened(Braid.open(dir, options), CommitMetadata.decode(Map.of()), aside);
        } catch (BraidException e) {
            throw new ProcessorStateException("cannot open Braid store " + storeName + " in " + dir, e);
        }
    }
}
