package dev.braid.store;

import static dev.braid.store.FaultTestSupport.committedSeq;
import static dev.braid.store.FaultTestSupport.seqMeta;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.braid.store.internal.io.FaultyFileSystem;
import dev.braid.store.internal.io.FaultyFileSystem.CrashMode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.NavigableMap;
import java.util.Random;
import java.util.TreeSet;
import java.util.function.ObjIntConsumer;

/**
 * A seeded workload that drives the merge-tree through its jobs, for the crash tests of merges
 * ({@link MergeCrashPointTest}, {@link MergeCrashBackgroundTest}): restores of blind writes that
 * flush dozens of segments, trickles of one small unlogged batch per commit that pile up more than
 * 16 segments over a non-empty tree, tree writes and deletes of keys the segments hold (W1, S2),
 * forced folds ({@link Braid#finishMerges()}) inside and between transactions, a store emptied and
 * refilled. It also runs a workload, and checks a store reopened after a crash against it.
 *
 * <p>Commit i carries metadata {"seq": i}; {@link #atCommit} holds the model at each commit
 * (index 0: the new store).
 */
final class MergeWorkload {
    static final Path DIR = Path.of("/merge-crash/store");
    private static final byte[] PROBE_KEY = FaultTestSupport.ascii("zz-probe-after-recovery");

    /** One step; a {@link FinishMerges} says whether writes since the last commit are pending. */
    sealed interface Step permits Put, Delete, Batch, Commit, Checkpoint, FinishMerges, Close {
    }

    record Put(byte[] key, byte[] value, boolean blind) implements Step {
    }

    record Delete(byte[] key, boolean blind) implements Step {
    }

    record Batch(List<WriteBatch.Op> ops, boolean unlogged) implements Step {
    }

    record Commit(int seq) implements Step {
    }

    record Checkpoint() implements Step {
    }

    record FinishMerges(boolean midTransaction) implements Step {
    }

    record Close() implements Step {
    }

    final List<Step> steps = new ArrayList<>();
    final List<NavigableMap<byte[], byte[]>> atCommit = new ArrayList<>();
    final Collection<byte[]> touched = new TreeSet<>(Arrays::compareUnsigned);
    /** Steps after which the store is empty, with no segment and an empty tree. */
    final List<Integer> emptyAfterStep = new ArrayList<>();
    /** The background workload's first step after its restore into the empty tree. */
    int restoreEnd;
    private final NavigableMap<byte[], byte[]> model = FaultTestSupport.newModel();
    private final Random rnd;
    /** Keys written blind in the last few commits: segments (or the buffer) probably hold them. */
    private final List<byte[]> recentBlind = new ArrayList<>();
    private int nextKey;
    private boolean writesPending;

    private MergeWorkload(long seed) {
        this.rnd = new Random(seed);
        atCommit.add(FaultTestSupport.copy(model));
    }

