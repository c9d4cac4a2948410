package dev.braid.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The demo end to end on a smaller input: killed, restarted, queried, and its numbers checked. */
class DemoTest {
    @Test
    void restartAfterKillRestoresOnlyTheTailAndKeepsEveryWord() throws Exception {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        Demo.Summary s = Demo.run(new PrintStream(buf, true, StandardCharsets.UTF_8), 8_000, 1_000, "at_least_once");
        String out = buf.toString(StandardCharsets.UTF_8);
        System.out.println(out);
        assertEquals(40_000, s.words(), out);
        assertTrue(s.overCount() >= 0 && s.exactCounts() > 0, out);
        assertEquals(2, s.braidStores(), out);
        assertTrue(s.stateBytes() > 0, out);
        assertTrue(s.changelogOffsetsAtKill() > 0, out);
        assertRestoredTailOnly(s, out);
        assertTrue(out.contains("GET /stores/word-counts/keys/kafka"), out);
    }

    /**
     * Exactly-once, where DemoApp uses BraidClientSupplier: the DSL's caching store commits after each
     * committed transaction, so the restart restores the tail only, and no count is off by one.
     */
    @Test
    void exactlyOnceRestartRestoresOnlyTheTailAndCountsEveryWordOnce() throws Exception {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        Demo.Summary s = Demo.run(new PrintStream(buf, true, StandardCharsets.UTF_8), 8_000, 1_000, "exactly_once_v2");
        String out = buf.toString(StandardCharsets.UTF_8);
        System.out.println(out);
        assertEquals(40_000, s.words(), out);
        assertEquals(0, s.overCount(), out);
        assertEquals(s.distinctWords(), s.exactCounts(), out);
        // without the supplier the restart restores the whole changelog (the first run started empty)
        assertRestoredTailOnly(s, out);
    }

    /**
     * The first run started empty, so a restore of the whole changelog starts at offset 0. Every restore
     * must start past it, at the store's last commit. How long the tail is depends on when the kill
     * lands between two commits (up to a commit's worth of cache flushes), so no ratio is asserted.
     */
    private static void assertRestoredTailOnly(Demo.Summary s, String out) {
        assertTrue(s.restoredRecords() < s.changelogOffsetsAtKill(), "a restart restores the tail: " + out);
        assertTrue(s.restoredRecords() == 0 || s.lowestRestoreStart() > 0 && s.lowestRestoreStart() < Long.MAX_VALUE,
                "every restore starts at the store's last commit, not at offset 0: " + out);
    }
}
