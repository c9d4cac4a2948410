package dev.braid.store;

import static dev.braid.store.FaultTestSupport.committedSeq;
import static dev.braid.store.FaultTestSupport.hasCause;
import static dev.braid.store.FaultTestSupport.seqMeta;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.braid.store.internal.io.FaultyFileSystem;
import dev.braid.store.internal.io.FaultyFileSystem.CrashMode;
import dev.braid.store.internal.io.SimulatedCrashException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Random;
import java.util.TreeSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Crashes a seeded workload at every write and fsync point, in each crash mode, and checks that the
 * reopened store is exactly at an allowed commit, consistent and usable. Also: injected I/O errors
 * and a full disk put the store in the failed state without losing the last commit.
 *
 * <p>Each point is crashed in every {@link CrashMode}; the randomized ones (PROCESS tears the cut
 * write, POWER_LOSS_RANDOM every unsynced write) with {@code -Dbraid.crash.variants} seeds (3).
 * Replay one case: {@code -Dbraid.seed=<seed> -Dbraid.crash.point=<p>
 * -Dbraid.crash.durability=FULL|NORMAL -Dbraid.crash.mode=PROCESS|POWER_LOSS_DROP|POWER_LOSS_RANDOM
 * -Dbraid.crash.variant=<v>}; {@code -Dbraid.crash.stride=<n>} tests every n-th point only.
 */
class CrashPointTest {
    private static final long SEED = FaultTestSupport.seedProperty(0x5EED_B4A1DL);
    private static final Path DIR = Path.of("/crash-test/store");
    /** Time the walk over all points may take per durability before it strides (2 of ~90 s in all). */
    private static final long BUDGET_NANOS = TimeUnit.SECONDS.toNanos(35);
    private static final long HANG_SECONDS = 60;
    private static final byte[] PROBE_KEY = FaultTestSupport.ascii("zz-probe-after-recovery");

    private static BraidOptions options(FaultyFileSystem fs, Durability durability) {
        return BraidOptions.builder()
                .pageSizeBytes(1024)
                .cacheBytes(64 * 1024)
                .durability(durability)
                .backgroundCheckpoints(false)
                .checkpointLogBytes(16 * 1024)
                .maxLogBytes(64 * 1024)
                .fileSystem(fs)
                .build();
    }

    // ------------------------------------------------------------------ the workload

    /** One step of the workload; {@link Commit} i carries metadata {"seq": i}. */
    private sealed interface Step permits Put, Delete, Batch, Commit, Checkpoint, Close {
    }

    private record Put(byte[] key, byte[] value) implements Step {
    }

    private record Delete(byte[] key) implements Step {
    }

    private record Batch(List<WriteBatch.Op> ops) implements Step {
    }

    private record Commit(int seq) implements Step {
    }

    private record Checkpoint() implements Step {
    }

    private record Close() implements Step {
    }

    /** The steps a seed gives and the model contents at each commit (index 0: the new store). */
    static final class Workload {
        static final int COMMITS = 40;
        static final int KEYS = 400;
        final List<Step> steps = new ArrayList<>();
        final List<NavigableMap<byte[], byte[]>> atCommit = new ArrayList<>();
        final Collection<byte[]> touched = new TreeSet<>(Arrays::compareUnsigned);

