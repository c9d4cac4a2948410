package dev.braid.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import dev.braid.store.internal.io.FaultyFileSystem.CrashMode;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.LongFunction;
import java.util.function.Predicate;

/**
 * What the crash and corruption tests share: the key-value model and its comparison with a store,
 * the crash cases, and the walk over every crash point of a workload.
 */
final class FaultTestSupport {
    /** Time a crash case may take before the walk reports a hang. */
    static final long HANG_SECONDS = 60;

    private FaultTestSupport() {
    }

    /**
     * One way to crash: a mode, and for the randomized ones (PROCESS tears the cut write,
     * POWER_LOSS_RANDOM each unsynced write) which of several seeds.
     */
    record CrashCase(CrashMode mode, int variant) {
        /** The seed of this case's randomness at crash point {@code point} of a walk with {@code seed}. */
        long seed(long seed, long point) {
            return seed ^ (point * 0x9E3779B97F4A7C15L) ^ (mode.ordinal() * 31L + variant);
        }

        /** The system properties that replay this case alone. */
        String replay() {
            return "-Dbraid.crash.mode=" + mode + " -Dbraid.crash.variant=" + variant;
        }

        @Override
        public String toString() {
            return mode + (mode == CrashMode.POWER_LOSS_DROP ? "" : "#" + variant);
        }
    }

    /**
     * All crash cases, or those {@code -Dbraid.crash.mode} and {@code -Dbraid.crash.variant} pick;
     * the randomized modes with {@code -Dbraid.crash.variants} seeds (3).
     */
    static List<CrashCase> crashCases() {
        String mode = System.getProperty("braid.crash.mode");
        Integer variant = Integer.getInteger("braid.crash.variant");
        int variants = Integer.getInteger("braid.crash.variants", 3);
        List<CrashCase> cases = new ArrayList<>();
        for (CrashMode m : CrashMode.values()) {
            int n = m == CrashMode.POWER_LOSS_DROP ? 1 : variants;
            for (int v = 0; v < n; v++) {
                if ((mode == null || m.name().equals(mode)) && (variant == null || variant == v)) {
                    cases.add(new CrashCase(m, v));
                }
            }
        }
        return cases;
    }

    /**
     * Crashes a workload at points 1..{@code points} on all cores and fails with the first failures.
     * Every point when the walk fits in {@code budgetNanos}, else every n-th (n from a timed sample
     * of points, after a warm-up); {@code -Dbraid.crash.stride=<n>} sets n. {@code crashAt} crashes
     * and checks one point and returns what went wrong; {@code context} names a point in messages.
     */
    static void walkPoints(String name, long points, long budgetNanos, LongFunction<List<String>> crashAt,
            LongFunction<String> context) throws InterruptedException {
        int threads = Math.max(1, Runtime.getRuntime().availableProcessors());
        long stride = Long.getLong("braid.crash.stride", 0);
        if (stride <= 0) {
            for (int i = 1; i <= 12; i++) { // warm-up: the first runs are several times slower than the rest
                crashAt.apply(Math.max(1, i * points / 13));
            }
            long perPoint = Long.MAX_VALUE; // the fastest sample: the others met GC, JIT or a busy machine
            for (int i = 1; i <= 4; i++) {
                long t0 = System.nanoTime();
                crashAt.apply(Math.max(1, i * points / 5));
                perPoint = Math.min(perPoint, System.nanoTime() - t0);
            }
            stride = Math.max(1, (perPoint * points / threads + budgetNanos - 1) / budgetNanos);
            System.out.printf("%s: about %d ms a point%n", name, perPoint / 1_000_000);
        }
        System.out.printf("%s: %d points, stride %d, %d threads%n", name, points, stride, threads);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        List<String> failures = new ArrayList<>();
        try {
            List<Future<List<String>>> results = new ArrayList<>();
            List<Long> tested = new ArrayList<>();
            for (long p = 1; p <= points; p += stride) {
                long point = p;
                tested.add(point);
                results.add(pool.submit(() -> crashAt.apply(point)));
            }
            for (int i = 0; i < results.size(); i++) {
                try {
                    failures.addAll(results.get(i).get(HANG_SECONDS, TimeUnit.SECONDS));
                } catch (TimeoutException e) {
                    failures.add(context.apply(tested.get(i)) + ": did not finish within " + HANG_SECONDS
                            + " s (hang?)");
                } catch (ExecutionException e) {
                    failures.add(context.apply(tested.get(i)) + ":\n" + stackTrace(e.getCause()));
                }
            }
        } finally {
            pool.shutdownNow();
        }
        if (!failures.isEmpty()) {
            fail(failures.size() + " crash cases failed (" + name + "); the first:\n\n"
                    + String.join("\n\n", failures.subList(0, Math.min(8, failures.size()))));
        }
    }