    /**
     * The inline walk's workload, in phases: a restore folded into the new store's empty tree; a
     * trickle that piles up segments (the oldest and smallest first, so the first merge takes the
     * oldest 8, with tombstones of tree keys that must stay) until merges of 8 and then a fold into
     * the tree; forced folds inside and after a transaction; the store emptied and a forced fold that
     * leaves the tree empty; a trickle refill folded into the empty tree; a second restore and
     * trickle over a smaller tree; writes after the last commit (a forced fold among them).
     */
    static MergeWorkload inline(long seed) {
        MergeWorkload w = new MergeWorkload(seed);
        Random rnd = w.rnd;
        w.load(600, 12);
        w.commit();
        for (int i = 0; i < 44; i++) {
            w.treeWrites(rnd.nextInt(3));
            if (i == 30) {
                w.steps.add(new Checkpoint()); // inside the open transaction
            }
            w.blindBatch(i < 17 ? 1 + i / 4 : 1 + rnd.nextInt(6), true, i < 8 ? 60 : 25, i < 17);
            if (i % 3 == 0) {
                w.shadowedTreeWrites(1 + rnd.nextInt(2));
            }
            w.commit();
            if (i == 12) {
                w.steps.add(new Checkpoint());
            }
        }
        // A fold forced mid-transaction: over tree writes, a segment flushed in this transaction and
        // a buffer that stays above the new tree.
        w.treeWrites(3);
        w.blindBatch(20, false, 20, false);
        w.shadowedTreeWrites(2);
        w.finishMerges();
        w.treeWrites(3);
        w.blindBatch(3, true, 20, false);
        w.shadowedTreeWrites(1);
        w.commit();
        // A fold forced after a commit: durable only with the next one.
        w.blindBatch(5, true, 20, false);
        w.commit();
        w.finishMerges();
        w.treeWrites(2);
        w.commit();
        w.emptyAll();
        w.commit();
        w.finishMerges(); // drops every tombstone: the tree is empty
        w.emptyAfterStep.add(w.steps.size() - 1);
        w.steps.add(new Checkpoint());
        for (int i = 0; i < 7; i++) { // the fourth segment is folded into the empty tree
            w.blindBatch(3 + rnd.nextInt(4), true, i == 0 ? 0 : 25, false);
            w.commit();
        }
        w.load(300, 8);
        w.commit();
        for (int i = 0; i < 34; i++) {
            w.treeWrites(rnd.nextInt(3));
            w.blindBatch(1 + rnd.nextInt(3), true, 25, i < 17);
            if (i % 2 == 0) {
                w.shadowedTreeWrites(1 + rnd.nextInt(2));
            }
            if (i == 20) {
                w.steps.add(new Checkpoint());
            }
            w.commit();
        }
        w.finishMerges();
        w.commit();
        w.tail();
        return w;
    }

    /**
     * The background test's workload: a restore of blind writes into the new store, committed
     * every ~90 writes after small commits that leave the oldest segments the smallest (segments
     * merged among themselves over an empty tree, tombstones dropped when the oldest are merged: the
     * first such merge cancels out to nothing), a forced fold, then rounds of tree writes, trickles
     * and smaller restores (folds into the tree at the 1:1 ratio, merges of 8), with forced folds
     * and checkpoints.
     */
    static MergeWorkload background(long seed) {
        MergeWorkload w = new MergeWorkload(seed);
        Random rnd = w.rnd;
        w.cancelledSegments(4, 5);
        for (int i = 0; i < 12; i++) { // small commits first: the older the segment, the smaller
            w.load(i < 4 ? 12 : 80, i < 4 ? 4 : 20);
            w.blindBatch(6, true, 60, false);
            w.commit();
        }
        w.restoreEnd = w.steps.size();
        w.finishMerges();
        w.commit();
        for (int round = 0; round < 4; round++) {
            for (int i = 0; i < 12; i++) {
                w.treeWrites(rnd.nextInt(4));
                w.blindBatch(1 + rnd.nextInt(8), rnd.nextBoolean(), 25, false);
                w.shadowedTreeWrites(rnd.nextInt(3));
                if (i == 6 && round % 2 == 0) {
                    w.steps.add(new Checkpoint());
                }
                w.commit();
            }
            w.load(150 + rnd.nextInt(150), 16);
            w.commit();
            if (round % 2 == 1) {
                w.finishMerges();
                w.commit();
            }
        }
        w.tail();
        return w;
    }

    /**
     * The direct-build walk's workload (a write buffer that grows for restores into an empty tree):
     * a restore into the new store, built straight into its empty tree at commit; trickles over it;
     * the store emptied and folded down to an empty tree; a second restore, built into the emptied
     * tree (whose old root is freed); a third restore over the tree (segments, then a fold); writes
     * after the last commit.
     */
    static MergeWorkload restores(long seed) {
        MergeWorkload w = new MergeWorkload(seed);
        Random rnd = w.rnd;
        w.load(260, 12, true);
        w.commit();
        for (int i = 0; i < 5; i++) {
            w.treeWrites(1 + rnd.nextInt(3));
            w.blindBatch(2 + rnd.nextInt(4), true, 25, false);
            w.shadowedTreeWrites(1);
            w.commit();
        }
        w.emptyAll();
        w.commit();
        w.finishMerges();
        w.emptyAfterStep.add(w.steps.size() - 1);
        w.steps.add(new Checkpoint());
        w.load(200, 12, true);
        w.commit();
        w.load(120, 12, true);
        w.commit();
        w.tail();
        return w;
    }

    // ---------------------------------------------------------------- building blocks

