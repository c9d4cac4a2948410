package dev.braid.e2e;

/**
 * What the {@link SequenceApp} keeps per key: the highest sequence number applied, how many updates it
 * applied, and how many it saw again (a sequence number not above the last: a replay) or saw skip
 * ahead (a gap). Under exactly-once a key that received 1..n ends as {@code (n, n, 0, 0)}; under
 * at-least-once as {@code (n, n, any, 0)}. Stored as the text {@code "last applied dups gaps"}.
 */
record Tally(long last, long applied, long dups, long gaps) {
    static final Tally EMPTY = new Tally(0, 0, 0, 0);

    /** This tally after update {@code seq}. */
    Tally apply(long seq) {
        if (seq <= last) {
            return new Tally(last, applied, dups + 1, gaps);
        }
        return new Tally(seq, applied + 1, dups, gaps + (seq == last + 1 ? 0 : 1));
    }

    String encode() {
        return last + " " + applied + " " + dups + " " + gaps;
    }

    static Tally decode(String s) {
        if (s == null) {
            return EMPTY;
        }
        String[] f = s.split(" ");
        return new Tally(Long.parseLong(f[0]), Long.parseLong(f[1]), Long.parseLong(f[2]), Long.parseLong(f[3]));
    }
}
