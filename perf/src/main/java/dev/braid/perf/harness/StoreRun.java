package dev.braid.perf.harness;

import dev.braid.perf.Quiesce;
import dev.braid.store.BraidStats;
import java.io.PrintStream;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.DoubleSupplier;

/**
 * One kind's part of a round: every workload, in this order, each step timed on its own with the
 * previous step's garbage collected (untimed) before it.
 *
 * <ol>
 *   <li>Default settings, one store: restore; random gets, hits then misses; range scans; full
 *       scan; random puts; random gets after them; the 50/50 and 95/5 mixes, then both again with a
 *       commit every 100 ms; a final commit and merges; memory held; space reclaimed
 *       ({@link OpenStore#reclaimSpace}); close; disk.
 *   <li>Same budget (Braid and RocksDB), a new store: restore; random gets, hits and misses; memory
 *       held against the budget; space reclaimed; close; disk (the restored data alone, everything
 *       flushed).
 *   <li>Data ten times the budget, a new store: restore; random gets (hits); memory held.
 * </ol>
 *
 * "Memory held" is the heap in use after a full collection with the store open, minus the same
 * before it was opened, plus the native memory RocksDB reports ({@link OpenStore#nativeBytes()}).
 */
final class StoreRun {
    private static final double MIB = 1 << 20;
    /** A tenth of the raw data, but never below this (tiny data sets in the smoke test). */
    static final long MIN_TENTH_BUDGET = 1L << 20;

    private final StoreKind kind;
    private final Dataset d;
    private final HarnessConfig c;
    private final Profiler profiler;
    private final PrintStream log;
    private final int ops;
    private final Map<Row, Double> out = new EnumMap<>(Row.class);
    private final Map<Row, Double> cpu = new EnumMap<>(Row.class);

    /** One kind's figures of one round: each row's value, and for throughput rows the CPU per operation. */
    record Figures(Map<Row, Double> values, Map<Row, Double> cpuMicrosPerOp) {
    }

    private StoreRun(StoreKind kind, Dataset d, HarnessConfig c, Profiler profiler, PrintStream log) {
        this.kind = kind;
        this.d = d;
        this.c = c;
        this.profiler = profiler;
        this.log = log;
        this.ops = c.opsFor(new HarnessConfig.Size(d.records(), d.valueBytes()));
    }

    static long tenthBudget(Dataset d) {
        return Math.max(MIN_TENTH_BUDGET, d.rawBytes() / 10);
    }

    static Figures run(StoreKind kind, Dataset d, HarnessConfig c, long seed, Profiler profiler, PrintStream log) {
        StoreRun r = new StoreRun(kind, d, c, profiler, log);
        r.defaults(new SplittableRandom(seed));
        if (kind.hasBudget()) {
            r.budget(c.budgetBytes(), new SplittableRandom(seed + 1), Row.BUDGET_RESTORE, Row.BUDGET_GET_HIT,
                    Row.BUDGET_GET_MISS, Row.BUDGET_HELD, Row.DISK_RESTORED, Row.DISK_RESTORED_RAW);
            r.budget(tenthBudget(d), new SplittableRandom(seed + 2), Row.TENTH_RESTORE, Row.TENTH_GET_HIT, null,
                    Row.TENTH_HELD, null, null);
        }
        return new Figures(r.out, r.cpu);
    }

    private void defaults(SplittableRandom rnd) {
        long commit = c.commitMs() * 1_000_000L;
        long eosCommit = c.eosCommitMs() * 1_000_000L;
        long baseHeap = MemoryProbe.heapAfterGc();
        try (OpenStore s = OpenStore.open(kind, 0, c.tmp(), c.braidConfigs())) {
            Restore.Times r = restore(s, "restore");
            out.put(Row.RESTORE_COMMIT, d.records() / Gets.seconds(r.untilCommitNanos()));
            out.put(Row.RESTORE_MERGED, d.records() / Gets.seconds(r.mergedNanos()));
            cpu.put(Row.RESTORE_COMMIT, CpuClock.microsPerOp(0, r.untilCommitCpuNanos(), d.records()));
            cpu.put(Row.RESTORE_MERGED, CpuClock.microsPerOp(0, r.mergedCpuNanos(), d.records()));
            step(Row.GET_HIT, () -> Gets.run(s, d, ops, rnd.split(), true));
            step(Row.GET_MISS, () -> Gets.run(s, d, ops, rnd.split(), false));
            step(Row.RANGE_100, () -> Scans.ranges(s, d, Math.max(1, ops / 20), rnd.split()));
            step(Row.FULL_SCAN, () -> Scans.full(s, d));
            step(Row.PUT, () -> Mix.run(s, d, ops, 0, commit, rnd.split(), 1));
            step(Row.GET_AFTER_UPDATES, () -> Gets.run(s, d, ops, rnd.split(), true));
            step(Row.MIX_50, () -> Mix.run(s, d, ops, 50, commit, rnd.split(), 2));
            step(Row.MIX_95, () -> Mix.run(s, d, ops, 95, commit, rnd.split(), 3));
            long commitsBefore = s.commits();
            step(Row.MIX_50_EOS, () -> Mix.run(s, d, ops, 50, eosCommit, rnd.split(), 4));
            step(Row.MIX_95_EOS, () -> Mix.run(s, d, ops, 95, eosCommit, rnd.split(), 5));
            long eosCommits = s.commits() - commitsBefore;
            s.commit();
            s.finishMerges();
            double held = MemoryProbe.heapAfterGc() - baseHeap + s.nativeBytes();
            out.put(Row.HELD_DEFAULTS, held / (1 << 20));
            if (kind == StoreKind.BRAID) {
                out.put(Row.HELD_DEFAULTS_BUDGET, held / OpenStore.braid(s.store()).stats().memoryBudgetBytes());
            }
            log.printf(Locale.ROOT, "    %-9s defaults: %s; %d commits in the exactly-once mixes; space reclaimed"
                    + " in %.0f ms%n", kind.option, memoryNote(s), eosCommits, s.reclaimSpace());
            long disk = s.closeAndMeasureDisk();
            if (kind.persistent()) {
                out.put(Row.DISK_FINAL, (double) disk / d.records());
            }
        }
    }