        Workload(long seed) {
            Random rnd = new Random(seed);
            NavigableMap<byte[], byte[]> model = FaultTestSupport.newModel();
            atCommit.add(FaultTestSupport.copy(model));
            for (int c = 1; c <= COMMITS; c++) {
                if (c == 25) {
                    // One large transaction: more dirty pages than the cache holds, so it spills.
                    List<WriteBatch.Op> ops = new ArrayList<>();
                    for (int i = 0; i < 60; i++) {
                        ops.add(new WriteBatch.Op(key(rnd.nextInt(KEYS)), value(rnd, 1100 + rnd.nextInt(2000))));
                    }
                    for (int i = 0; i < 100; i++) {
                        ops.add(new WriteBatch.Op(key(rnd.nextInt(KEYS)), value(rnd, rnd.nextInt(120))));
                    }
                    add(new Batch(ops), model);
                } else {
                    int n = 3 + rnd.nextInt(13);
                    for (int i = 0; i < n; i++) {
                        int dice = rnd.nextInt(100);
                        if (dice < 60) {
                            add(new Put(key(rnd.nextInt(KEYS)), randomValue(rnd)), model);
                        } else if (dice < 75) {
                            add(new Delete(pickKey(rnd, model)), model);
                        } else {
                            List<WriteBatch.Op> ops = new ArrayList<>();
                            for (int k = 2 + rnd.nextInt(9); k > 0; k--) {
                                ops.add(rnd.nextInt(4) == 0 ? new WriteBatch.Op(pickKey(rnd, model), null)
                                        : new WriteBatch.Op(key(rnd.nextInt(KEYS)), randomValue(rnd)));
                            }
                            add(new Batch(ops), model);
                        }
                    }
                }
                steps.add(new Commit(c));
                atCommit.add(FaultTestSupport.copy(model));
                if (c == 12 || c == 28) {
                    steps.add(new Checkpoint());
                }
            }
            steps.add(new Close());
        }

        private void add(Step s, NavigableMap<byte[], byte[]> model) {
            steps.add(s);
            if (s instanceof Put p) {
                model.put(p.key, p.value);
                touched.add(p.key);
            } else if (s instanceof Delete d) {
                model.remove(d.key);
                touched.add(d.key);
            } else if (s instanceof Batch b) {
                for (WriteBatch.Op op : b.ops) {
                    if (op.value() == null) {
                        model.remove(op.key());
                    } else {
                        model.put(op.key(), op.value());
                    }
                    touched.add(op.key());
                }
            }
        }

        /** Usually a present key, sometimes an absent one. */
        private static byte[] pickKey(Random rnd, NavigableMap<byte[], byte[]> model) {
            byte[] k = key(rnd.nextInt(KEYS));
            byte[] present = model.ceilingKey(k);
            return present != null && rnd.nextInt(5) != 0 ? present : k;
        }

        static byte[] key(int i) {
            String k = String.format("key-%04d", i);
            return FaultTestSupport.ascii(i % 7 == 0 ? k + "-" + "x".repeat(i % 60) : k);
        }

        private static byte[] randomValue(Random rnd) {
            int dice = rnd.nextInt(100);
            int len = dice < 85 ? rnd.nextInt(100) : dice < 95 ? 100 + rnd.nextInt(300) : 1100 + rnd.nextInt(2000);
            return value(rnd, len);
        }

        private static byte[] value(Random rnd, int len) {
            byte[] v = new byte[len];
            rnd.nextBytes(v);
            return v;
        }
    }

    /** How far a run got before it stopped. */
    static final class Progress {
        int returned;           // commits that returned
        boolean commitInProgress;
        int lastCheckpointed;   // commit number when the last checkpoint() or close() returned
        String step = "open";   // what was running when it stopped
        boolean completed;
        BraidException error;
        RuntimeException untyped;
        Braid store;            // left open when the run stopped early
        long pointsAfterOpen;
        long pointsBeforeClose;

        int maxAllowed() {
            return returned + (commitInProgress ? 1 : 0);
        }
    }

