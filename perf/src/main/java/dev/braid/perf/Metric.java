package dev.braid.perf;

/**
 * One row of the result table: what was measured, in which unit, and which way is better. Rows
 * whose unit is per operation of CPU or I/O come from {@link ProcessCounters} and cover every
 * thread of the JVM, the engines' background threads included.
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
    SCAN_READ("  read, full scan", "bytes/entry", false);

    final String label;
    final String unit;
    final boolean higherIsBetter;

    Metric(String label, String unit, boolean higherIsBetter) {
        this.label = label;
        this.unit = unit;
        this.higherIsBetter = higherIsBetter;
    }
}