    /** The first offset of {@code needle} in {@code hay}, or -1 (finding a value's page in a file). */
    static int indexOf(byte[] hay, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= hay.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (hay[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    /** The store holds exactly {@code model}: its count, a get of every key and one full scan. */
    static void assertHolds(NavigableMap<byte[], byte[]> model, Braid b) {
        assertEquals(model.size(), b.count(), "count");
        for (Map.Entry<byte[], byte[]> e : model.entrySet()) {
            org.junit.jupiter.api.Assertions.assertArrayEquals(e.getValue(), b.get(e.getKey()), "get");
        }
        java.util.Iterator<Map.Entry<byte[], byte[]>> expected = model.entrySet().iterator();
        try (BraidIterator it = b.iterator(KeyRange.all())) {
            while (it.hasNext()) {
                Entry got = it.next();
                if (!expected.hasNext()) {
                    fail("the scan goes past the last key");
                }
                Map.Entry<byte[], byte[]> want = expected.next();
                org.junit.jupiter.api.Assertions.assertArrayEquals(want.getKey(), got.key(), "scan key");
                org.junit.jupiter.api.Assertions.assertArrayEquals(want.getValue(), got.value(), "scan value");
            }
        }
        org.junit.jupiter.api.Assertions.assertFalse(expected.hasNext(), "the scan ended early");
    }

    static NavigableMap<byte[], byte[]> newModel() {
        return new TreeMap<>(Arrays::compareUnsigned);
    }

    static NavigableMap<byte[], byte[]> copy(NavigableMap<byte[], byte[]> model) {
        NavigableMap<byte[], byte[]> c = newModel();
        c.putAll(model);
        return c;
    }

    /** Seed from {@code -Dbraid.seed} (decimal or 0x hex), else the given default. */
    static long seedProperty(long defaultSeed) {
        String s = System.getProperty("braid.seed");
        return s == null || s.isBlank() ? defaultSeed : Long.decode(s.trim());
    }

    static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    /** A short printable form of a key or value for messages. */
    static String show(byte[] b) {
        if (b == null) {
            return "null";
        }
        boolean printable = true;
        for (byte x : b) {
            printable &= x >= 32 && x < 127;
        }
        String body = printable ? new String(b, StandardCharsets.US_ASCII) : HexFormat.of().formatHex(b);
        return b.length <= 40 ? "'" + body + "'" : "'" + body.substring(0, 40) + "...' (" + b.length + " bytes)";
    }

    /** The commit number a store says it is at: its "seq" metadata, 0 when there is none. */
    static int committedSeq(Braid store) {
        String seq = store.committedMetadata().get("seq");
        return seq == null ? 0 : Integer.parseInt(seq);
    }

    static Map<String, String> seqMeta(int seq) {
        return Map.of("seq", Integer.toString(seq));
    }

    /** Whether {@code t} or a cause of it matches. */
    /** Closes a store whose file system has crashed (its close fails: the process is dead). */
    static void abandon(Braid b) {
        try {
            b.close();
        } catch (BraidException expected) {
            // dead file system
        }
    }

    static boolean hasCause(Throwable t, Predicate<Throwable> p) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (p.test(c)) {
                return true;
            }
            if (c.getCause() == c) {
                break;
            }
        }
        return false;
    }

    static String stackTrace(Throwable t) {
        StringWriter w = new StringWriter();
        t.printStackTrace(new PrintWriter(w));
        String s = w.toString();
        return s.length() > 4000 ? s.substring(0, 4000) + "\n\t..." : s;
    }

    /**
     * Asserts that the store holds exactly {@code model}: full forward and reverse scans, a get of
     * every key in {@code touched} and the count.
     */
    static void assertContents(Braid store, NavigableMap<byte[], byte[]> model, Collection<byte[]> touched,
            String ctx) {
        assertScan(store.iterator(KeyRange.all()), new ArrayList<>(model.entrySet()), ctx + ", forward scan");
        List<Map.Entry<byte[], byte[]>> reversed = new ArrayList<>(model.descendingMap().entrySet());
        assertScan(store.reverseIterator(KeyRange.all()), reversed, ctx + ", reverse scan");
        for (byte[] k : touched) {
            byte[] got = store.get(k);
            byte[] want = model.get(k);
            if (!Arrays.equals(want, got)) {
                fail(ctx + ": get(" + show(k) + ") returned " + show(got) + ", expected " + show(want));
            }
        }
        assertEquals(model.size(), store.count(), ctx + ": count()");
    }

    private static void assertScan(BraidIterator it, List<Map.Entry<byte[], byte[]>> want, String ctx) {
        try (it) {
            int i = 0;
            while (it.hasNext()) {
                Entry e = it.next();
                if (i >= want.size()) {
                    fail(ctx + ": unexpected extra entry " + show(e.key()) + " after " + want.size() + " entries");
                }
                Map.Entry<byte[], byte[]> w = want.get(i);
                if (!Arrays.equals(w.getKey(), e.key()) || !Arrays.equals(w.getValue(), e.value())) {
                    fail(ctx + ": entry " + i + " is " + show(e.key()) + "=" + show(e.value()) + ", expected "
                            + show(w.getKey()) + "=" + show(w.getValue()));
                }
                i++;
            }
            assertEquals(want.size(), i, ctx + ": number of entries");
        }
    }
}
