package dev.braid.store;

import static dev.braid.store.FaultTestSupport.committedSeq;
import static dev.braid.store.FaultTestSupport.hasCause;
import static dev.braid.store.FaultTestSupport.seqMeta;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.braid.store.FaultTestSupport.CrashCase;
import dev.braid.store.internal.io.FaultyFileSystem;
import dev.braid.store.internal.io.FaultyFileSystem.CrashMode;
import dev.braid.store.internal.io.SimulatedCrashException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.ObjIntConsumer;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Crashes a seeded workload at every write and fsync point, in each crash mode, and checks that the
 * reopened store is exactly at an allowed commit, consistent and usable. Also: injected I/O errors
 * and a full disk put the store in the failed state without losing the last commit.
 *
 * <p>The workload mixes tree writes with blind writes (which go through the write buffer), in
 * batches of both kinds, some unlogged, and tree writes to keys just written blind. Its first
 * commit loads the new store with blind writes only (a bulk build into fresh pages); later one
 * commit empties the store and the next refills it the same way (a bulk build into freed pages,
 * checkpointed halfway with the transaction open), and one transaction empties and refills in one.
 * Some other transactions are checkpointed halfway too; writes after the last commit are discarded
 * by close. The walk runs with the default write buffer (drained at commit, and mid-transaction only
 * by the largest transactions) and with a 1 KiB one (drained mid-transaction all the time), for
 * each durability.
 *
 * <p>Each point is crashed in every {@link CrashMode}; the randomized ones (PROCESS tears the cut
 * write, POWER_LOSS_RANDOM every unsynced write) with {@code -Dbraid.crash.variants} seeds (3).
 * Replay one case: {@code -Dbraid.seed=<seed> -Dbraid.crash.point=<p>
 * -Dbraid.crash.durability=FULL|NORMAL -Dbraid.crash.buffer=DEFAULT|SMALL
 * -Dbraid.crash.mode=PROCESS|POWER_LOSS_DROP|POWER_LOSS_RANDOM -Dbraid.crash.variant=<v>};
 * {@code -Dbraid.crash.stride=<n>} tests every n-th point only.
 */
class CrashPointTest {
    private static final long SEED = FaultTestSupport.seedProperty(0x5EED_B4A1DL);
    private static final Path DIR = Path.of("/crash-test/store");
    /** Time the walk over all points may take per durability and buffer before it strides (4 of ~90 s). */
    private static final long BUDGET_NANOS = TimeUnit.SECONDS.toNanos(15);
    private static final byte[] PROBE_KEY = FaultTestSupport.ascii("zz-probe-after-recovery");

    /** The write-buffer budget a walk runs with. */
    enum Buffer {
        /**
         * The default budget, which the engine caps at half the cache (64 KiB here): blind writes
         * reach the tree at commit, and only the largest transactions drain before it.
         */
        DEFAULT,
        /** The smallest budget, 1 KiB: the buffer also drains in the middle of transactions. */
        SMALL
    }

    private static BraidOptions options(FaultyFileSystem fs, Durability durability, Buffer buffer) {
        BraidOptions.Builder b = BraidOptions.builder()
                .pageSizeBytes(1024)
                .cacheBytes(64 * 1024)
                .durability(durability)
                .backgroundCheckpoints(false)
                .backgroundMerges(false)
                .checkpointLogBytes(16 * 1024)
                .maxLogBytes(64 * 1024)
                .fileSystem(fs);
        if (buffer == Buffer.SMALL) {
            b.writeBufferBytes(1024);
        }
        return b.build();
    }

    // ------------------------------------------------------------------ the workload

    /** One step of the workload; {@link Commit} i carries metadata {"seq": i}. */
    private sealed interface Step permits Put, Delete, Batch, Commit, Checkpoint, Close {
    }

    /** A put, blind ({@link Braid#blindPut}) or a tree write. */
    private record Put(byte[] key, byte[] value, boolean blind) implements Step {
    }

    private record Delete(byte[] key, boolean blind) implements Step {
    }

