package dev.braid.store.internal.format;

/**
 * Big-endian fixed-width integers and unsigned LEB128 varints in byte arrays: the only encodings
 * the on-disk formats use (see docs/format/).
 */
public final class Bytes {
    private Bytes() {
    }

    public static void putInt(byte[] b, int off, int v) {
        b[off] = (byte) (v >>> 24);
        b[off + 1] = (byte) (v >>> 16);
        b[off + 2] = (byte) (v >>> 8);
        b[off + 3] = (byte) v;
    }

    public static int getInt(byte[] b, int off) {
        return ((b[off] & 0xFF) << 24) | ((b[off + 1] & 0xFF) << 16) | ((b[off + 2] & 0xFF) << 8) | (b[off + 3] & 0xFF);
    }

    public static void putShort(byte[] b, int off, int v) {
        b[off] = (byte) (v >>> 8);
        b[off + 1] = (byte) v;
    }

    public static int getShort(byte[] b, int off) {
        return ((b[off] & 0xFF) << 8) | (b[off + 1] & 0xFF);
    }

    public static void putLong(byte[] b, int off, long v) {
        putInt(b, off, (int) (v >>> 32));
        putInt(b, off + 4, (int) v);
    }

    public static long getLong(byte[] b, int off) {
        return ((long) getInt(b, off) << 32) | (getInt(b, off + 4) & 0xFFFFFFFFL);
    }

    /**
     * The {@code left} bytes at {@code off} (at most eight are read) as a big-endian long, zero past
     * them: ordering such windows as unsigned longs orders the byte strings they start (a tie says
     * nothing). Used as search and sort heads of keys.
     */
    public static long window(byte[] b, int off, int left) {
        if (left >= 8) {
            return getLong(b, off);
        }
        long w = 0;
        for (int i = 0; i < left; i++) {
            w |= (b[off + i] & 0xFFL) << (56 - 8 * i);
        }
        return w;
    }

    /** Bytes a varint of {@code v} (non-negative) takes. */
    public static int varintSize(long v) {
        int n = 1;
        while ((v >>>= 7) != 0) {
            n++;
        }
        return n;
    }

    /** Writes {@code v} as a varint at {@code off}; returns the offset after it. */
    public static int putVarint(byte[] b, int off, long v) {
        while ((v & ~0x7FL) != 0) {
            b[off++] = (byte) ((v & 0x7F) | 0x80);
            v >>>= 7;
        }
        b[off++] = (byte) v;
        return off;
    }

    /**
     * Reads a varint at {@code pos[0]} and advances it. Throws IllegalStateException on a varint
     * longer than 9 bytes or running past {@code limit}; callers turn that into a corruption error.
     */
    public static long getVarint(byte[] b, int[] pos, int limit) {
        long v = 0;
        int shift = 0;
        int p = pos[0];
        while (true) {
            if (p >= limit || shift > 56) {
                throw new IllegalStateException("bad varint at " + pos[0]);
            }
            byte x = b[p++];
            v |= (long) (x & 0x7F) << shift;
            if ((x & 0x80) == 0) {
                break;
            }
            shift += 7;
        }
        pos[0] = p;
        return v;
    }
}
