package dev.braid.store.tool;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.braid.store.Braid;
import dev.braid.store.BraidOptions;
import dev.braid.store.WriteBatch;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The {@code braid} tool: each command's output and exit status, usage errors, and the real main. */
class BraidToolTest {
    @TempDir
    Path dir;

    /** What one run printed and returned. */
    private record Run(int status, String out, String err) {
        List<String> lines() {
            return out.lines().toList();
        }
    }

    private static Run run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = BraidTool.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** Four entries with awkward bytes, committed twice: commit 2 has metadata offset=7. */
    private String smallStore() {
        try (Braid s = Braid.open(dir)) {
            s.put(utf8("apple"), utf8("red"));
            s.commit(Map.of("offset", "3"));
            s.put(utf8("b\tc"), utf8("tab\\slash"));
            s.put(new byte[] {0, (byte) 0xFF}, new byte[] {1, 2});
            s.put(utf8("café"), utf8("é"));
            s.commit(Map.of("offset", "7", "topic", "words"));
        }
        return dir.toString();
    }

    @Test
    void usageErrorsExitWithTwo() {
        String store = smallStore();
        for (String[] args : List.of(new String[] {}, new String[] {"frobnicate", store}, new String[] {"check"},
                new String[] {"check", store, store}, new String[] {"check", store, "--hex"},
                new String[] {"dump", store, "--color"}, new String[] {"dump", store, "--limit"},
                new String[] {"dump", store, "--limit", "-1"}, new String[] {"dump", store, "--limit", "x"},
                new String[] {"dump", store, "--hex", "--utf8"}, new String[] {"dump", store, "--hex", "--from", "zz"},
                new String[] {"dump", store, "--from", "bad\\q"})) {
            Run r = run(args);
            assertEquals(2, r.status(), List.of(args) + ": " + r.err());
            assertTrue(r.err().startsWith("braid: "), r.err());
            assertTrue(r.err().contains("usage: braid"), r.err());
            assertEquals("", r.out());
        }
        Run help = run("--help");
        assertEquals(0, help.status());
        assertTrue(help.out().contains("usage: braid"));
    }

    @Test
    void checkIsCleanOnAGoodStoreAndExitsWithOneOnDamage() throws IOException {
        String store = smallStore();
        Run ok = run("check", store);
        assertEquals(0, ok.status(), ok.err());
        assertEquals(List.of("ok: commit 2 of " + store + " has no findings"), ok.lines());

        Path pages = dir.resolve("braid.pages");
        byte[] bytes = Files.readAllBytes(pages);
        int pageSize = ByteBuffer.wrap(bytes).getInt(12);
        int root = ByteBuffer.wrap(bytes).getInt(28);
        bytes[root * pageSize + 100] ^= 0x04; // one flipped bit in the root leaf
        Files.write(pages, bytes);
        Run bad = run("check", store);
        assertEquals(1, bad.status());
        assertTrue(bad.out().contains("braid.pages@" + (long) root * pageSize), bad.out());
        assertTrue(bad.out().contains("fails its checksum"), bad.out());
        assertTrue(bad.lines().get(bad.lines().size() - 1).matches("\\d+ findings? in commit 2 of .*"), bad.out());

        bytes[20] ^= 1; // the header page itself: the store cannot be opened
        Files.write(pages, bytes);
        Run broken = run("check", store);
        assertEquals(1, broken.status());
        assertTrue(broken.err().contains("header page is damaged"), broken.err());
    }

    @Test
    void failuresExitWithOne() {
        Run r = run("stats", dir.resolve("missing").toString());
        assertEquals(1, r.status());
        assertTrue(r.err().contains("no Braid store"), r.err());
        assertEquals(1, run("compact", dir.resolve("missing").toString()).status());
        assertTrue(Files.notExists(dir.resolve("missing")), "compact creates nothing");
    }

    @Test
    void statsPrintsTheFiguresAndTheMetadata() {
        String store = smallStore();
        Run r = run("stats", store);
        assertEquals(0, r.status(), r.err());
        List<String> lines = r.lines();
        assertEquals("store        " + store, lines.get(0));
        assertEquals("page size    4096 bytes", lines.get(1));
        assertTrue(lines.get(2).matches("page file    \\d+ bytes, \\d+ pages"), lines.get(2));
        assertTrue(lines.get(3).matches("free         \\d+ pages \\(\\d+ bytes\\)"), lines.get(3));
        assertTrue(lines.get(4).matches("log          512 bytes, 0 committed frames since its last reset"), lines.get(4));
        assertTrue(lines.get(5).startsWith("segments     0 "), lines.get(5));
        assertEquals("entries      4", lines.get(6));
        assertEquals("last commit  2", lines.get(7));
        assertEquals("metadata     offset=7", lines.get(8));
        assertEquals("             topic=words", lines.get(9));
        assertEquals(10, lines.size());
    }

