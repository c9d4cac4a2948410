package dev.braid.perf.harness;

/**
 * One row of the result table: its label, unit, which direction is better, the memory setting of
 * the store it was measured on, and the goal for it, if any. Throughput rows are operations
 * per second of wall-clock time over the whole step (commits included); their Braid/RocksDB ratio
 * above 1 means Braid is faster.
 */
enum Row {
    RESTORE_COMMIT(Setting.DEFAULTS, "restore, until commit", "records/s", true, Goal.NONE),
    RESTORE_MERGED(Setting.DEFAULTS, "restore, merges included", "records/s", true, Goal.ratioAtLeast(5)),
    GET_HIT(Setting.DEFAULTS, "random get, hits", "ops/s", true, Goal.ratioAtLeast(3)),
    GET_MISS(Setting.DEFAULTS, "random get, misses", "ops/s", true, Goal.NONE),
    RANGE_100(Setting.DEFAULTS, "range scan, 100 entries", "scans/s", true, Goal.ratioAtLeast(2)),
    FULL_SCAN(Setting.DEFAULTS, "full scan", "entries/s", true, Goal.ratioAtLeast(2)),
    PUT(Setting.DEFAULTS, "random put (updates)", "ops/s", true, Goal.ratioAtLeast(2)),
    GET_AFTER_UPDATES(Setting.DEFAULTS, "random get after updates", "ops/s", true, Goal.NONE),
    MIX_50(Setting.DEFAULTS, "mix 50/50 read/update", "ops/s", true, Goal.NONE),
    MIX_95(Setting.DEFAULTS, "mix 95/5 read/update", "ops/s", true, Goal.NONE),
    MIX_50_EOS(Setting.DEFAULTS, "mix 50/50, commit every 100 ms", "ops/s", true, Goal.NONE),
    MIX_95_EOS(Setting.DEFAULTS, "mix 95/5, commit every 100 ms", "ops/s", true, Goal.NONE),
    DISK_FINAL(Setting.DEFAULTS, "disk after updates, merges, close", "bytes/record", false, Goal.NONE),
    HELD_DEFAULTS(Setting.DEFAULTS, "memory held (heap + native)", "MiB", false, Goal.NONE),
    /** Braid only: the row above against Braid's default budget (RocksDB has no single budget here). */
    HELD_DEFAULTS_BUDGET(Setting.DEFAULTS, "  the same / Braid's budget", "x", false, Goal.braidAtMost(1.1)),
    PEAK_RSS(Setting.DEFAULTS, "process peak RSS (--fork)", "MiB", false, Goal.NONE),

    BUDGET_RESTORE(Setting.SAME_BUDGET, "restore, merges included", "records/s", true, Goal.NONE),
    BUDGET_GET_HIT(Setting.SAME_BUDGET, "random get, hits", "ops/s", true, Goal.ratioAtLeast(1.5)),
    BUDGET_GET_MISS(Setting.SAME_BUDGET, "random get, misses", "ops/s", true, Goal.NONE),
    BUDGET_HELD(Setting.SAME_BUDGET, "memory held / budget", "x", false, Goal.braidAtMost(1.1)),
    DISK_RESTORED(Setting.SAME_BUDGET, "disk after restore, merges, close", "bytes/record", false, Goal.NONE),
    DISK_RESTORED_RAW(Setting.SAME_BUDGET, "  the same / raw key+value", "x", false, Goal.braidAtMost(1.3)),

    TENTH_RESTORE(Setting.TENTH_BUDGET, "restore, merges included", "records/s", true, Goal.NONE),
    TENTH_GET_HIT(Setting.TENTH_BUDGET, "random get, hits", "ops/s", true, Goal.ratioAtLeast(1)),
    TENTH_HELD(Setting.TENTH_BUDGET, "memory held / budget", "x", false, Goal.braidAtMost(1.1));

    final Setting setting;
    final String label;
    final String unit;
    final boolean higherIsBetter;
    final Goal goal;

    Row(Setting setting, String label, String unit, boolean higherIsBetter, Goal goal) {
        this.setting = setting;
        this.label = label;
        this.unit = unit;
        this.higherIsBetter = higherIsBetter;
        this.goal = goal;
    }

    /** The label with its setting, as the CSV and the chart name a row. */
    String fullLabel() {
        return setting == Setting.DEFAULTS ? label.trim() : setting.title + ": " + label.trim();
    }

    /** The memory settings the stores of a row ran with. */
    enum Setting {
        /** Each supplier's defaults (Braid: a quarter of the heap, shared; RocksDB: Kafka's 50 MiB cache + memtables). */
        DEFAULTS("default settings"),
        /** Braid and RocksDB given the same budget, {@code --budget-mib}. */
        SAME_BUDGET("same budget"),
        /** Braid and RocksDB given a budget of a tenth of the raw data. */
        TENTH_BUDGET("data 10x budget");

        final String title;

        Setting(String title) {
            this.title = title;
        }
    }

    /** A goal of the issue, reported and never asserted. */
    record Goal(Kind kind, double bound) {
        static final Goal NONE = new Goal(Kind.NONE, Double.NaN);

        enum Kind { NONE, RATIO_AT_LEAST, BRAID_AT_MOST }

        static Goal ratioAtLeast(double x) {
            return new Goal(Kind.RATIO_AT_LEAST, x);
        }

        static Goal braidAtMost(double x) {
            return new Goal(Kind.BRAID_AT_MOST, x);
        }

        /** "≥ 5x Braid/RocksDB", "Braid ≤ 1.3", or empty. */
        String describe() {
            return switch (kind) {
                case NONE -> "";
                case RATIO_AT_LEAST -> ">= " + trim(bound) + "x";
                case BRAID_AT_MOST -> "Braid <= " + trim(bound);
            };
        }

        /** Whether the goal is met by these medians; null when there is no goal or no figure. */
        Boolean met(double braid, double ratio) {
            return switch (kind) {
                case NONE -> null;
                case RATIO_AT_LEAST -> Double.isNaN(ratio) ? null : ratio >= bound;
                case BRAID_AT_MOST -> Double.isNaN(braid) ? null : braid <= bound;
            };
        }

        private static String trim(double d) {
            return d == Math.rint(d) ? Long.toString((long) d) : Double.toString(d);
        }
    }
}
