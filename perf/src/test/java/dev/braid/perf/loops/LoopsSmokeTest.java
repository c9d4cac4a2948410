package dev.braid.perf.loops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Braid-only loops at tiny sizes, so that they keep running; no timing is checked. */
class LoopsSmokeTest {
    @TempDir
    Path tmp;

    private String run(ThrowingMain main) throws Exception {
        PrintStream old = System.out;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        try {
            main.run();
        } finally {
            System.setOut(old);
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    @FunctionalInterface
    interface ThrowingMain {
        void run() throws Exception;
    }

    @Test
    void putLoopUpdatesAndCommitsEveryRound() throws Exception {
        String out = run(() -> PutLoop.main(new String[] {"2000", "500", "3", "100", "8388608", tmp.toString()}));
        assertEquals(3, out.lines().filter(l -> l.startsWith("round ")).count(), out);
        assertTrue(out.contains("all 1,500 puts"), out);
        assertTrue(out.contains("entries=2000"), "the updates replace values, the key set stays: " + out);
        try (var files = Files.list(tmp)) {
            assertEquals(0, files.count(), "the loop deletes its store");
        }
    }

    @Test
    void restoreLoopRestoresIntoNewStores() throws Exception {
        String out = run(() -> RestoreLoop.main(new String[] {"3000", "2", "0", "8388608", tmp.toString()}));
        assertEquals(2, out.lines().filter(l -> l.startsWith("round ")).count(), out);
        try (var files = Files.list(tmp)) {
            assertEquals(0, files.count(), "the loop deletes its stores");
        }
    }
}
