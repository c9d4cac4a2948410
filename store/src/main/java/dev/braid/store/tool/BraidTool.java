package dev.braid.store.tool;

import dev.braid.store.BraidException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The {@code braid} command-line tool: {@code check}, {@code stats}, {@code dump} (read-only, safe
 * while an application has the store open) and {@code compact} (offline). The entry point of
 * {@code braid-tool.jar}; parses the command line, runs one command and maps the outcome to the exit
 * status: {@value #OK} ok, {@value #FAILED} a finding or an error, {@value #USAGE} a usage error.
 */
public final class BraidTool {
    static final int OK = 0;
    static final int FAILED = 1;
    static final int USAGE = 2;

    static final String USAGE_TEXT = """
            usage: braid <command> <store-dir> [options]

            commands:
              check <dir>     verify every page of the last commit; exit status 1 on any finding
              stats <dir>     file sizes, pages, free space, log, segments, entries, last commit
                              and its metadata
              dump <dir> [--from KEY] [--to KEY] [--limit N] [--hex | --utf8]
                              print the entries of a key range, one "key<TAB>value" a line, in key
                              order; --from is inclusive, --to exclusive; keys are given and
                              printed as UTF-8 text with \\xNN escapes (--utf8, the default) or in
                              hex (--hex)
              compact <dir>   finish all merges, move the tree to the front of the file and cut
                              its free end (commits carry the same metadata)
                              (offline: the store must not be open in an application)

            check, stats and dump open the store read-only: they take no lock and write nothing, so
            they may run while an application has the store open.

            exit status: 0 ok, 1 a finding or an error, 2 a usage error
            """;

    private static final Set<String> VALUE_OPTIONS = Set.of("--from", "--to", "--limit");
    private static final Set<String> FLAG_OPTIONS = Set.of("--hex", "--utf8");

    private BraidTool() {
    }

    public static void main(String[] args) {
        if (System.getProperty("org.slf4j.simpleLogger.defaultLogLevel") == null) {
            System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn"); // the engine's info is noise here
        }
        System.exit(run(args, System.out, System.err));
    }

    /** Runs one command line; returns the exit status. */
    static int run(String[] args, PrintStream out, PrintStream err) {
        try {
            if (args.length == 0) {
                throw new UsageException("no command given");
            }
            String command = args[0];
            if (List.of("help", "-h", "--help").contains(command)) {
                out.print(USAGE_TEXT);
                return OK;
            }
            Map<String, String> options = new HashMap<>();
            Path dir = parse(args, options);
            if (!command.equals("dump") && !options.isEmpty()) {
                throw new UsageException(command + " takes no options");
            }
            return switch (command) {
                case "check" -> CheckCommand.run(dir, out);
                case "stats" -> StatsCommand.run(dir, out);
                case "dump" -> DumpCommand.run(dir, options, out, err);
                case "compact" -> CompactCommand.run(dir, out);
                default -> throw new UsageException("unknown command: " + command);
            };
        } catch (UsageException e) {
            err.println("braid: " + e.getMessage());
            err.print(USAGE_TEXT);
            return USAGE;
        } catch (BraidException e) {
            err.println("braid: " + e.getMessage());
            return FAILED;
        }
    }

    /** Fills {@code options} from {@code args[1..]} and returns the one store directory among them. */
    private static Path parse(String[] args, Map<String, String> options) {
        List<String> dirs = new ArrayList<>();
        for (int i = 1; i < args.length; i++) {
            String a = args[i];
            if (VALUE_OPTIONS.contains(a)) {
                if (i + 1 == args.length) {
                    throw new UsageException(a + " needs a value");
                }
                options.put(a, args[++i]);
            } else if (FLAG_OPTIONS.contains(a)) {
                options.put(a, "");
            } else if (a.startsWith("--")) {
                throw new UsageException("unknown option: " + a);
            } else {
                dirs.add(a);
            }
        }
        if (dirs.size() != 1) {
            throw new UsageException(dirs.isEmpty() ? args[0] + ": no store directory given"
                    : args[0] + ": one store directory expected, got " + dirs);
        }
        return Path.of(dirs.get(0));
    }
}