    /** A batch; each op says whether it is blind; {@code unlogged} marks it {@link WriteBatch#unlogged()}. */
    private record Batch(List<WriteBatch.Op> ops, boolean unlogged) implements Step {
    }

    private record Commit(int seq) implements Step {
    }

    private record Checkpoint() implements Step {
    }

    private record Close() implements Step {
    }

    /** The steps a seed gives and the model contents at each commit (index 0: the new store). */
    static final class Workload {
        static final int COMMITS = 48;
        static final int KEYS = 400;
        /**
         * Loads the new store with blind puts only (a restore): a bulk build whose pages are all
         * fresh, past the committed end, so they go straight into the page file.
         */
        static final int LOADED = 1;
        /** One large transaction: more dirty pages and buffered bytes than the cache holds, so it spills. */
        static final int LARGE = 25;
        /** Deletes every key (tree and blind deletes), so that the tree is empty when it commits. */
        static final int EMPTIED = 32;
        /** Refills the empty store with blind puts only: its first drain is a bulk build. */
        static final int REFILLED = 33;
        /** Tree deletes of every key, then blind puts: a bulk build into a tree emptied in the same transaction. */
        static final int EMPTIED_AND_REFILLED = 44;
        final List<Step> steps = new ArrayList<>();
        final List<NavigableMap<byte[], byte[]>> atCommit = new ArrayList<>();
        final Collection<byte[]> touched = new TreeSet<>(Arrays::compareUnsigned);
        /** Indexes of the steps after which the tree is empty and the next drain is a bulk build. */
        final Set<Integer> emptyTreeAfterStep = new TreeSet<>();
        /** Keys written blind since the last commit (the buffer may still hold them). */
        private final List<byte[]> blindSinceCommit = new ArrayList<>();

        Workload(long seed) {
            Random rnd = new Random(seed);
            NavigableMap<byte[], byte[]> model = FaultTestSupport.newModel();
            atCommit.add(FaultTestSupport.copy(model));
            for (int c = 1; c <= COMMITS; c++) {
                if (c == LOADED) {
                    refill(rnd, model, KEYS / 4, false);
                } else if (c == LARGE) {
                    large(rnd, model);
                } else if (c == EMPTIED) {
                    empty(rnd, model);
                } else if (c == REFILLED) {
                    refill(rnd, model, KEYS * 3 / 4 + rnd.nextInt(KEYS / 4), true);
                } else if (c == EMPTIED_AND_REFILLED) {
                    emptyAndRefill(rnd, model);
                } else {
                    mixed(rnd, model, c % 10 == 5 || c % 10 == 6);
                }
                steps.add(new Commit(c));
                if (c == EMPTIED) {
                    emptyTreeAfterStep.add(steps.size() - 1);
                }
                atCommit.add(FaultTestSupport.copy(model));
                blindSinceCommit.clear();
                if (c == 12 || c == 28 || c == 40) {
                    steps.add(new Checkpoint());
                }
            }
            // Writes after the last commit, which close discards; a small buffer drains them into the
            // tree (and spills) first. They change a scratch copy of the model only.
            NavigableMap<byte[], byte[]> discarded = FaultTestSupport.copy(model);
            mixed(rnd, discarded, false);
            List<WriteBatch.Op> ops = new ArrayList<>();
            for (int i = 0; i < 120; i++) {
                ops.add(new WriteBatch.Op(key(rnd.nextInt(KEYS)), value(rnd, 100 + rnd.nextInt(300)), true));
            }
            add(new Batch(ops, true), discarded);
            mixed(rnd, discarded, false);
            steps.add(new Close());
        }