    /** Runs the workload on {@code fs} until it ends or the store throws. */
    static Progress run(Workload w, FaultyFileSystem fs, Durability durability) {
        Progress pr = new Progress();
        try {
            pr.store = Braid.open(DIR, options(fs, durability));
            pr.pointsAfterOpen = fs.pointCount();
            int i = 0;
            for (Step s : w.steps) {
                pr.step = "step " + i++ + " " + s.getClass().getSimpleName();
                if (s instanceof Put p) {
                    pr.store.put(p.key, p.value);
                } else if (s instanceof Delete d) {
                    pr.store.delete(d.key);
                } else if (s instanceof Batch b) {
                    WriteBatch batch = new WriteBatch();
                    for (WriteBatch.Op op : b.ops) {
                        if (op.value() == null) {
                            batch.delete(op.key());
                        } else {
                            batch.put(op.key(), op.value());
                        }
                    }
                    pr.store.write(batch);
                } else if (s instanceof Commit c) {
                    pr.step = "commit " + c.seq;
                    pr.commitInProgress = true;
                    pr.store.commit(seqMeta(c.seq));
                    pr.commitInProgress = false;
                    pr.returned = c.seq;
                } else if (s instanceof Checkpoint) {
                    pr.step = "checkpoint after commit " + pr.returned;
                    pr.store.checkpoint();
                    pr.lastCheckpointed = pr.returned;
                } else {
                    pr.step = "close";
                    pr.pointsBeforeClose = fs.pointCount();
                    pr.store.close();
                    pr.store = null;
                    pr.lastCheckpointed = pr.returned;
                }
            }
            pr.completed = true;
        } catch (BraidException e) {
            pr.error = e;
        } catch (RuntimeException e) {
            pr.untyped = e;
        }
        return pr;
    }

    // ------------------------------------------------------------------ the crash walk

    @ParameterizedTest
    @EnumSource(Durability.class)
    void crashAtEveryPoint(Durability durability) throws Exception {
        String only = System.getProperty("braid.crash.durability");
        if (only != null && !only.equalsIgnoreCase(durability.name())) {
            return;
        }
        Workload w = new Workload(SEED);
        FaultyFileSystem dry = new FaultyFileSystem();
        Progress dryRun = run(w, dry, durability);
        assertTrue(dryRun.completed, "seed " + SEED + ": the workload fails without faults: " + dryRun.error
                + dryRun.untyped);
        List<String> trace = dry.trace();
        long points = dry.pointCount();
        verifyRecovered(w, dryRun, dry.crash(CrashMode.PROCESS, 0), durability, CrashMode.PROCESS,
                "seed " + SEED + ", " + durability + ", no crash");

        List<CrashCase> modes = crashCases();
        Long onePoint = Long.getLong("braid.crash.point");
        if (onePoint != null) {
            System.out.printf("CrashPointTest: replaying seed %d, %s, point %d of %d: %s%n", SEED, durability,
                    onePoint, points, trace.get((int) (onePoint - 1)));
            List<String> failures = crashAt(w, trace, durability, onePoint, modes, true);
            assertTrue(failures.isEmpty(), String.join("\n\n", failures));
            return;
        }

        int threads = Math.max(1, Runtime.getRuntime().availableProcessors());
        long stride = Long.getLong("braid.crash.stride", 0);
        if (stride <= 0) {
            for (int i = 1; i <= 12; i++) { // warm-up: the first runs are several times slower than the rest
                crashAt(w, trace, durability, Math.max(1, i * points / 13), modes, false);
            }
            long perPoint = Long.MAX_VALUE; // the fastest sample: the others met GC, JIT or a busy machine
            for (int i = 1; i <= 4; i++) {
                long t0 = System.nanoTime();
                crashAt(w, trace, durability, Math.max(1, i * points / 5), modes, false);
                perPoint = Math.min(perPoint, System.nanoTime() - t0);
            }
            stride = Math.max(1, (perPoint * points / threads + BUDGET_NANOS - 1) / BUDGET_NANOS);
            System.out.printf("CrashPointTest: %s: about %d ms a point%n", durability, perPoint / 1_000_000);
        }
        System.out.printf("CrashPointTest: seed %d, %s: %d points, stride %d, %d threads, crash cases %s%n", SEED,
                durability, points, stride, threads, modes);

        ExecutorService pool = Executors.newFixedThreadPool(threads);
        List<String> failures = new ArrayList<>();
        try {
            List<Future<List<String>>> results = new ArrayList<>();
            List<Long> tested = new ArrayList<>();
            List<CrashCase> m = modes;
            for (long p = 1; p <= points; p += stride) {
                long point = p;
                tested.add(point);
                results.add(pool.submit(() -> crashAt(w, trace, durability, point, m, false)));
            }
            for (int i = 0; i < results.size(); i++) {
                try {
                    failures.addAll(results.get(i).get(HANG_SECONDS, TimeUnit.SECONDS));
                } catch (TimeoutException e) {
                    failures.add(context(durability, tested.get(i), trace, null)
                            + ": did not finish within " + HANG_SECONDS + " s (hang?)");
                }
            }
        } finally {
            pool.shutdownNow();
        }
        if (!failures.isEmpty()) {
            fail(failures.size() + " crash cases failed (seed " + SEED + ", " + durability + "); the first:\n\n"
                    + String.join("\n\n", failures.subList(0, Math.min(8, failures.size()))));
        }
    }

