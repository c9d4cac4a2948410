package dev.braid.perf;

/** One row of the result table: what was measured, in which unit, and which way is better. */
enum Metric {
    PUT("random put + commits", "ops/s", true),
    CLOSE_AFTER_LOAD("close after load", "ms", false),
    PUT_WITH_CLOSE("random put + commits + close", "ops/s", true),
    REOPEN("reopen after load", "ms", false),
    GET_EXISTING("random get (existing keys)", "ops/s", true),
    GET_MISSING("random get (missing keys)", "ops/s", true),
    SCAN("full scan (forward)", "entries/s", true),
    DISK_TOTAL("size on disk after load + close", "MiB", false),
    DISK_PER_ENTRY("size on disk per entry", "bytes/entry", false),
    RAW_PER_ENTRY("raw key + value per entry", "bytes/entry", false);

    final String label;
    final String unit;
    final boolean higherIsBetter;

    Metric(String label, String unit, boolean higherIsBetter) {
        this.label = label;
        this.unit = unit;
        this.higherIsBetter = higherIsBetter;
    }
}