    @Test
    void dumpPrintsUtf8WithEscapesOrHex() {
        String store = smallStore();
        Run utf = run("dump", store);
        assertEquals(0, utf.status(), utf.err());
        assertEquals(List.of("\\x00\\xff\t\\x01\\x02", "apple\tred", "b\\x09c\ttab\\\\slash", "café\té"), utf.lines());
        assertEquals("4 entries at commit 2", utf.err().strip());

        Run hex = run("dump", store, "--hex");
        assertEquals(List.of("00ff\t0102", "6170706c65\t726564", "620963\t7461625c736c617368",
                "636166c3a9\tc3a9"), hex.lines());

        Run range = run("dump", store, "--from", "apple", "--to", "café");
        assertEquals(List.of("apple\tred", "b\\x09c\ttab\\\\slash"), range.lines(), "--to is exclusive");
        Run escaped = run("dump", store, "--from", "b\\x09c", "--limit", "1");
        assertEquals(List.of("b\\x09c\ttab\\\\slash"), escaped.lines());
        assertEquals("1 entry (limit reached) at commit 2", escaped.err().strip());
        Run hexRange = run("dump", store, "--hex", "--to", "61");
        assertEquals(List.of("00ff\t0102"), hexRange.lines());
        Run none = run("dump", store, "--limit", "0");
        assertEquals("", none.out());
    }

    @Test
    void readOnlyCommandsWorkWhileTheStoreIsOpenAndCompactIsRefused() {
        String store = smallStore();
        try (Braid open = Braid.open(dir)) {
            open.put(utf8("zebra"), utf8("uncommitted"));
            assertEquals(0, run("check", store).status());
            assertEquals(0, run("stats", store).status());
            Run dump = run("dump", store);
            assertEquals(4, dump.lines().size(), "the uncommitted write is not seen");
            Run compact = run("compact", store);
            assertEquals(1, compact.status());
            assertTrue(compact.err().contains("open in another process"), compact.err());
            assertArrayEquals(utf8("uncommitted"), open.get(utf8("zebra")), "the application is undisturbed");
        }
    }

    @Test
    void compactFoldsTheSegmentsIntoTheTree() {
        BraidOptions quiet = BraidOptions.builder().backgroundMerges(false).backgroundCheckpoints(false).build();
        try (Braid s = Braid.open(dir, quiet)) {
            WriteBatch tree = new WriteBatch();
            for (int i = 0; i < 5000; i++) {
                tree.put(utf8("key-" + i), utf8("tree-" + i));
            }
            s.write(tree);
            s.commit(Map.of("offset", "1"));
            WriteBatch blind = new WriteBatch().unlogged();
            for (int i = 0; i < 5000; i += 10) {
                blind.blindPut(utf8("key-" + i), utf8("blind-" + i));
            }
            s.write(blind);
            s.commit(Map.of("offset", "2"));
            assertTrue(s.stats().segments() > 0, "a segment to fold");
        }
        String store = dir.toString();
        Run before = run("stats", store);
        assertTrue(!before.out().contains("segments     0 "), before.out());
        Run compact = run("compact", store);
        assertEquals(0, compact.status(), compact.err());
        assertTrue(compact.lines().get(0).matches("before: commit 2, 5000 entries, [1-9]\\d* segments .*"),
                compact.out());
        assertTrue(compact.lines().get(1).matches("after:  commit [3-9], 5000 entries, 0 segments \\(0 bytes to merge\\).*"),
                compact.out());
        Run after = run("stats", store);
        assertTrue(after.out().contains("segments     0 (0 bytes"), after.out());
        assertTrue(after.out().contains("metadata     offset=2"), after.out());
        assertTrue(after.out().matches("(?s).*last commit  [3-9]\\b.*"), after.out());
        assertEquals(0, run("check", store).status());
        Run dump = run("dump", store, "--from", "key-10", "--to", "key-100");
        assertEquals(List.of("key-10\tblind-10"), dump.lines());
    }

    @Test
    void theMainMethodExitsWithTheStatus() throws Exception {
        String store = smallStore();
        assertEquals(0, main("check", store));
        assertEquals(2, main("check"));
        assertEquals(1, main("check", dir.resolve("missing").toString()));
    }

    private static int main(String... args) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = new java.util.ArrayList<>(List.of(java, "-Xmx64m", "-cp",
                System.getProperty("java.class.path"), BraidTool.class.getName()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .start();
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly().waitFor();
            throw new AssertionError("braid " + List.of(args) + " did not finish");
        }
        return p.exitValue();
    }
}
