package dev.braid.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StoreTourTest {
    @Test
    void tourKeepsOnlyCommittedKeys(@TempDir Path dir) {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        long keys = StoreTour.run(dir, new PrintStream(buf, true, StandardCharsets.UTF_8));
        String out = buf.toString(StandardCharsets.UTF_8);
        assertEquals(200_000, keys);
        assertTrue(out.contains("integrity check: clean"), out);
        assertTrue(out.contains("word-000104 = 7"), out);
    }
}
