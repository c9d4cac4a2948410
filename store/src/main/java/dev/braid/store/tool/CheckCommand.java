package dev.braid.store.tool;

import dev.braid.store.Braid;
import dev.braid.store.IntegrityFinding;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;

/** {@code braid check DIR}: the integrity check of the last commit, read-only; 1 on any finding. */
final class CheckCommand {
    private CheckCommand() {
    }

    static int run(Path dir, PrintStream out) {
        try (Braid store = Braid.openReadOnly(dir)) {
            List<IntegrityFinding> findings = store.check();
            long commit = store.lastCommitSequence();
            for (IntegrityFinding f : findings) {
                out.println(f);
            }
            if (findings.isEmpty()) {
                out.println("ok: commit " + commit + " of " + dir + " has no findings");
                return BraidTool.OK;
            }
            out.println(findings.size() + (findings.size() == 1 ? " finding" : " findings") + " in commit "
                    + commit + " of " + dir);
            return BraidTool.FAILED;
        }
    }
}