    /**
     * A restore: {@code n} blind puts of new keys and a few blind deletes of keys it wrote, alone
     * and in batches of up to {@code maxBatch} (half unlogged), with tree puts of keys just written
     * blind (which go to the buffer or above the segments that hold them).
     */
    private void load(int n, int maxBatch) {
        load(n, maxBatch, false);
    }

    /**
     * The same; {@code changelog}: as a changelog restore writes, every batch unlogged and no tree
     * puts in between.
     */
    private void load(int n, int maxBatch, boolean changelog) {
        List<byte[]> keys = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            keys.add(key(nextKey++));
        }
        Collections.shuffle(keys, rnd);
        for (int i = 0; i < keys.size(); ) {
            int len = Math.min(keys.size() - i, 1 + rnd.nextInt(maxBatch));
            if (len == 1) {
                add(new Put(keys.get(i), value(false), true));
            } else {
                List<WriteBatch.Op> ops = new ArrayList<>();
                for (byte[] k : keys.subList(i, i + len)) {
                    ops.add(new WriteBatch.Op(k, value(false), true));
                }
                if (rnd.nextInt(4) == 0) {
                    ops.add(new WriteBatch.Op(keys.get(rnd.nextInt(i + len)), null, true));
                }
                add(new Batch(ops, changelog || rnd.nextBoolean()));
            }
            i += len;
            if (!changelog && rnd.nextInt(6) == 0) {
                add(new Put(pick(recentBlind), value(false), false));
            }
        }
    }

    /**
     * One batch of {@code n} blind writes: puts of present and new keys, and deletes (about
     * {@code deletePercent}) of present keys, tree keys included. {@code small}: values of at most
     * 8 bytes, so that segment sizes follow the batch sizes.
     */
    private void blindBatch(int n, boolean unlogged, int deletePercent, boolean small) {
        List<WriteBatch.Op> ops = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            if (rnd.nextInt(100) < deletePercent && !model.isEmpty()) {
                ops.add(new WriteBatch.Op(presentKey(), null, true));
            } else {
                byte[] k = rnd.nextInt(3) == 0 || model.isEmpty() ? key(nextKey++) : presentKey();
                ops.add(new WriteBatch.Op(k, small ? bytes(rnd.nextInt(9)) : value(true), true));
            }
        }
        add(new Batch(ops, unlogged));
    }

    /**
     * {@code 2 * n} commits, each of one unlogged batch (one small segment): blind puts of {@code
     * width} new keys, then blind deletes of the same keys. Merged together over an empty tree, as
     * the oldest, these segments leave nothing.
     */
    private void cancelledSegments(int n, int width) {
        List<List<byte[]>> groups = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            List<byte[]> keys = new ArrayList<>();
            List<WriteBatch.Op> ops = new ArrayList<>();
            for (int j = 0; j < width; j++) {
                keys.add(key(nextKey++));
                ops.add(new WriteBatch.Op(keys.get(j), bytes(rnd.nextInt(9)), true));
            }
            groups.add(keys);
            add(new Batch(ops, true));
            commit();
        }
        for (List<byte[]> keys : groups) {
            List<WriteBatch.Op> ops = new ArrayList<>();
            for (byte[] k : keys) {
                ops.add(new WriteBatch.Op(k, null, true));
            }
            add(new Batch(ops, true));
            commit();
        }
    }

    /** Tree puts and deletes of random keys, present or not, alone and in a logged batch. */
    private void treeWrites(int n) {
        for (int i = 0; i < n; i++) {
            byte[] k = rnd.nextBoolean() && !model.isEmpty() ? presentKey() : key(rnd.nextInt(nextKey + 1));
            if (rnd.nextInt(4) == 0) {
                add(new Delete(k, false));
            } else if (rnd.nextInt(3) == 0) {
                add(new Batch(List.of(new WriteBatch.Op(k, value(true), false),
                        new WriteBatch.Op(key(rnd.nextInt(nextKey + 1)), null, false)), false));
            } else {
                add(new Put(k, value(true), false));
            }
        }
    }

    /** Tree puts and deletes of keys written blind lately: they must not be shadowed (W1, S2). */
    private void shadowedTreeWrites(int n) {
        for (int i = 0; i < n && !recentBlind.isEmpty(); i++) {
            byte[] k = pick(recentBlind);
            add(rnd.nextInt(3) == 0 ? new Delete(k, false) : new Put(k, value(true), false));
        }
    }

    /** Deletes every key, by tree and blind deletes, alone and in batches (some unlogged). */
    private void emptyAll() {
        List<byte[]> keys = new ArrayList<>(model.keySet());
        Collections.shuffle(keys, rnd);
        for (int i = 0; i < keys.size(); ) {
            int len = Math.min(keys.size() - i, 1 + rnd.nextInt(10));
            if (len == 1) {
                add(new Delete(keys.get(i), rnd.nextBoolean()));
            } else {
                List<WriteBatch.Op> ops = new ArrayList<>();
                for (byte[] k : keys.subList(i, i + len)) {
                    ops.add(new WriteBatch.Op(k, null, rnd.nextBoolean()));
                }
                add(new Batch(ops, rnd.nextInt(3) == 0));
            }
            i += len;
        }
        if (!model.isEmpty()) {
            throw new IllegalStateException("emptying left " + model.size() + " keys");
        }
    }

    /** Writes after the last commit, which close discards; a forced fold runs among them. */
    private void tail() {
        NavigableMap<byte[], byte[]> committed = FaultTestSupport.copy(model);
        treeWrites(4);
        blindBatch(30, false, 20, false); // flushes a segment or two for the fold
        shadowedTreeWrites(2);
        finishMerges();
        blindBatch(20, true, 20, false);
        treeWrites(4);
        steps.add(new Close());
        model.clear();
        model.putAll(committed);
    }

    private void finishMerges() {
        steps.add(new FinishMerges(writesPending));
    }

    private void commit() {
        int seq = atCommit.size();
        steps.add(new Commit(seq));
        atCommit.add(FaultTestSupport.copy(model));
        writesPending = false;
        if (recentBlind.size() > 40) {
            recentBlind.subList(0, recentBlind.size() - 40).clear();
        }
    }

    private void add(Step s) {
        steps.add(s);
        writesPending = true;
        if (s instanceof Put p) {
            apply(p.key, p.value, p.blind);
        } else if (s instanceof Delete d) {
            apply(d.key, null, d.blind);
        } else if (s instanceof Batch b) {
            for (WriteBatch.Op op : b.ops) {
                apply(op.key(), op.value(), op.blind());
            }
        }
    }

    private void apply(byte[] key, byte[] value, boolean blind) {
        if (value == null) {
            model.remove(key);
        } else {
            model.put(key, value);
        }
        touched.add(key);
        if (blind) {
            recentBlind.add(key);
        }
    }

    private byte[] presentKey() {
        byte[] k = model.ceilingKey(key(rnd.nextInt(nextKey + 1)));
        return k != null ? k : model.firstKey();
    }

    private byte[] pick(List<byte[]> keys) {
        return keys.isEmpty() ? key(rnd.nextInt(nextKey + 1)) : keys.get(rnd.nextInt(keys.size()));
    }

    static byte[] key(int i) {
        String k = String.format("k%05d", i);
        return FaultTestSupport.ascii(i % 11 == 0 ? k + "-" + "y".repeat(i % 50) : k);
    }

    /** Mostly short; sometimes larger than a cell (an overflow blob in the tree), when allowed. */
    private byte[] value(boolean large) {
        int dice = rnd.nextInt(100);
        return bytes(large && dice < 3 ? 300 + rnd.nextInt(900) : dice < 5 ? 0 : rnd.nextInt(40));
    }

    private byte[] bytes(int len) {
        byte[] v = new byte[len];
        rnd.nextBytes(v);
        return v;
    }

    // ---------------------------------------------------------------- running it

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

        int maxAllowed() {
            return returned + (commitInProgress ? 1 : 0);
        }
    }

    /**
     * Runs the workload on a store opened with {@code opts} until it ends or the store throws;
     * {@code afterStep} sees the store after each step but the close, with the step's index.
     */
    Progress run(BraidOptions opts, ObjIntConsumer<Braid> afterStep) {
        Progress pr = new Progress();
        try {
            pr.store = Braid.open(DIR, opts);
            for (int i = 0; i < steps.size(); i++) {
                Step s = steps.get(i);
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
                    pr.store.write(batch(b));
                } else if (s instanceof Commit c) {
                    pr.commitInProgress = true;
                    pr.store.commit(seqMeta(c.seq));
                    pr.commitInProgress = false;
                    pr.returned = c.seq;
                } else if (s instanceof Checkpoint) {
                    pr.store.checkpoint();
                    pr.lastCheckpointed = pr.returned;
                } else if (s instanceof FinishMerges) {
                    pr.store.finishMerges();
                } else {
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

    private static WriteBatch batch(Batch b) {
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
        return b.unlogged ? batch.unlogged() : batch;
    }

    static String describe(Step s) {
        if (s instanceof Put p) {
            return (p.blind ? "blindPut " : "put ") + FaultTestSupport.show(p.key);
        } else if (s instanceof Delete d) {
            return (d.blind ? "blindDelete " : "delete ") + FaultTestSupport.show(d.key);
        } else if (s instanceof Batch b) {
            long blind = b.ops.stream().filter(WriteBatch.Op::blind).count();
            return "batch of " + b.ops.size() + " (" + blind + " blind" + (b.unlogged ? ", unlogged)" : ")");
        } else if (s instanceof Commit c) {
            return "commit " + c.seq;
        } else if (s instanceof FinishMerges f) {
            return "finishMerges" + (f.midTransaction ? " (mid-transaction)" : "");
        }
        return s.getClass().getSimpleName();
    }

    // ---------------------------------------------------------------- checking a recovered store

    /**
     * Reopens after a crash and checks: the store is at an allowed commit (at least the last one
     * that returned: FULL durability or a process crash; else the last checkpointed one), its
     * contents are the model's at exactly that commit (every touched key, forward and reverse scans,
     * count), check() is clean; then it keeps working: blind and tree writes, a forced fold, a commit,
     * a close, and after a reopen the contents and check() again.
     * Returns the commit it reopened at.
     */
    int verifyRecovered(Progress pr, FaultyFileSystem fs, BraidOptions opts, CrashMode mode, String ctx) {
        int lowest = mode == CrashMode.PROCESS || opts.durability() == Durability.FULL ? pr.returned
                : pr.lastCheckpointed;
        int j;
        NavigableMap<byte[], byte[]> after;
        try (Braid store = Braid.open(DIR, opts)) {
            j = committedSeq(store);
            if (j < lowest || j > pr.maxAllowed()) {
                fail(ctx + ": reopened at commit " + j + ", allowed " + lowest + ".." + pr.maxAllowed() + " ("
                        + pr.returned + " returned" + (pr.commitInProgress ? ", one in progress" : "")
                        + ", last checkpoint at " + pr.lastCheckpointed + ")");
            }
            String at = ctx + ", reopened at commit " + j;
            assertEquals(j, store.lastCommitSequence(), at + ": lastCommitSequence()");
            NavigableMap<byte[], byte[]> want = atCommit.get(j);
            FaultTestSupport.assertContents(store, want, touched, at);
            List<IntegrityFinding> findings = store.check();
            assertTrue(findings.isEmpty(), at + ": check() found " + findings);

            after = FaultTestSupport.copy(want);
            after.put(PROBE_KEY, FaultTestSupport.ascii("probe"));
            store.blindPut(PROBE_KEY, FaultTestSupport.ascii("probe"));
            if (!want.isEmpty()) {
                byte[] first = want.firstKey();
                byte[] last = want.lastKey();
                store.put(first, FaultTestSupport.ascii("after"));  // maybe a key a segment holds (W1)
                store.blindDelete(last);
                after.put(first, FaultTestSupport.ascii("after"));
                after.remove(last);
            }
            store.finishMerges(); // folds what recovery brought back; the writes above stay in the buffer
            store.commit(seqMeta(j + 1000));
        }
        try (Braid store = Braid.open(DIR, opts)) {
            String at = ctx + ", reopened at commit " + j + " and again after writes, a fold and a commit";
            assertEquals(j + 1000, committedSeq(store), at + ": metadata");
            FaultTestSupport.assertContents(store, after, touched, at);
            List<IntegrityFinding> findings = store.check();
            assertTrue(findings.isEmpty(), at + ": check() found " + findings);
        }
        return j;
    }
}
