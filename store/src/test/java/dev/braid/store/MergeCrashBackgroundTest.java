package dev.braid.store;

import static dev.braid.store.FaultTestSupport.hasCause;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.braid.store.MergeWorkload.Progress;
import dev.braid.store.internal.io.FaultyFileSystem;
import dev.braid.store.internal.io.FaultyFileSystem.CrashMode;
import dev.braid.store.internal.io.FaultyFileSystem.Point;
import dev.braid.store.internal.io.SimulatedCrashException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;

/**
 * Crashes the merge workload ({@link MergeWorkload#background}) while the background merge thread
 * is in the middle of a segment merge or a fold, and checks that the reopened store is exactly at
 * an allowed commit, equal to the model there, clean under check() (the runs the job had reserved,
 * recorded by the commits made meanwhile, are reclaimed) and still usable.
 *
 * <p>Points reached on a background thread are not reproducible by number, so each iteration picks
 * its crash by a seeded trigger ({@link FaultyFileSystem#crashWhen}): the k-th point (write or
 * sync) of one {@link Kind}, k drawn over the number a calibration run made. Every other iteration
 * is gated: each job's first write waits for the writer's next commit, so that commits record
 * reservations far more often than the short jobs of a small test would allow by chance. Each
 * iteration runs its own seed, a durability, background checkpoints on or off, and checks three
 * crash cases. The workload is seeded but the interleaving is not: a failure names the iteration's
 * seed, the trigger and what the job was. {@code -Dbraid.seed=<seed>} runs the iterations from
 * another base seed, {@code -Dbraid.crash.iterations=<n>} sets their number (30).
 */
class MergeCrashBackgroundTest {
    private static final long SEED = FaultTestSupport.seedProperty(0xB6_3E26L);
    private static final int ITERATIONS = Integer.getInteger("braid.crash.iterations", 30);
    /** Past this, no new iteration starts (and the test still needs {@link #MIN_ITERATIONS}). */
    private static final long BUDGET_NANOS = TimeUnit.SECONDS.toNanos(40);
    private static final int MIN_ITERATIONS = Math.min(ITERATIONS, 10);
    private static final String MERGE_THREAD = "braid-merge-";

    static BraidOptions options(FaultyFileSystem fs, Durability durability, boolean backgroundCheckpoints) {
        return BraidOptions.builder()
                .pageSizeBytes(1024)
                .cacheBytes(128 * 1024)
                .durability(durability)
                .backgroundCheckpoints(backgroundCheckpoints)
                .backgroundMerges(true)
                .checkpointLogBytes(16 * 1024)
                .maxLogBytes(64 * 1024)
                .writeBufferBytes(1024)
                .fileSystem(fs)
                .build();
    }

    /**
     * Where a trigger crashes: on the merge thread, in any job, in a segment merge while the writer
     * restores into the empty tree (when the merge takes the oldest segments it drops tombstones),
     * or in a fold; on the writer while a job is under way (a fold, or a merge that has written
     * output it has not synced); or on either thread after a commit that returned while a job was
     * under way (so that it probably recorded the job's reservations) and before the next commit.
     */
    private enum Kind { JOB_POINT, RESTORE_JOB_POINT, FOLD_POINT, WRITER_POINT_DURING_JOB, AFTER_COMMIT_DURING_JOB }

    /**
     * Crashes at the k-th point of its kind (k = 0: counts only); armed once the store is open.
     * When gated, the merge thread's first write of each job (its runs are reserved by then) waits
     * up to 50 ms for the writer's next commit, which then records the reservation in its manifest.
     */
    private static final class Trigger implements Predicate<Point>, Consumer<String> {
        static final String FOLD = "a fold";
        static final String MERGE = "a segment merge";
        static final String RESTORE_MERGE = "a segment merge during the restore into the empty tree";
        private final Kind kind;
        private final long k;
        private final int restoreEnd;
        private final boolean gated;
        private final Object commits = new Object();
        private long commitsReturned; // guarded by commits
        private volatile Braid store;
        private volatile BooleanSupplier folding;
        private volatile Thread writer;
        private volatile int stepsDone;
        private volatile boolean jobWriting; // the merge thread has written output it has not synced yet
        private volatile boolean committedDuringJob; // the last commit returned while a job was under way
        final long[] points = new long[Kind.values().length];
        String firedDuring; // FOLD, MERGE or RESTORE_MERGE, once fired

        Trigger(Kind kind, long k, int restoreEnd, boolean gated) {
            this.kind = kind;
            this.k = k;
            this.restoreEnd = restoreEnd;
            this.gated = gated;
        }

        /** The writer finished step {@code step} on {@code s}. */
        void stepDone(Braid s, int step, MergeWorkload.Step done) {
            if (store == null) {
                writer = Thread.currentThread();
                folding = EngineProbe.foldRunning(s);
                store = s;
            }
            stepsDone = step + 1;
            if (done instanceof MergeWorkload.Commit) {
                committedDuringJob = jobWriting || folding.getAsBoolean();
                synchronized (commits) {
                    commitsReturned++;
                    commits.notifyAll();
                }
            }
        }

