package dev.braid.store.tool;

import dev.braid.store.Braid;
import dev.braid.store.BraidOptions;
import dev.braid.store.BraidStats;
import dev.braid.store.StoreLockedException;
import java.io.PrintStream;
import java.nio.file.Path;

/**
 * {@code braid compact DIR}, offline: opens the store read-write (refused while an application has
 * it open) and runs {@link Braid#compact()}: every segment folded into the B+tree, the tree moved to
 * the front of the file, the free end cut off (each step committed with the same metadata); then
 * closes, which cuts the file to its new length.
 */
final class CompactCommand {
    private CompactCommand() {
    }

    static int run(Path dir, PrintStream out) {
        Braid store;
        try {
            store = Braid.open(dir, BraidOptions.builder().createIfMissing(false).build());
        } catch (StoreLockedException e) {
            throw new StoreLockedException("cannot compact " + dir + ": it is open in another process (an"
                    + " application holds its lock); stop the application first, or use the read-only"
                    + " commands");
        }
        try (store) {
            BraidStats before = store.stats();
            store.compact();
            BraidStats after = store.stats();
            out.println("before: " + summary(before));
            out.println("after:  " + summary(after));
            return BraidTool.OK;
        }
    }

    private static String summary(BraidStats s) {
        return "commit " + s.lastCommitSequence() + ", " + s.entries() + " entries, " + s.segments() + " segments ("
                + s.pendingMergeBytes() + " bytes to merge), " + s.pageCount() + " pages (" + s.freePages()
                + " free), page file " + s.pageFileBytes() + " bytes (cut to the page count at close)";
    }
}