        /**
         * An ordinary transaction: tree and blind writes, alone and in batches; with
         * {@code checkpointMidway}, a checkpoint halfway, inside the open transaction.
         */
        private void mixed(Random rnd, NavigableMap<byte[], byte[]> model, boolean checkpointMidway) {
            int n = 3 + rnd.nextInt(13);
            for (int i = 0; i < n; i++) {
                if (checkpointMidway && i == n / 2) {
                    steps.add(new Checkpoint());
                }
                int dice = rnd.nextInt(100);
                if (dice < 35) {
                    add(new Put(key(rnd.nextInt(KEYS)), randomValue(rnd), false), model);
                } else if (dice < 45) {
                    add(new Delete(pickKey(rnd, model), false), model);
                } else if (dice < 58) {
                    add(new Put(key(rnd.nextInt(KEYS)), randomValue(rnd), true), model);
                } else if (dice < 65) {
                    add(new Delete(pickKey(rnd, model), true), model);
                } else if (dice < 75 && !blindSinceCommit.isEmpty()) {
                    // A tree write to a key just written blind: it must win over the buffered write.
                    byte[] k = pick(rnd, blindSinceCommit);
                    add(rnd.nextInt(4) == 0 ? new Delete(k, false) : new Put(k, randomValue(rnd), false), model);
                } else {
                    List<WriteBatch.Op> ops = new ArrayList<>();
                    boolean anyBlind = false;
                    byte[] lastBlind = null;
                    for (int k = 2 + rnd.nextInt(9); k > 0; k--) {
                        boolean blind = rnd.nextInt(5) < 2;
                        byte[] reuse = !blindSinceCommit.isEmpty() && rnd.nextInt(4) == 0
                                ? pick(rnd, blindSinceCommit) : null;
                        byte[] key;
                        if (rnd.nextInt(4) == 0) {
                            key = reuse != null ? reuse : pickKey(rnd, model);
                            ops.add(new WriteBatch.Op(key, null, blind));
                        } else {
                            key = reuse != null ? reuse : key(rnd.nextInt(KEYS));
                            ops.add(new WriteBatch.Op(key, randomValue(rnd), blind));
                        }
                        anyBlind |= blind;
                        lastBlind = blind ? key : lastBlind;
                    }
                    if (lastBlind != null && rnd.nextInt(3) == 0) {
                        // Blind, then a tree write to the same key, in one batch.
                        ops.add(new WriteBatch.Op(lastBlind, randomValue(rnd), false));
                    }
                    add(new Batch(ops, anyBlind && rnd.nextInt(3) == 0), model);
                }
            }
        }

        /** One large batch, half of it blind, then tree writes to some of its blind keys. */
        private void large(Random rnd, NavigableMap<byte[], byte[]> model) {
            List<WriteBatch.Op> ops = new ArrayList<>();
            for (int i = 0; i < 60; i++) {
                ops.add(new WriteBatch.Op(key(rnd.nextInt(KEYS)), value(rnd, 1100 + rnd.nextInt(2000)),
                        rnd.nextBoolean()));
            }
            for (int i = 0; i < 100; i++) {
                ops.add(new WriteBatch.Op(key(rnd.nextInt(KEYS)), value(rnd, rnd.nextInt(120)), rnd.nextBoolean()));
            }
            add(new Batch(ops, false), model);
            for (int i = 0; i < 6 && !blindSinceCommit.isEmpty(); i++) {
                byte[] k = pick(rnd, blindSinceCommit);
                add(i % 3 == 0 ? new Delete(k, false) : new Put(k, value(rnd, rnd.nextInt(120)), false), model);
            }
        }

        /**
         * Deletes every key, in random order, by tree and blind deletes, alone and in batches; first
         * a few blind puts of new keys, which the sweep deletes again while the buffer may hold them.
         */
        private void empty(Random rnd, NavigableMap<byte[], byte[]> model) {
            for (int i = 0; i < 4; i++) {
                add(new Put(key(rnd.nextInt(KEYS)), randomValue(rnd), true), model);
            }
            List<byte[]> keys = new ArrayList<>(model.keySet());
            Collections.shuffle(keys, rnd);
            for (int i = 0; i < keys.size(); ) {
                int len = Math.min(keys.size() - i, 1 + rnd.nextInt(12));
                if (len == 1) {
                    add(new Delete(keys.get(i), rnd.nextBoolean()), model);
                } else {
                    List<WriteBatch.Op> ops = new ArrayList<>();
                    for (byte[] k : keys.subList(i, i + len)) {
                        ops.add(new WriteBatch.Op(k, null, rnd.nextBoolean()));
                    }
                    add(new Batch(ops, rnd.nextInt(3) == 0), model);
                }
                i += len;
            }
            if (!model.isEmpty()) {
                throw new IllegalStateException("the emptying transaction left " + model.size() + " keys");
            }
        }

