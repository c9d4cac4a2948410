package dev.braid.store.tool;

import dev.braid.store.Braid;
import dev.braid.store.BraidIterator;
import dev.braid.store.Entry;
import dev.braid.store.KeyRange;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Map;

/**
 * {@code braid dump DIR [--from K] [--to K] [--limit N] [--hex|--utf8]}: the entries of a key range,
 * one {@code key<TAB>value} line each on standard output, read-only; a summary on standard error.
 */
final class DumpCommand {
    private DumpCommand() {
    }

    static int run(Path dir, Map<String, String> options, PrintStream out, PrintStream err) {
        if (options.containsKey("--hex") && options.containsKey("--utf8")) {
            throw new UsageException("--hex and --utf8 exclude each other");
        }
        KeyFormat format = options.containsKey("--hex") ? KeyFormat.HEX : KeyFormat.UTF8;
        byte[] from = options.containsKey("--from") ? format.parse(options.get("--from")) : null;
        byte[] to = options.containsKey("--to") ? format.parse(options.get("--to")) : null;
        long limit = limit(options.get("--limit"));
        try (Braid store = Braid.openReadOnly(dir);
             BraidIterator it = store.iterator(KeyRange.of(from, true, to, false))) {
            long first = store.lastCommitSequence();
            long n = 0;
            while (n < limit && it.hasNext()) {
                Entry e = it.next();
                out.print(format.format(e.key()));
                out.print('\t');
                out.println(format.format(e.value()));
                n++;
            }
            boolean more = n == limit && it.hasNext();
            out.flush();
            long last = store.lastCommitSequence();
            err.println(n + (n == 1 ? " entry" : " entries") + (more ? " (limit reached)" : "") + " at commit "
                    + (first == last ? Long.toString(first) : first + ".." + last
                    + " (the application checkpointed newer commits during the dump)"));
            return BraidTool.OK;
        }
    }

    private static long limit(String text) {
        if (text == null) {
            return Long.MAX_VALUE;
        }
        try {
            long n = Long.parseLong(text);
            if (n >= 0) {
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new UsageException("--limit needs a number of entries, got " + text);
    }
}
