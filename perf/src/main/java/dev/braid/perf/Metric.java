package dev.braid.perf;

/**
 * One row of the result table: what was measured, in which unit, and which way is better, and the
 * workload it belongs to. Rows whose unit is per operation of CPU or I/O come from
 * {@link ProcessCounters} and cover every thread of the JVM, the engines' background threads
 * included.
 */
enum Metric {
    PUT("random put + commits", "ops/s", true),
    CLOSE_AFTER_LOAD("close after load", "ms", false),
    PUT_WITH_CLOSE("random put + commits + close", "ops/s", true),
    PUT_CPU("  CPU, put + commits + close", "us/op", false),
    PUT_WRITTEN("  written, put + commits + close", "bytes/op", false),
    DISK_TOTAL("size on disk after load + close", "MiB", false),
    DISK_PER_ENTRY("size on disk per entry", "bytes/entry", false),
    RAW_PER_ENTRY("raw key + value per entry", "bytes/entry", false),
    REOPEN("reopen after load", "ms", false),
    GET_EXISTING("random get (existing keys)", "ops/s", true),
    GET_EXISTING_CPU("  CPU, get (existing keys)", "us/op", false),
    GET_EXISTING_READ("  read, get (existing keys)", "bytes/op", false),
    GET_MISSING("random get (missing keys)", "ops/s", true),
    GET_MISSING_CPU("  CPU, get (missing keys)", "us/op", false),
    GET_MISSING_READ("  read, get (missing keys)", "bytes/op", false),
    SCAN("full scan (forward)", "entries/s", true),
    SCAN_CPU("  CPU, full scan", "us/entry", false),
    SCAN_READ("  read, full scan", "bytes/entry", false),

    RESTORE(Workload.RESTORE, "restore end to end", "records/s", true),
    RESTORE_INGEST(Workload.RESTORE, "  ingest only (batches)", "records/s", true),
    RESTORE_FINISH(Workload.RESTORE, "  finish: commit / flush+compact", "ms", false),
    RESTORE_CPU(Workload.RESTORE, "  CPU, restore end to end", "us/record", false),
    RESTORE_WRITTEN(Workload.RESTORE, "  written, restore end to end", "bytes/record", false),
    RESTORE_GC(Workload.RESTORE, "  JVM GC pauses, restore", "ms", false),
    RESTORE_DISK(Workload.RESTORE, "size on disk after restore", "bytes/record", false),
    RESTORE_GET(Workload.RESTORE, "random get after restore", "ops/s", true),
    RESTORE_GET_CPU(Workload.RESTORE, "  CPU, get after restore", "us/op", false),
    RESTORE_GET_READ(Workload.RESTORE, "  read, get after restore", "bytes/op", false);

    final Workload workload;
    final String label;
    final String unit;
    final boolean higherIsBetter;

    Metric(String label, String unit, boolean higherIsBetter) {
        this(Workload.LOAD, label, unit, higherIsBetter);
    }

    Metric(Workload workload, String label, String unit, boolean higherIsBetter) {
        this.workload = workload;
        this.label = label;
        this.unit = unit;
        this.higherIsBetter = higherIsBetter;
    }

    /** The workloads that {@code --workloads} selects; each produces its own rows. */
    enum Workload {
        /** Random puts with commits, close, reopen, gets, missing-key gets, a full scan. */
        LOAD("load"),
        /** A changelog restore into an empty store, then random gets. */
        RESTORE("restore");

        final String option;

        Workload(String option) {
            this.option = option;
        }
    }
}