        /**
         * Tree deletes of every key (the buffer is empty, so they all reach the tree), then a refill:
         * the first drain bulk-builds into a tree that is empty only in this transaction.
         */
        private void emptyAndRefill(Random rnd, NavigableMap<byte[], byte[]> model) {
            List<byte[]> keys = new ArrayList<>(model.keySet());
            Collections.shuffle(keys, rnd);
            for (int i = 0; i < keys.size(); ) {
                int len = Math.min(keys.size() - i, 1 + rnd.nextInt(12));
                if (len == 1) {
                    add(new Delete(keys.get(i), false), model);
                } else {
                    List<WriteBatch.Op> ops = new ArrayList<>();
                    for (byte[] k : keys.subList(i, i + len)) {
                        ops.add(new WriteBatch.Op(k, null, false));
                    }
                    add(new Batch(ops, false), model);
                }
                i += len;
            }
            emptyTreeAfterStep.add(steps.size() - 1);
            refill(rnd, model, KEYS / 4 + rnd.nextInt(KEYS / 4), false);
        }

        /**
         * Fills the empty store with {@code n} blind puts only (alone and in batches, some unlogged)
         * and tree puts to keys just written blind, which the buffer holds, or, after a drain, the
         * tree the drain built: so the first drain always finds an empty tree and no tombstones.
         * With {@code checkpointMidway}, a checkpoint runs halfway, inside the open transaction.
         */
        private void refill(Random rnd, NavigableMap<byte[], byte[]> model, int n, boolean checkpointMidway) {
            if (!model.isEmpty() || !blindSinceCommit.isEmpty()) {
                throw new IllegalStateException("a refill needs an empty store and buffer");
            }
            List<byte[]> keys = new ArrayList<>();
            for (int i = 0; i < KEYS; i++) {
                keys.add(key(i));
            }
            Collections.shuffle(keys, rnd);
            keys = keys.subList(0, n);
            boolean checkpointDue = checkpointMidway;
            for (int i = 0; i < keys.size(); ) {
                if (checkpointDue && i >= n / 2) {
                    steps.add(new Checkpoint());
                    checkpointDue = false;
                }
                int len = Math.min(keys.size() - i, 1 + rnd.nextInt(16));
                if (len == 1) {
                    add(new Put(keys.get(i), randomValue(rnd), true), model);
                } else {
                    List<WriteBatch.Op> ops = new ArrayList<>();
                    for (byte[] k : keys.subList(i, i + len)) {
                        ops.add(new WriteBatch.Op(k, randomValue(rnd), true));
                    }
                    add(new Batch(ops, rnd.nextBoolean()), model);
                }
                i += len;
                if (rnd.nextInt(5) == 0) {
                    add(new Put(pick(rnd, blindSinceCommit), randomValue(rnd), false), model);
                }
            }
        }

        private void add(Step s, NavigableMap<byte[], byte[]> model) {
            steps.add(s);
            if (s instanceof Put p) {
                apply(p.key, p.value, p.blind, model);
            } else if (s instanceof Delete d) {
                apply(d.key, null, d.blind, model);
            } else if (s instanceof Batch b) {
                for (WriteBatch.Op op : b.ops) {
                    apply(op.key(), op.value(), op.blind(), model);
                }
            }
        }

        /** A blind write changes the contents exactly as a tree write does. */
        private void apply(byte[] key, byte[] value, boolean blind, NavigableMap<byte[], byte[]> model) {
            if (value == null) {
                model.remove(key);
            } else {
                model.put(key, value);
            }
            touched.add(key);
            if (blind) {
                blindSinceCommit.add(key);
            }
        }