        /** Before a point, outside the file system's monitor: the gate. */
        @Override
        public void accept(String what) {
            if (!gated || store == null || jobWriting || !what.startsWith("write ")
                    || !Thread.currentThread().getName().startsWith(MERGE_THREAD)) {
                return;
            }
            jobWriting = true;
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(50);
            synchronized (commits) {
                long seen = commitsReturned;
                for (long left = 50; commitsReturned == seen && left > 0;
                        left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())) {
                    try {
                        commits.wait(left);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return;
                    }
                }
            }
        }

        @Override
        public boolean test(Point p) {
            if (store == null || firedDuring != null) {
                return false;
            }
            boolean restoring = stepsDone < restoreEnd;
            boolean fold = folding.getAsBoolean();
            boolean fire = false;
            if (p.thread().getName().startsWith(MERGE_THREAD)) {
                jobWriting = p.isWrite();
                fire = count(Kind.JOB_POINT);
                fire |= restoring && !fold && count(Kind.RESTORE_JOB_POINT);
                fire |= fold && count(Kind.FOLD_POINT);
            } else if (p.thread() == writer && (jobWriting || fold)) {
                fire = count(Kind.WRITER_POINT_DURING_JOB);
            }
            fire |= committedDuringJob && count(Kind.AFTER_COMMIT_DURING_JOB);
            if (fire) {
                firedDuring = fold ? FOLD : restoring ? RESTORE_MERGE : MERGE;
            }
            return fire;
        }

