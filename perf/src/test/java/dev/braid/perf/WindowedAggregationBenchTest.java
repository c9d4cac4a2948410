package dev.braid.perf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@link WindowedAggregationBench} on tiny sizes, so it keeps running; timings are not checked. */
class WindowedAggregationBenchTest {
    @Test
    @Timeout(value = 3, unit = TimeUnit.MINUTES)
    void smoke() throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        WindowedAggregationBench.run(2_000, 50, 2_000, new PrintStream(bytes, true, StandardCharsets.UTF_8));
        String out = bytes.toString(StandardCharsets.UTF_8);
        assertEquals(6, out.lines().count(), out);
        assertTrue(out.contains("windowed count, braid") && out.contains("retention drop, rocksdb")
                && out.contains("windowed count on the store, braid"), out);
    }
}