        private static byte[] pick(Random rnd, List<byte[]> keys) {
            return keys.get(rnd.nextInt(keys.size()));
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
    static Progress run(Workload w, FaultyFileSystem fs, Durability durability, Buffer buffer) {
        return run(w, fs, durability, buffer, null);
    }

    /**
     * {@link #run(Workload, FaultyFileSystem, Durability, Buffer)}; {@code afterStep} sees the store
     * after each step but the close, with the step's index.
     */
    static Progress run(Workload w, FaultyFileSystem fs, Durability durability, Buffer buffer,
            ObjIntConsumer<Braid> afterStep) {
        Progress pr = new Progress();
        try {
            pr.store = Braid.open(DIR, options(fs, durability, buffer));
            pr.pointsAfterOpen = fs.pointCount();
            for (int i = 0; i < w.steps.size(); i++) {
                Step s = w.steps.get(i);
                pr.step = "step " + i + " " + describe(s);
                if (s instanceof Put p) {
                    if (p.blind) {
                        pr.store.blindPut(p.key, p.value);
                    } else {
                        pr.store.put(p.key, p.value);
                    }
                } else if (s instanceof Delete d) {
                    if (d.blind) {
                        pr.store.blindDelete(d.key);
                    } else {
                        pr.store.delete(d.key);
                    }
                } else if (s instanceof Batch b) {
                    WriteBatch batch = new WriteBatch();
                    for (WriteBatch.Op op : b.ops) {
                        if (op.blind()) {
                            if (op.value() == null) {
                                batch.blindDelete(op.key());
                            } else {
                                batch.blindPut(op.key(), op.value());
                            }
                        } else if (op.value() == null) {
                            batch.delete(op.key());
                        } else {
                            batch.put(op.key(), op.value());
                        }
                    }
                    if (b.unlogged) {
                        batch.unlogged();
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
                if (afterStep != null && pr.store != null) {
                    afterStep.accept(pr.store, i);
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

    private static String describe(Step s) {
        if (s instanceof Put p) {
            return (p.blind ? "blindPut " : "put ") + FaultTestSupport.show(p.key);
        } else if (s instanceof Delete d) {
            return (d.blind ? "blindDelete " : "delete ") + FaultTestSupport.show(d.key);
        } else if (s instanceof Batch b) {
            long blind = b.ops.stream().filter(WriteBatch.Op::blind).count();
            return "batch of " + b.ops.size() + " (" + blind + " blind" + (b.unlogged ? ", unlogged)" : ")");
        }
        return s.getClass().getSimpleName();
    }

    // ------------------------------------------------------------------ the crash walk

    /** One walk: a durability and a write-buffer budget. */
    record Walk(Durability durability, Buffer buffer) {
        BraidOptions options(FaultyFileSystem fs) {
            return CrashPointTest.options(fs, durability, buffer);
        }

        @Override
        public String toString() {
            return durability + ", " + buffer + " write buffer";
        }
    }

    static Stream<Arguments> walks() {
        return Stream.of(Buffer.values())
                .flatMap(b -> Stream.of(Durability.values()).map(d -> Arguments.of(d, b)));
    }

    @ParameterizedTest(name = "{0}, {1} write buffer")
    @MethodSource("walks")
    void crashAtEveryPoint(Durability durability, Buffer buffer) throws Exception {
        String only = System.getProperty("braid.crash.durability");
        String onlyBuffer = System.getProperty("braid.crash.buffer");
        if ((only != null && !only.equalsIgnoreCase(durability.name()))
                || (onlyBuffer != null && !onlyBuffer.equalsIgnoreCase(buffer.name()))) {
            return;
        }
        Walk walk = new Walk(durability, buffer);
        Workload w = new Workload(SEED);
        FaultyFileSystem dry = new FaultyFileSystem();
        Progress dryRun = run(w, dry, durability, buffer, (store, step) -> {
            if (w.emptyTreeAfterStep.contains(step)) {
                assertEquals(0, store.count(), "seed " + SEED + ", " + walk + ": the store is not empty after step "
                        + step + ", so the blind writes after it are no refill of an empty store");
            }
        });
        assertTrue(dryRun.completed, "seed " + SEED + ", " + walk + ": the workload fails without faults: "
                + (dryRun.error != null ? FaultTestSupport.stackTrace(dryRun.error) : "")
                + (dryRun.untyped != null ? FaultTestSupport.stackTrace(dryRun.untyped) : ""));
        List<String> trace = dry.trace();
        long points = dry.pointCount();
        verifyRecovered(w, dryRun, dry.crash(CrashMode.PROCESS, 0), walk, CrashMode.PROCESS,
                "seed " + SEED + ", " + walk + ", no crash");

        List<CrashCase> modes = FaultTestSupport.crashCases();
        Long onePoint = Long.getLong("braid.crash.point");
        if (onePoint != null) {
            System.out.printf("CrashPointTest: replaying seed %d, %s, point %d of %d: %s%n", SEED, walk,
                    onePoint, points, trace.get((int) (onePoint - 1)));
            List<String> failures = crashAt(w, trace, walk, onePoint, modes, true);
            assertTrue(failures.isEmpty(), String.join("\n\n", failures));
            return;
        }

        FaultTestSupport.walkPoints("CrashPointTest: seed " + SEED + ", " + walk + ", crash cases " + modes, points,
                BUDGET_NANOS, p -> crashAt(w, trace, walk, p, modes, false), p -> context(walk, p, trace, null));
    }

    /** Crashes a run at {@code point} and checks recovery in each crash case; returns what went wrong. */
    private static List<String> crashAt(Workload w, List<String> trace, Walk walk, long point,
            List<CrashCase> modes, boolean rethrow) {
        List<String> failures = new ArrayList<>();
        FaultyFileSystem fs = new FaultyFileSystem();
        fs.crashAtPoint(point);
        Progress pr = run(w, fs, walk.durability(), walk.buffer());
        String ctx = context(walk, point, trace, null);
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
            long crashSeed = cc.seed(SEED, point);
            String mctx = context(walk, point, trace, cc) + ", crashed during " + pr.step;
            try {
                verifyRecovered(w, pr, fs.crash(cc.mode(), crashSeed), walk, cc.mode(), mctx);
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

    private static String context(Walk walk, long point, List<String> trace, CrashCase cc) {
        return "seed " + SEED + ", " + walk + ", point " + point + " [" + trace.get((int) point - 1) + "]"
                + (cc == null ? "" : ", " + cc)
                + " (replay: -Dtest=CrashPointTest -Dbraid.seed=" + SEED + " -Dbraid.crash.point=" + point
                + " -Dbraid.crash.durability=" + walk.durability() + " -Dbraid.crash.buffer=" + walk.buffer()
                + (cc == null ? "" : " " + cc.replay()) + ")";
    }

    /**
     * Reopens after a crash and checks: the commit it is at is allowed, its contents equal the
     * model at that commit, check() is clean, and the store takes a new commit (its write is blind
     * after odd commits).
     */
    private static void verifyRecovered(Workload w, Progress pr, FaultyFileSystem fs, Walk walk, CrashMode mode,
            String ctx) {
        int lowest = mode == CrashMode.PROCESS || walk.durability() == Durability.FULL ? pr.returned
                : pr.lastCheckpointed;
        int j;
        try (Braid store = Braid.open(DIR, walk.options(fs))) {
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
            if (j % 2 == 1) {
                store.blindPut(PROBE_KEY, FaultTestSupport.ascii("probe"));
            } else {
                store.put(PROBE_KEY, FaultTestSupport.ascii("probe"));
            }
            store.commit(seqMeta(j + 1000));
        }
        try (Braid store = Braid.open(DIR, walk.options(fs))) {
            assertArrayEquals(FaultTestSupport.ascii("probe"), store.get(PROBE_KEY),
                    ctx + ": a commit after recovery did not survive close and reopen");
            assertEquals(j + 1000, committedSeq(store), ctx + ": metadata of the commit after recovery");
            assertEquals(w.atCommit.get(j).size() + (w.atCommit.get(j).containsKey(PROBE_KEY) ? 0 : 1),
                    store.count(), ctx + ": count after the commit after recovery");
        }
    }

    // ------------------------------------------------------------------ I/O errors and a full disk

    @ParameterizedTest(name = "{0} write buffer")
    @EnumSource(Buffer.class)
    void injectedWriteAndSyncErrorsFailTheStoreUntilReopened(Buffer buffer) {
        Workload w = new Workload(SEED);
        FaultyFileSystem dry = new FaultyFileSystem();
        Progress dryRun = run(w, dry, Durability.FULL, buffer);
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
        System.out.printf("CrashPointTest: seed %d, %s write buffer, I/O errors injected at points %s%n", SEED, buffer,
                points);
        for (long p : points) {
            String ctx = "seed " + SEED + ", FULL, " + buffer + " write buffer, I/O error at point " + p + " ["
                    + trace.get((int) p - 1) + "]";
            FaultyFileSystem fs = new FaultyFileSystem();
            IOException injected = new IOException("injected I/O error at point " + p);
            fs.failAtPoint(p, injected);
            Progress pr = run(w, fs, Durability.FULL, buffer);
            assertFailedThenRecovers(w, pr, fs, buffer, ctx, e -> assertTrue(hasCause(e, c -> c == injected),
                    ctx + ": the store's exception does not carry the I/O error: " + FaultTestSupport.stackTrace(e)));
        }
    }

    @ParameterizedTest(name = "{0} write buffer")
    @EnumSource(Buffer.class)
    void fullDiskFailsTheStoreWithATypedErrorAndKeepsTheLastCommit(Buffer buffer) {
        Workload w = new Workload(SEED);
        FaultyFileSystem dry = new FaultyFileSystem();
        Progress dryRun = run(w, dry, Durability.FULL, buffer);
        assertTrue(dryRun.completed, "seed " + SEED + ": the workload fails without faults");
        long peak = dry.peakBytes();
        for (double fraction : new double[] {0.2, 0.35, 0.5, 0.65, 0.8, 0.95}) {
            long limit = (long) (peak * fraction);
            String ctx = "seed " + SEED + ", FULL, " + buffer + " write buffer, disk limit " + limit + " bytes ("
                    + fraction + " of the peak " + peak + ")";
            FaultyFileSystem fs = new FaultyFileSystem();
            fs.diskLimitBytes(limit);
            Progress pr = run(w, fs, Durability.FULL, buffer);
            assertTrue(!pr.completed, ctx + ": the workload never ran out of disk");
            assertFailedThenRecovers(w, pr, fs, buffer, ctx, e -> assertTrue(
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
    private static void assertFailedThenRecovers(Workload w, Progress pr, FaultyFileSystem fs, Buffer buffer,
            String ctx, Consumer<BraidException> firstError) {
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
                    Map.entry("blindPut", () -> failed.blindPut(k, k)),
                    Map.entry("blindDelete", () -> failed.blindDelete(k)),
                    Map.entry("write (blind)", () -> failed.write(new WriteBatch().blindPut(k, k).unlogged())),
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
        try (Braid store = Braid.open(DIR, options(fs, Durability.FULL, buffer))) {
            int j = committedSeq(store);
            assertTrue(j == pr.returned || j == pr.maxAllowed(), sctx + ": reopened at commit " + j + ", expected "
                    + pr.returned + (pr.commitInProgress ? " or " + pr.maxAllowed() : ""));
            FaultTestSupport.assertContents(store, w.atCommit.get(j), w.touched, sctx + ", at commit " + j);
            assertTrue(store.check().isEmpty(), sctx + ": check() found " + store.check());
            store.put(PROBE_KEY, PROBE_KEY);
            store.commit(seqMeta(j + 1000));
        }
        try (Braid store = Braid.open(DIR, options(fs, Durability.FULL, buffer))) {
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