        private boolean count(Kind c) {
            return ++points[c.ordinal()] == k && kind == c;
        }
    }

    @Test
    void crashWhileAMergeOrFoldRuns() throws Exception {
        // Calibration: how many points of each kind a run makes, ungated and gated, to spread k over a run.
        long[][] perKind = new long[2][];
        for (int gated = 0; gated < 2; gated++) {
            MergeWorkload calibration = MergeWorkload.background(SEED);
            Trigger counter = new Trigger(Kind.JOB_POINT, 0, calibration.restoreEnd, gated == 1);
            Progress dryRun = run(calibration, new FaultyFileSystem(), counter, Durability.FULL, false);
            assertTrue(dryRun.completed, "seed " + SEED + ": the workload fails without faults: "
                    + (dryRun.error != null ? FaultTestSupport.stackTrace(dryRun.error) : "")
                    + (dryRun.untyped != null ? FaultTestSupport.stackTrace(dryRun.untyped) : ""));
            perKind[gated] = counter.points;
            System.out.printf("MergeCrashBackgroundTest: seed %d, %s: points of a run: %s%n", SEED,
                    gated == 1 ? "gated" : "not gated", counts(counter.points));
        }
        // The interleaving varies, so do the counts: an ungated run may make no writer point during a
        // job (jobs of small segments take a millisecond). Each kind must occur in one of the two modes;
        // an iteration uses the other mode when its own makes no point of its kind.
        for (Kind k : Kind.values()) {
            assertTrue(perKind[0][k.ordinal()] + perKind[1][k.ordinal()] > 0, "seed " + SEED
                    + ": no run makes a point of kind " + k + ": " + counts(perKind[0]) + " / " + counts(perKind[1]));
        }

        ExecutorService pool = Executors.newSingleThreadExecutor();
        List<String> failures = new ArrayList<>();
        Map<String, Integer> crashedDuring = new TreeMap<>();
        int iterations = 0;
        long t0 = System.nanoTime();
        try {
            for (int i = 0; i < ITERATIONS && (i < MIN_ITERATIONS || System.nanoTime() - t0 < BUDGET_NANOS); i++) {
                int iteration = i;
                long seed = SEED + i * 0x9E3779B97F4A7C15L;
                MergeWorkload w = MergeWorkload.background(seed);
                Kind kind = Kind.values()[i % Kind.values().length];
                boolean gated = i % 2 == 1;
                if (perKind[gated ? 1 : 0][kind.ordinal()] == 0) {
                    gated = !gated;
                }
                long max = perKind[gated ? 1 : 0][kind.ordinal()];
                Trigger trigger = new Trigger(kind, 1 + new Random(seed).nextInt((int) Math.max(1, max * 4 / 5)),
                        w.restoreEnd, gated);
                Durability durability = i % 4 < 2 ? Durability.FULL : Durability.NORMAL;
                boolean backgroundCheckpoints = i % 5 == 4;
                String ctx = "iteration " + i + ", seed " + seed + " (base -Dbraid.seed=" + SEED + "), " + durability
                        + (backgroundCheckpoints ? ", background checkpoints" : "") + (gated ? ", gated" : "")
                        + ", crash at " + kind + " " + trigger.k;
                Future<String> f = pool.submit(() -> iteration(w, seed, iteration, trigger, durability,
                        backgroundCheckpoints, ctx));
                try {
                    String outcome = f.get(FaultTestSupport.HANG_SECONDS, TimeUnit.SECONDS);
                    iterations++;
                    crashedDuring.merge(trigger.firedDuring == null ? "no crash" : trigger.firedDuring, 1,
                            Integer::sum);
                    if (outcome != null) {
                        failures.add(outcome);
                    }
                } catch (TimeoutException e) {
                    failures.add(ctx + ": did not finish within " + FaultTestSupport.HANG_SECONDS + " s (hang?)");
                    break; // the stuck iteration holds the pool's thread
                } catch (ExecutionException e) {
                    failures.add(ctx + ":\n" + FaultTestSupport.stackTrace(e.getCause()));
                }
            }
        } finally {
            pool.shutdownNow();
        }
        System.out.printf("MergeCrashBackgroundTest: %d iterations in %d ms, crashed during: %s%n", iterations,
                (System.nanoTime() - t0) / 1_000_000, crashedDuring);
        if (!failures.isEmpty()) {
            fail(failures.size() + " iterations failed; the first:\n\n"
                    + String.join("\n\n", failures.subList(0, Math.min(5, failures.size()))));
        }
        int crashed = iterations - crashedDuring.getOrDefault("no crash", 0);
        assertTrue(crashed >= iterations / 2, "only " + crashed + " of " + iterations + " iterations crashed "
                + "during a job: " + crashedDuring);
        for (String job : List.of(Trigger.FOLD, Trigger.MERGE, Trigger.RESTORE_MERGE)) {
            assertTrue(crashedDuring.containsKey(job), "no iteration crashed during " + job + ": " + crashedDuring);
        }
    }

    private static Progress run(MergeWorkload w, FaultyFileSystem fs, Trigger trigger, Durability durability,
            boolean backgroundCheckpoints) {
        fs.crashWhen(trigger);
        fs.beforeFilePoint(trigger);
        return w.run(options(fs, durability, backgroundCheckpoints),
                (store, step) -> trigger.stepDone(store, step, w.steps.get(step)));
    }

    private static String counts(long[] points) {
        List<String> out = new ArrayList<>();
        for (Kind k : Kind.values()) {
            out.add(k + " " + points[k.ordinal()]);
        }
        return String.join(", ", out);
    }

    /** Runs one iteration: the workload with its trigger, then the checks; returns a failure or null. */
    private static String iteration(MergeWorkload w, long seed, int i, Trigger trigger, Durability durability,
            boolean backgroundCheckpoints, String ctx) {
        FaultyFileSystem fs = new FaultyFileSystem();
        Progress pr = run(w, fs, trigger, durability, backgroundCheckpoints);
        if (pr.store != null) {
            try {
                pr.store.close(); // stops the merge thread; the files are gone with the process
            } catch (BraidException expected) {
                // the dead file system fails the close
            }
        }
        if (trigger.firedDuring == null) {
            fs.crashWhen(null);
            fs.beforeFilePoint(null);
            if (!pr.completed) {
                Throwable t = pr.untyped != null ? pr.untyped : pr.error;
                return ctx + ": the run failed without a crash during " + pr.step + ":\n"
                        + FaultTestSupport.stackTrace(t);
            }
            try {
                w.verifyRecovered(pr, fs, options(fs, durability, backgroundCheckpoints), CrashMode.PROCESS,
                        ctx + ", never reached: after a clean close");
            } catch (AssertionError e) {
                return e.getMessage();
            }
            return null;
        }
        String cctx = ctx + ", crashed during " + trigger.firedDuring + " while the writer ran " + pr.step;
        if (pr.completed || !fs.isDead()) {
            return cctx + ": the store kept going after the crash";
        }
        if (pr.untyped != null || !hasCause(pr.error, c -> c instanceof SimulatedCrashException)) {
            Throwable t = pr.untyped != null ? pr.untyped : pr.error;
            return cctx + ": the store threw something other than a BraidException caused by the crash:\n"
                    + FaultTestSupport.stackTrace(t);
        }
        int variant = i % 3;
        for (CrashMode mode : CrashMode.values()) {
            String mctx = cctx + ", " + mode + (mode == CrashMode.POWER_LOSS_DROP ? "" : "#" + variant);
            FaultyFileSystem after = fs.crash(mode, seed ^ (mode.ordinal() * 31L + variant));
            try {
                w.verifyRecovered(pr, after, options(after, durability, backgroundCheckpoints), mode, mctx);
            } catch (AssertionError e) {
                return e.getMessage();
            } catch (RuntimeException e) {
                return mctx + ":\n" + FaultTestSupport.stackTrace(e);
            }
        }
        return null;
    }
}
