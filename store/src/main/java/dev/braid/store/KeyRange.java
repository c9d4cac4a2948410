package dev.braid.store;

import java.util.Arrays;

/**
 * A range of keys in unsigned-byte order. A null bound is open. Bounds are copied, so the caller
 * may reuse its arrays.
 */
public final class KeyRange {
    private static final KeyRange ALL = new KeyRange(null, true, null, true);

    private final byte[] from;
    private final boolean fromInclusive;
    private final byte[] to;
    private final boolean toInclusive;

    private KeyRange(byte[] from, boolean fromInclusive, byte[] to, boolean toInclusive) {
        this.from = from == null ? null : from.clone();
        this.fromInclusive = fromInclusive;
        this.to = to == null ? null : to.clone();
        this.toInclusive = toInclusive;
    }

    /** Every key. */
    public static KeyRange all() {
        return ALL;
    }

    /** Keys from {@code from} to {@code to}, both included; either may be null (open). */
    public static KeyRange closed(byte[] from, byte[] to) {
        return new KeyRange(from, true, to, true);
    }

    /** The general form: each bound may be null (open) and inclusive or exclusive. */
    public static KeyRange of(byte[] from, boolean fromInclusive, byte[] to, boolean toInclusive) {
        return new KeyRange(from, fromInclusive, to, toInclusive);
    }

    /** Keys that start with {@code prefix}. */
    public static KeyRange prefix(byte[] prefix) {
        return new KeyRange(prefix, true, prefixEnd(prefix), false);
    }

    private static byte[] prefixEnd(byte[] prefix) {
        for (int i = prefix.length - 1; i >= 0; i--) {
            if (prefix[i] != (byte) 0xFF) {
                byte[] end = Arrays.copyOf(prefix, i + 1);
                end[i]++;
                return end;
            }
        }
        return null; // all 0xFF (or empty): no upper bound
    }

    public byte[] from() {
        return from == null ? null : from.clone();
    }

    public boolean fromInclusive() {
        return fromInclusive;
    }

    public byte[] to() {
        return to == null ? null : to.clone();
    }

    public boolean toInclusive() {
        return toInclusive;
    }

    /** True when no key can lie in the range (from above to, or equal with an exclusive end). */
    public boolean isEmpty() {
        if (from == null || to == null) {
            return false;
        }
        int c = Arrays.compareUnsigned(from, to);
        return c > 0 || (c == 0 && !(fromInclusive && toInclusive));
    }

    /** Whether {@code key} is at or after the lower bound. */
    public boolean aboveLower(byte[] key) {
        if (from == null) {
            return true;
        }
        int c = Arrays.compareUnsigned(key, from);
        return c > 0 || (c == 0 && fromInclusive);
    }

    /** Whether {@code key} is at or before the upper bound. */
    public boolean belowUpper(byte[] key) {
        if (to == null) {
            return true;
        }
        int c = Arrays.compareUnsigned(key, to);
        return c < 0 || (c == 0 && toInclusive);
    }

    /** Whether {@code key} lies in the range. */
    public boolean contains(byte[] key) {
        return aboveLower(key) && belowUpper(key);
    }

    byte[] fromRef() {
        return from;
    }

    byte[] toRef() {
        return to;
    }
}