    /**
     * One way to crash: a mode, and for the randomized ones (PROCESS tears the cut write,
     * POWER_LOSS_RANDOM each unsynced write) which of several seeds.
     */
    private record CrashCase(CrashMode mode, int variant) {
        @Override
        public String toString() {
            return mode + (mode == CrashMode.POWER_LOSS_DROP ? "" : "#" + variant);
        }
    }

    /** All crash cases, or those {@code -Dbraid.crash.mode} and {@code -Dbraid.crash.variant} pick. */
    private static List<CrashCase> crashCases() {
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

    /** Crashes a run at {@code point} and checks recovery in each crash case; returns what went wrong. */
    private static List<String> crashAt(Workload w, List<String> trace, Durability durability, long point,
            List<CrashCase> modes, boolean rethrow) {
        List<String> failures = new ArrayList<>();
        FaultyFileSystem fs = new FaultyFileSystem();
        fs.crashAtPoint(point);
        Progress pr = run(w, fs, durability);
        String ctx = context(durability, point, trace, null);
        List<String> seen = fs.trace();
        if (seen.size() > trace.size() || !seen.equals(trace.subList(0, seen.size()))) {
            failures.add(ctx + ": the workload is not deterministic: its points differ from the dry run's");
            return failures;
        }
        if (pr.completed || !fs.isDead()) {
            failures.add(ctx + ": the crash point was not reached or the store kept going after it (stopped at "
                    + pr.step + ")");
            return failures;
        }
        if (pr.untyped != null || !hasCause(pr.error, c -> c instanceof SimulatedCrashException)) {
            Throwable t = pr.untyped != null ? pr.untyped : pr.error;
            failures.add(ctx + ": during " + pr.step + " the store threw something other than a BraidException "
                    + "caused by the crash:\n" + FaultTestSupport.stackTrace(t));
            return failures;
        }
        for (CrashCase cc : modes) {
            long crashSeed = SEED ^ (point * 0x9E3779B97F4A7C15L) ^ (cc.mode.ordinal() * 31L + cc.variant);
            String mctx = context(durability, point, trace, cc) + ", crashed during " + pr.step;
            try {
                verifyRecovered(w, pr, fs.crash(cc.mode, crashSeed), durability, cc.mode, mctx);
            } catch (Throwable t) {
                if (rethrow) {
                    throw t;
                }
                failures.add(t instanceof AssertionError ? t.getMessage()
                        : mctx + ":\n" + FaultTestSupport.stackTrace(t));
            }
        }
        return failures;
    }

    private static String context(Durability durability, long point, List<String> trace, CrashCase cc) {
        return "seed " + SEED + ", " + durability + ", point " + point + " [" + trace.get((int) point - 1) + "]"
                + (cc == null ? "" : ", " + cc)
                + " (replay: -Dtest=CrashPointTest -Dbraid.seed=" + SEED + " -Dbraid.crash.point=" + point
                + " -Dbraid.crash.durability=" + durability
                + (cc == null ? "" : " -Dbraid.crash.mode=" + cc.mode + " -Dbraid.crash.variant=" + cc.variant) + ")";
    }

    /**
     * Reopens after a crash and checks: the commit it is at is allowed, its contents equal the
     * model at that commit, check() is clean, and the store takes a new commit.
     */
    private static void verifyRecovered(Workload w, Progress pr, FaultyFileSystem fs, Durability durability,
            CrashMode mode, String ctx) {
        int lowest = mode == CrashMode.PROCESS || durability == Durability.FULL ? pr.returned : pr.lastCheckpointed;
        int j;
        try (Braid store = Braid.open(DIR, options(fs, durability))) {
            j = committedSeq(store);
            if (j < lowest || j > pr.maxAllowed()) {
                fail(ctx + ": reopened at commit " + j + ", allowed " + lowest + ".." + pr.maxAllowed()
                        + " (" + pr.returned + " returned" + (pr.commitInProgress ? ", one in progress" : "")
                        + ", last checkpoint at " + pr.lastCheckpointed + ")");
            }
            assertEquals(j, store.lastCommitSequence(), ctx + ": lastCommitSequence() vs metadata seq " + j);
            FaultTestSupport.assertContents(store, w.atCommit.get(j), w.touched, ctx + ", at commit " + j);
            List<IntegrityFinding> findings = store.check();
            assertTrue(findings.isEmpty(), ctx + ", at commit " + j + ": check() found " + findings);
            store.put(PROBE_KEY, FaultTestSupport.ascii("probe"));
            store.commit(seqMeta(j + 1000));
        }
        try (Braid store = Braid.open(DIR, options(fs, durability))) {
            assertArrayEquals(FaultTestSupport.ascii("probe"), store.get(PROBE_KEY),
                    ctx + ": a commit after recovery did not survive close and reopen");
            assertEquals(j + 1000, committedSeq(store), ctx + ": metadata of the commit after recovery");
            assertEquals(w.atCommit.get(j).size() + (w.atCommit.get(j).containsKey(PROBE_KEY) ? 0 : 1),
                    store.count(), ctx + ": count after the commit after recovery");
        }
    }

    // ------------------------------------------------------------------ I/O errors and a full disk

    @Test
    void injectedWriteAndSyncErrorsFailTheStoreUntilReopened() {
        Workload w = new Workload(SEED);
        FaultyFileSystem dry = new FaultyFileSystem();
        Progress dryRun = run(w, dry, Durability.FULL);
        assertTrue(dryRun.completed, "seed " + SEED + ": the workload fails without faults");
        List<String> trace = dry.trace();
        List<Long> writes = new ArrayList<>();
        List<Long> syncs = new ArrayList<>();
        for (long p = dryRun.pointsAfterOpen + 1; p <= dryRun.pointsBeforeClose; p++) {
            String what = trace.get((int) p - 1).split(" ")[1];
            (what.startsWith("sync") ? syncs : writes).add(p);
        }
        List<Long> points = new ArrayList<>();
        points.addAll(spread(writes, 16));
        points.addAll(spread(syncs, 16));
        System.out.printf("CrashPointTest: seed %d, I/O errors injected at points %s%n", SEED, points);
        for (long p : points) {
            String ctx = "seed " + SEED + ", FULL, I/O error at point " + p + " [" + trace.get((int) p - 1) + "]";
            FaultyFileSystem fs = new FaultyFileSystem();
            IOException injected = new IOException("injected I/O error at point " + p);
            fs.failAtPoint(p, injected);
            Progress pr = run(w, fs, Durability.FULL);
            assertFailedThenRecovers(w, pr, fs, ctx, e -> assertTrue(hasCause(e, c -> c == injected),
                    ctx + ": the store's exception does not carry the I/O error: " + FaultTestSupport.stackTrace(e)));
        }
    }

    @Test
    void fullDiskFailsTheStoreWithATypedErrorAndKeepsTheLastCommit() {
        Workload w = new Workload(SEED);
        FaultyFileSystem dry = new FaultyFileSystem();
        Progress dryRun = run(w, dry, Durability.FULL);
        assertTrue(dryRun.completed, "seed " + SEED + ": the workload fails without faults");
        long peak = dry.peakBytes();
        for (double fraction : new double[] {0.2, 0.35, 0.5, 0.65, 0.8, 0.95}) {
            long limit = (long) (peak * fraction);
            String ctx = "seed " + SEED + ", FULL, disk limit " + limit + " bytes (" + fraction + " of the peak "
                    + peak + ")";
            FaultyFileSystem fs = new FaultyFileSystem();
            fs.diskLimitBytes(limit);
            Progress pr = run(w, fs, Durability.FULL);
            assertTrue(!pr.completed, ctx + ": the workload never ran out of disk");
            assertFailedThenRecovers(w, pr, fs, ctx, e -> assertTrue(
                    (e instanceof BraidIOException io && io.diskFull())
                            || (e instanceof StoreFailedException
                                && e.getCause() instanceof BraidIOException io2 && io2.diskFull()),
                    ctx + ": expected BraidIOException with diskFull(), or StoreFailedException caused by one: "
                            + FaultTestSupport.stackTrace(e)));
            fs.diskLimitBytes(Long.MAX_VALUE);
        }
    }

    /**
     * After the run stopped on an injected fault: the first error is typed (and passes
     * {@code firstError}), every later call throws StoreFailedException, and after close and
     * reopen (on an unlimited disk) the store is at its last commit, consistent and usable.
     */
    private static void assertFailedThenRecovers(Workload w, Progress pr, FaultyFileSystem fs, String ctx,
            Consumer<BraidException> firstError) {
        if (pr.untyped != null) {
            fail(ctx + ": during " + pr.step + " the store threw an untyped exception:\n"
                    + FaultTestSupport.stackTrace(pr.untyped));
        }
        assertTrue(pr.error != null, ctx + ": the run finished without an error");
        String sctx = ctx + ", failed during " + pr.step;
        firstError.accept(pr.error);
        Braid failed = pr.store;
        if (failed != null && !pr.step.equals("close")) { // a close that failed may leave it closed
            byte[] k = Workload.key(1);
            List<Map.Entry<String, Runnable>> calls = List.of(
                    Map.entry("get", () -> failed.get(k)),
                    Map.entry("put", () -> failed.put(k, k)),
                    Map.entry("delete", () -> failed.delete(k)),
                    Map.entry("write", () -> failed.write(new WriteBatch().put(k, k))),
                    Map.entry("count", failed::count),
                    Map.entry("iterator", () -> failed.iterator(KeyRange.all()).hasNext()),
                    Map.entry("reverseIterator", () -> failed.reverseIterator(KeyRange.all()).hasNext()),
                    Map.entry("commit", () -> failed.commit(seqMeta(999))),
                    Map.entry("checkpoint", failed::checkpoint));
            for (Map.Entry<String, Runnable> call : calls) {
                try {
                    call.getValue().run();
                    fail(sctx + ": " + call.getKey() + "() succeeded on a failed store");
                } catch (StoreFailedException expected) {
                    // the failed state holds
                } catch (RuntimeException e) {
                    fail(sctx + ": " + call.getKey() + "() on a failed store threw " + FaultTestSupport.stackTrace(e));
                }
            }
        }
        if (failed != null) {
            try {
                failed.close();
            } catch (BraidException e) {
                // closing a failed store may report the failure again; it must still release the lock
            }
        }
        fs.diskLimitBytes(Long.MAX_VALUE);
        try (Braid store = Braid.open(DIR, options(fs, Durability.FULL))) {
            int j = committedSeq(store);
            assertTrue(j == pr.returned || j == pr.maxAllowed(), sctx + ": reopened at commit " + j + ", expected "
                    + pr.returned + (pr.commitInProgress ? " or " + pr.maxAllowed() : ""));
            FaultTestSupport.assertContents(store, w.atCommit.get(j), w.touched, sctx + ", at commit " + j);
            assertTrue(store.check().isEmpty(), sctx + ": check() found " + store.check());
            store.put(PROBE_KEY, PROBE_KEY);
            store.commit(seqMeta(j + 1000));
        }
        try (Braid store = Braid.open(DIR, options(fs, Durability.FULL))) {
            assertArrayEquals(PROBE_KEY, store.get(PROBE_KEY), sctx + ": a commit after reopening was lost");
        }
    }

    /** Up to {@code n} elements of {@code all}, evenly spread. */
    private static List<Long> spread(List<Long> all, int n) {
        if (all.size() <= n) {
            return all;
        }
        List<Long> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(all.get((int) ((long) i * all.size() / n)));
        }
        return out;
    }
}
