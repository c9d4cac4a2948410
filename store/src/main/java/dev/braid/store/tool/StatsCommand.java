package dev.braid.store.tool;

import dev.braid.store.Braid;
import dev.braid.store.BraidStats;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;

/**
 * {@code braid stats DIR}: one "name  value" line per figure of the last commit, read-only. Sizes
 * are in bytes.
 */
final class StatsCommand {
    private StatsCommand() {
    }

    static int run(Path dir, PrintStream out) {
        try (Braid store = Braid.openReadOnly(dir)) {
            BraidStats s = store.stats();
            Map<String, String> meta = new TreeMap<>(store.committedMetadata());
            int frameBytes = s.pageSizeBytes() + 32;
            line(out, "store", dir.toString());
            line(out, "page size", s.pageSizeBytes() + " bytes");
            line(out, "page file", fileSize(dir.resolve("braid.pages")) + " bytes, " + s.pageCount() + " pages");
            line(out, "free", s.freePages() + " pages (" + s.freePages() * s.pageSizeBytes() + " bytes)");
            line(out, "log", fileSize(dir.resolve("braid.log")) + " bytes, " + (s.logBytes() - 512) / frameBytes
                    + " committed frames since its last reset");
            line(out, "segments", s.segments() + " (" + s.pendingMergeBytes() + " bytes of keys and values to merge)");
            line(out, "entries", Long.toString(s.entries()));
            line(out, "last commit", Long.toString(s.lastCommitSequence()));
            if (meta.isEmpty()) {
                line(out, "metadata", "(none)");
            }
            String name = "metadata";
            for (Map.Entry<String, String> e : meta.entrySet()) {
                line(out, name, e.getKey() + "=" + e.getValue());
                name = "";
            }
            return BraidTool.OK;
        }
    }

    private static void line(PrintStream out, String name, String value) {
        out.printf("%-12s %s%n", name, value);
    }

    private static String fileSize(Path file) {
        try {
            return Long.toString(Files.size(file));
        } catch (IOException e) {
            return "? (" + e.getMessage() + ")";
        }
    }
}
