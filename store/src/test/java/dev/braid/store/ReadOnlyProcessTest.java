package dev.braid.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Read-only clients of a store that another process has open and writes: a child JVM
 * ({@link ReadOnlyWriterChild}) commits, checkpoints and resets its log continuously while this JVM
 * opens the store read-only again and again. Every answer must be exactly one committed state of
 * the self-checking {@link ReadOnlyWorkload} (a whole scan is one batch, so one operation), commits
 * only move forward, and the writer must run undisturbed: it finishes, its store checks clean.
 */
class ReadOnlyProcessTest {
    private static final int ROUNDS = 100;

    @TempDir
    Path dir;

    @Test
    void everyAnswerIsOneCommittedStateWhileAnotherProcessWrites() throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process child = new ProcessBuilder(java, "-Xmx128m", "-cp", System.getProperty("java.class.path"),
                "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn", ReadOnlyWriterChild.class.getName(),
                dir.resolve("store").toString()).redirectErrorStream(true).start();
        List<String> output = Collections.synchronizedList(new ArrayList<>());
        CountDownLatch started = new CountDownLatch(1);
        Thread pump = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(child.getInputStream(),
                    StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                    output.add(line);
                    if (line.equals("started")) {
                        started.countDown();
                    }
                }
            } catch (java.io.IOException ignored) {
                // the child ended
            }
        });
        pump.start();
        try {
            assertTrue(started.await(30, TimeUnit.SECONDS), "the writer did not start: " + output);
            Tally t = readRepeatedly(dir.resolve("store"));
            System.out.println("read-only rounds " + ROUNDS + ": commits " + t.first + ".." + t.last + ", "
                    + t.moved + " rounds saw the snapshot move, " + t.busy + " busy, " + t.checks + " clean checks");
            assertTrue(t.last > t.first, "the writer committed while the readers read");
            assertTrue(t.busy < ROUNDS / 2, "busy in " + t.busy + " of " + ROUNDS + " rounds");
        } finally {
            child.getOutputStream().close(); // tells the writer to finish
            if (!child.waitFor(60, TimeUnit.SECONDS)) {
                child.destroyForcibly().waitFor();
                fail("the writer did not finish: " + output);
            }
            pump.join(10_000);
        }
        assertEquals(0, child.exitValue(), "the writer was disturbed: " + output);
        assertTrue(output.stream().anyMatch(l -> l.startsWith("done ")), output.toString());
    }

    /** What the rounds saw. */
    private static final class Tally {
        int first = -1;
        int last;
        int moved;
        int busy;
        int checks;
    }

    private static Tally readRepeatedly(Path store) {
        Tally t = new Tally();
        SplittableRandom rnd = new SplittableRandom(7);
        int floor = 0; // commits only move forward, across rounds too
        for (int round = 0; round < ROUNDS; round++) {
            try (Braid ro = Braid.openReadOnly(store, BraidOptions.builder().cacheBytes(1 << 20).build())) {
                int opened = (int) ro.lastCommitSequence();
                assertTrue(opened >= floor, "round " + round + ": opened at " + opened + " after " + floor);
                Map<String, String> meta = ro.committedMetadata();
                int then = (int) ro.lastCommitSequence();
                int metaSeq = Integer.parseInt(meta.get("seq"));
                assertTrue(opened <= metaSeq && metaSeq <= then, "round " + round + ": metadata " + meta
                        + " between commits " + opened + " and " + then); // equal unless the snapshot moved
                assertEquals(Map.of("seq", Integer.toString(metaSeq)), meta);
                floor = opened;
                t.first = t.first < 0 ? opened : t.first;

                floor = verifyScan(ro, false, floor, "round " + round);
                for (int g = 0; g < 5; g++) {
                    int j = rnd.nextInt(ReadOnlyWorkload.KEYS);
                    byte[] v = ro.get(ReadOnlyWorkload.key(j));
                    int hi = (int) ro.lastCommitSequence();
                    if (v != null) {
                        int seq = ReadOnlyWorkload.seqOf(v);
                        assertTrue(seq >= floor && seq <= hi, "round " + round + ": get from " + seq);
                        assertArrayEquals(ReadOnlyWorkload.value(j, seq), v);
                        floor = seq;
                    } else {
                        boolean deletedSomewhere = false;
                        for (int s = floor; s <= hi; s++) {
                            deletedSomewhere |= !ReadOnlyWorkload.present(j, s);
                        }
                        assertTrue(deletedSomewhere, "round " + round + ": key " + j + " absent in " + floor + ".." + hi);
                    }
                }
                long count = ro.count();
                int hi = (int) ro.lastCommitSequence();
                boolean possible = false;
                for (int s = floor; s <= hi; s++) {
                    possible |= count == ReadOnlyWorkload.state(s).size();
                }
                assertTrue(possible, "round " + round + ": count " + count + " in no commit of " + floor + ".." + hi);
                floor = verifyScan(ro, true, floor, "round " + round);
                if (round % 25 == 0) {
                    assertEquals(List.of(), ro.check(), "round " + round);
                    t.checks++;
                }
                int closing = (int) ro.lastCommitSequence();
                t.moved += closing != opened ? 1 : 0;
                t.last = Math.max(t.last, closing);
            } catch (StoreBusyException e) {
                t.busy++;
            }
        }
        return t;
    }

    /** One scan of the whole store (one batch: one operation) must be exactly one commit's state. */
    private static int verifyScan(Braid ro, boolean reverse, int floor, String what) {
        List<Entry> got = new ArrayList<>();
        try (BraidIterator it = reverse ? ro.reverseIterator(KeyRange.all()) : ro.iterator(KeyRange.all())) {
            it.forEachRemaining(got::add);
        }
        byte[] big = null;
        for (Entry e : got) {
            if (java.util.Arrays.equals(e.key(), ReadOnlyWorkload.BIG)) {
                big = e.value();
            }
        }
        assertNotNull(big, what + ": key big is always there");
        int seq = ReadOnlyWorkload.seqOf(big);
        assertTrue(seq >= floor && seq <= ro.lastCommitSequence(), what + ": scan at " + seq + " after " + floor);
        NavigableMap<byte[], byte[]> expected = ReadOnlyWorkload.state(seq);
        List<Map.Entry<byte[], byte[]>> want = new ArrayList<>(
                (reverse ? expected.descendingMap() : expected).entrySet());
        assertEquals(want.size(), got.size(), what + ": scan at commit " + seq);
        for (int i = 0; i < want.size(); i++) {
            assertArrayEquals(want.get(i).getKey(), got.get(i).key(), what + ": scan at commit " + seq);
            assertArrayEquals(want.get(i).getValue(), got.get(i).value(), what + ": a mix of commits at key "
                    + new String(got.get(i).key(), StandardCharsets.US_ASCII) + " of commit " + seq);
        }
        return seq;
    }
}