    private void budget(long budget, SplittableRandom rnd, Row restore, Row hits, Row misses, Row held, Row disk,
                        Row diskRaw) {
        long baseHeap = MemoryProbe.heapAfterGc();
        try (OpenStore s = OpenStore.open(kind, budget, c.tmp(), c.braidConfigs())) {
            Restore.Times r = restore(s, restore.name().toLowerCase(Locale.ROOT));
            out.put(restore, d.records() / Gets.seconds(r.mergedNanos()));
            cpu.put(restore, CpuClock.microsPerOp(0, r.mergedCpuNanos(), d.records()));
            step(hits, () -> Gets.run(s, d, ops, rnd.split(), true));
            if (misses != null) {
                step(misses, () -> Gets.run(s, d, ops, rnd.split(), false));
            }
            double bytes = MemoryProbe.heapAfterGc() - baseHeap + s.nativeBytes();
            out.put(held, bytes / budget);
            log.printf(Locale.ROOT, "    %-9s budget %s: held %.1f MiB; %s; space reclaimed in %.0f ms%n", kind.option,
                    HarnessConfig.Size.bytes(budget), bytes / (1 << 20), memoryNote(s), s.reclaimSpace());
            long onDisk = s.closeAndMeasureDisk();
            if (disk != null) {
                out.put(disk, (double) onDisk / d.records());
                out.put(diskRaw, (double) onDisk / d.rawBytes());
            }
        }
    }

    private Restore.Times restore(OpenStore s, String stepName) {
        Quiesce.run(); // a new store: the previous one's writeback and deleted files stay out of it
        Restore.Times[] times = new Restore.Times[1];
        profiler.run(kind, sizeTag(), stepName, () -> {
            times[0] = Restore.run(s, d, c.batch());
            return 0;
        });
        return times[0];
    }

    /**
     * Collects the last step's garbage (untimed), then runs and records one timed step: its figure
     * (operations per second) and the process CPU per operation over it.
     */
    private void step(Row row, DoubleSupplier body) {
        MemoryProbe.settle();
        long c0 = CpuClock.processNanos();
        long t0 = System.nanoTime();
        double figure = profiler.run(kind, sizeTag(), row.name().toLowerCase(Locale.ROOT), body);
        long t1 = System.nanoTime();
        out.put(row, figure);
        cpu.put(row, CpuClock.microsPerOp(c0, CpuClock.processNanos(), figure * (t1 - t0) / 1e9));
    }

    private String sizeTag() {
        return d.records() + "x" + d.valueBytes();
    }

    /** The store's own memory figures, for the progress log. */
    private static String memoryNote(OpenStore s) {
        return switch (s.kind) {
            case BRAID -> {
                BraidStats st = OpenStore.braid(s.store()).stats();
                yield String.format(Locale.ROOT, "Braid memory used %.1f of %.1f MiB, %d segments, cache hit ratio"
                        + " %.3f; page file %.1f MiB (%d pages, %d free), log %.1f MiB",
                        st.memoryUsedBytes() / MIB, st.memoryBudgetBytes() / MIB, st.segments(), st.cacheHitRatio(),
                        st.pageFileBytes() / MIB, st.pageCount(), st.freePages(), st.logBytes() / MIB);
            }
            case ROCKSDB -> String.format(Locale.ROOT, "RocksDB block cache %.1f MiB, memtables %.1f MiB,"
                            + " table readers %.1f MiB", s.gauge("block-cache-usage") / (1 << 20),
                    s.gauge("size-all-mem-tables") / (1 << 20), s.gauge("estimate-table-readers-mem") / (1 << 20));
            case IN_MEMORY -> "on the heap";
        };
    }
}
