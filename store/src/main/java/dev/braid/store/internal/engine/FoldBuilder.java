package dev.braid.store.internal.engine;

import dev.braid.store.Entry;
import dev.braid.store.internal.btree.ScanBatch;
import dev.braid.store.internal.btree.TreeBuilder;
import dev.braid.store.internal.mergetree.MergingCursor;
import dev.braid.store.internal.mergetree.Segment;
import dev.braid.store.internal.mergetree.SortedSource;
import dev.braid.store.internal.page.Run;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.function.BooleanSupplier;

/**
 * The tree-building part of a fold ({@link MergeJob}): the k-way merge of the input segments and the
 * frozen tree's entries, deletes dropped, into a {@link TreeBuilder} whose pages go where the
 * placement says; on one thread, or in key ranges on parallel threads whose leaves are then joined
 * under one set of internal levels. Throws {@link JobAbandoned} when the job stops (or, for a
 * relocation, when a write arrives: {@link #takenRuns} are then freed). One fold per instance.
 */
final class FoldBuilder {
    private final SegmentSet segs;
    private final MergeJob.Host host;
    private final BooleanSupplier stopping;
    private final String threadName;
    private final int runHint;

    /**
     * @param runHint pages asked for at a time: about the tree to build (so that a small fold does
     *                not take a whole default run past the end of the file, whose unused tail could
     *                not be given back once something else is placed after it)
     */
    FoldBuilder(SegmentSet segs, MergeJob.Host host, BooleanSupplier stopping, String threadName, int runHint) {
        this.runHint = runHint;
        this.segs = segs;
        this.host = host;
        this.stopping = stopping;
        this.threadName = threadName;
    }

    /** Folds with at least this many entries in all are built in key ranges on parallel threads. */
    static int parallelMinEntries = 500_000;
    private volatile boolean abortParts;
    private final List<JobSink> sinks = new ArrayList<>(); // under itself

    private JobSink sink(Placement placement) {
        JobSink s = segs.sink(placement);
        synchronized (sinks) {
            sinks.add(s);
        }
        return s;
    }

    /** Every run the build took so far: what to free when it is given up (then no part runs). */
    List<Run> takenRuns() {
        List<Run> runs = new ArrayList<>();
        synchronized (sinks) {
            for (JobSink s : sinks) {
                runs.addAll(s.taken());
            }
        }
        return runs;
    }


    /**
     * Range bounds for a parallel fold: keys cutting the largest input segment into one range per
     * core (at most four); none for a small fold or on one core.
     */
    static byte[][] splitBounds(List<Segment> inputs, long treeEntries) throws IOException {
        int parts = Math.min(4, Runtime.getRuntime().availableProcessors());
        long total = treeEntries;
        Segment largest = null;
        for (Segment s : inputs) {
            total += s.info().entries();
            if (largest == null || s.info().entries() > largest.info().entries()) {
                largest = s;
            }
        }
        if (parts < 2 || largest == null || total < parallelMinEntries) {
            return new byte[0][];
        }
        return largest.splitKeys(parts);
    }

    /** Builds the tree of every input and the tree's entries, whole or in the ranges {@code bounds} cuts. */
    TreeBuilder.Result build(List<Segment> inputs, byte[][] bounds, Placement placement)
            throws IOException {
        return bounds.length == 0 ? buildWhole(inputs, placement) : buildInParts(inputs, bounds, placement);
    }

    private TreeBuilder.Result buildWhole(List<Segment> inputs, Placement placement) throws IOException {
        TreeBuilder b = new TreeBuilder(sink(placement), runHint);
        buildRange(inputs, null, null, b);
        return b.finish();
    }

    /**
     * Builds the leaves of each key range {@code [bounds[i-1], bounds[i])} on a thread of its own (the
     * first on this one), then the internal levels over all of them. Every range reads every input
     * from its lower bound; the ranges' pages are separate reserved runs.
     */
    private TreeBuilder.Result buildInParts(List<Segment> inputs, byte[][] bounds, Placement placement)
            throws IOException {
        int n = bounds.length + 1;
        TreeBuilder.Part[] parts = new TreeBuilder.Part[n];
        abortParts = false;
        Throwable[] errors = ParallelParts.run(n, threadName + "-part", p -> {
            try {
                TreeBuilder lb = TreeBuilder.leavesOnly(sink(placement), Math.max(16, runHint / n));
                buildRange(inputs, p == 0 ? null : bounds[p - 1], p == n - 1 ? null : bounds[p], lb);
                parts[p] = lb.finishLeaves();
            } catch (Throwable t) {
                abortParts = true;
                throw t;
            }
        }, () -> abortParts = true);
        Throwable first = null;
        for (Throwable t : errors) {
            if (t != null && (first == null || first instanceof JobAbandoned)) {
                first = t; // a real failure outranks the abandons it caused
            }
        }
        ParallelParts.rethrow(first);
        return new TreeBuilder(sink(placement), 16).finishFrom(List.of(parts));
    }

    /** Merges every input over {@code [lo, hi)} (null: unbounded) into {@code b}, dropping deletes. */
    private void buildRange(List<Segment> inputs, byte[] lo, byte[] hi, TreeBuilder b) throws IOException {
        List<SortedSource> sources = new ArrayList<>();
        for (Segment s : inputs) {
            var c = s.cursor(false);
            c.seekForward(lo, true);
            sources.add(SortedSource.of(c, false));
        }
        sources.add(new TreeSource(lo));
        MergingCursor m = new MergingCursor(sources, false);
        SortedSource.RefSink add = new SortedSource.RefSink() { // a value on its own page: taken over
            @Override
            public void add(byte[] kb, int ko, int kl, byte[] vb, int vo, int vl) throws IOException {
                b.add(kb, ko, kl, vb, vo, vl);
            }

            @Override
            public void addRef(byte[] key, int page, int crc, int length) throws IOException {
                b.addRef(key, 0, key.length, page, crc, length);
            }
        };
        for (; m.valid(); m.next()) {
            if (stopping.getAsBoolean() || abortParts) {
                throw new JobAbandoned();
            }
            byte[] key = m.key();
            if (hi != null && java.util.Arrays.compareUnsigned(key, hi) >= 0) {
                break;
            }
            if (!m.isTombstone()) {
                m.entryTo(key, add); // from the segment block into the leaf: no copy of the value or its page
            }
        }
    }

    /** The tree's entries, read a batch at a time under the read lock (the tree is frozen). */
    private final class TreeSource implements SortedSource {
        private Iterator<Entry> it;
        private ScanBatch batch;
        private Entry cur;

        private final byte[] from;

        /** From {@code from} (inclusive; null: the first entry). */
        TreeSource(byte[] from) throws IOException {
            this.from = from;
            load(null);
        }

        private void load(byte[] after) throws IOException {
            batch = host.treeBatch(from, after);
            it = batch.entries().iterator();
            advance();
        }

        private void advance() throws IOException {
            while (!it.hasNext()) {
                if (batch.endReached()) {
                    cur = null;
                    return;
                }
                load(batch.resumeKey());
                return;
            }
            cur = it.next();
        }

        @Override
        public boolean valid() {
            return cur != null;
        }

        @Override
        public byte[] key() {
            return cur.key();
        }

        @Override
        public byte[] value() {
            return cur.value();
        }

        @Override
        public void next() throws IOException {
            advance();
        }
    }
}
