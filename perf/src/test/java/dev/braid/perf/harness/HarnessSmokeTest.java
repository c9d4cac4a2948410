package dev.braid.perf.harness;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.braid.perf.harness.HarnessConfig.Size;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The harness's smoke mode ({@code --smoke}: 2,000 records of 100 B and of 4 KiB values, one round,
 * all three stores) so that every workload keeps running: every row has figures for every store it
 * applies to, the table names every row, the CSV parses with one line per row, the PNG decodes, and
 * no store directory is left behind. Timings are not checked.
 */
class HarnessSmokeTest {
    @TempDir
    Path tmp;

    @Test
    @Timeout(value = 5, unit = TimeUnit.MINUTES)
    void everyWorkloadRunsOnEveryStore() throws IOException {
        HarnessConfig c = HarnessConfig.parse(new String[] {"--smoke", "--out", tmp.resolve("out").toString(),
                "--tmp", tmp.resolve("stores").toString()});
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        long t0 = System.nanoTime();
        Harness.Outcome o = Harness.run(c, new PrintStream(log, true, StandardCharsets.UTF_8));
        System.out.printf("harness smoke run: %.1f s%n", (System.nanoTime() - t0) / 1e9);
        String text = log.toString(StandardCharsets.UTF_8);
        System.out.print(text);

        Results r = o.results();
        assertEquals(c.sizes(), r.sizes());
        int rows = 0;
        for (Size size : r.sizes()) {
            for (Row row : Row.values()) {
                if (row == Row.PEAK_RSS) {
                    continue; // only with --fork
                }
                rows++;
                for (StoreKind kind : StoreKind.values()) {
                    boolean applies = row == Row.HELD_DEFAULTS_BUDGET ? kind == StoreKind.BRAID
                            : row.setting == Row.Setting.DEFAULTS ? kind.persistent() || row != Row.DISK_FINAL
                            : kind.hasBudget();
                    double m = r.median(size, row, kind);
                    assertEquals(applies, !Double.isNaN(m), size.label() + " " + row + " " + kind);
                    if (applies) {
                        assertTrue(m > 0 && Double.isFinite(m), size.label() + " " + row + " " + kind + " = " + m);
                        if (row.higherIsBetter && CpuClock.processNanos() >= 0) {
                            assertTrue(r.cpuMedian(size, row, kind) >= 0, "CPU of " + row + " " + kind);
                        }
                    }
                }
                assertTrue(text.contains(row.label), "table row " + row.label);
            }
        }

        List<String> csv = Files.readAllLines(o.csv());
        assertEquals(String.join(",", Results.CSV_HEADER), csv.get(0));
        assertEquals(rows + 1, csv.size());
        for (String line : csv.subList(1, csv.size())) {
            List<String> f = csvFields(line);
            assertEquals(Results.CSV_HEADER.size(), f.size(), line);
            Double.parseDouble(f.get(6)); // Braid's median is in every row
        }

        BufferedImage png = ImageIO.read(o.png().toFile());
        assertNotNull(png, "the chart decodes as an image");
        assertTrue(png.getWidth() > 500 && png.getHeight() > 200);
        assertTrue(Files.readString(o.table()).contains("random get, hits"));

        try (Stream<Path> left = Files.list(tmp.resolve("stores"))) {
            assertFalse(left.findAny().isPresent(), "store directories are deleted");
        }
    }

    @Test
    @Timeout(value = 5, unit = TimeUnit.MINUTES)
    void forkAddsThePeakRss() {
        HarnessConfig c = HarnessConfig.parse(new String[] {"--smoke", "--fork", "--sizes", "2000:100",
                "--braid", "braid.write.mode=merge-tree", "--kinds",
                "braid,rocksdb", "--out", tmp.resolve("out").toString(), "--tmp", tmp.resolve("stores").toString()});
        Harness.Outcome o = Harness.run(c, new PrintStream(PrintStream.nullOutputStream()));
        Size size = c.sizes().get(0);
        assertTrue(o.results().median(size, Row.PEAK_RSS, StoreKind.BRAID) > 10);
        assertTrue(o.results().median(size, Row.PEAK_RSS, StoreKind.ROCKSDB) > 10);
        assertTrue(o.results().median(size, Row.GET_HIT, StoreKind.ROCKSDB) > 0);
    }

    /** The fields of one CSV line (RFC 4180 quoting). */
    private static List<String> csvFields(String line) {
        List<String> out = new java.util.ArrayList<>();
        StringBuilder f = new StringBuilder();
        boolean quoted = false;
        for (int i = 0; i < line.length(); i++) {
            char ch = line.charAt(i);
            if (quoted) {
                if (ch == '"' && i + 1 < line.length() && line.charAt(i + 1) == '"') {
                    f.append('"');
                    i++;
                } else if (ch == '"') {
                    quoted = false;
                } else {
                    f.append(ch);
                }
            } else if (ch == '"') {
                quoted = true;
            } else if (ch == ',') {
                out.add(f.toString());
                f.setLength(0);
            } else {
                f.append(ch);
            }
        }
        out.add(f.toString());
        return out;
    }
}
