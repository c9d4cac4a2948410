package dev.braid.streams;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * kill -9 in the middle of a stream: a child JVM writes through the store and halts at a random
 * moment; the reopened store must equal the workload's state at exactly its committed offset (every
 * key and value, and the count). Each seed crashes the same store twice: early (often during the
 * blind-write restore batches), then, after resuming from that commit, while processing.
 */
class CrashTest {
    @TempDir
    Path dir;

    /**
     * {@code mode}: the {@code braid.write.mode} of the child (merge-tree: with a 2 KiB write buffer,
     * flushed as a segment every few puts).
     */
    @ParameterizedTest
    @CsvSource({"11, tree", "23, tree", "37, tree", "11, merge-tree", "37, merge-tree"})
    void reopensExactlyAtTheLastCommitAfterKill9(long seed, String mode) throws Exception {
        CrashWorkload work = new CrashWorkload(seed);
        long previous = -1;
        for (int round = 0; round < 2; round++) {
            // round 0 dies early (often inside the restore batches), round 1 in processing
            long delayMillis = round == 0 ? 60 + Math.floorMod(seed * 31, 120) : 150 + Math.floorMod(seed * 97, 400);
            runChild(seed, delayMillis, mode);
            long committed = verify(work, "seed " + seed + " (" + mode + "), round " + round + ", delay " + delayMillis);
            assertTrue(committed >= previous, "commits only move forward");
            previous = committed;
        }
    }

    private void runChild(long seed, long delayMillis, String mode) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = new ArrayList<>(List.of(java, "-Xmx256m", "-cp", System.getProperty("java.class.path"),
                "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn", CrashChild.class.getName(), dir.toString(),
                Long.toString(seed), Long.toString(delayMillis), mode));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(dir.resolve("child-" + seed + ".log").toFile()).start();
        if (!p.waitFor(15, TimeUnit.SECONDS)) {
            p.destroyForcibly().waitFor();
        }
        assertEquals(9, p.exitValue(), "the child halts itself; see " + dir.resolve("child-" + seed + ".log"));
    }

    /** Reopens the store, checks it against the workload at its committed offset; returns that offset. */
    private long verify(CrashWorkload work, String what) {
        BraidKeyValueStore store = StoreFixture.open(StoreFixture.context(dir), "crash");
        try {
            Long committed = store.committedOffset(CrashWorkload.CHANGELOG);
            System.out.println(what + ": reopened at committed offset " + committed);
            TreeMap<Bytes, byte[]> expected = work.stateAt(committed);
            assertEquals(expected.size(), store.approximateNumEntries(), what + " at offset " + committed);
            try (KeyValueIterator<Bytes, byte[]> it = store.all()) {
                for (Map.Entry<Bytes, byte[]> e : expected.entrySet()) {
                    assertTrue(it.hasNext(), what);
                    KeyValue<Bytes, byte[]> kv = it.next();
                    assertEquals(e.getKey(), kv.key, what);
                    assertArrayEquals(e.getValue(), kv.value, what + ", key " + e.getKey());
                }
                assertTrue(!it.hasNext(), what + ": no key beyond the expected ones");
            }
            assertTrue(store.braid().check().isEmpty(), what + ": " + store.braid().check());
            return committed == null ? -1 : committed;
        } finally {
            store.close();
        }
    }

}
