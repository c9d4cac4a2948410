package dev.braid.store.internal.mergetree;

import dev.braid.store.internal.page.Run;

import dev.braid.store.internal.format.Bytes;
import dev.braid.store.internal.format.Crc;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * The committed state of the merge-tree: its segments, newest first, the page runs reserved by
 * flushes and merges in progress (reclaimed when a store is opened after a crash), and the free page
 * runs that later segments and tree builds may be written into. Stored as a blob
 * named by the header page; part of every commit. Layout (big-endian; docs/format/segment.md;
 * written to disk: never renumber):
 *
 * <pre>
 * u32 magic "BMAN", u32 version 1, u64 next segment id, u32 segment count,
 *   per segment: u64 id, u32 run count, (u32 start, u32 pages) per run, u32 root page,
 *   u32 root pages, u32 root CRC32C, u64 entries, u64 deletes, u64 data bytes, u32 bloom page,
 *   u32 bloom bytes, u32 bloom CRC32C, u8 delta known, u64 live delta, u32 + min key, u32 + max key
 * u32 reserved run count, (u32 start, u32 pages) per run,
 * [version 2] u32 free run count, (u32 start, u32 pages) per run,
 * [version 3] u8 0 and the free runs as in version 2, or u8 1, u32 first page, u32 page count and
 *   a bitmap of that many pages (bit i of byte i / 8, low bit first: page first + i is free),
 * u32 CRC32C of everything before it
 * [version 4] the same layout as version 3; its segments' data entries may hold values on pages
 *   of their own (flags 2, {@link SegmentBlock}), which older versions do not read
 * </pre>
 */
public record Manifest(long nextId, List<SegmentInfo> segments, List<Run> reservations, List<Run> free) {
    static final int MAGIC = 0x424d414e; // "BMAN"
    /**
     * Version written; versions 1 (no free runs), 2 (free runs as a list) and 3 (no values on pages
     * of their own in segments) are still read.
     */
    static final int VERSION = 4;

    public static final Manifest EMPTY = new Manifest(1, List.of(), List.of(), List.of());

    public boolean isEmpty() {
        return segments.isEmpty() && reservations.isEmpty() && free.isEmpty();
    }

    public byte[] encode() {
        Out o = new Out();
        o.i32(MAGIC);
        o.i32(VERSION);
        o.i64(nextId);
        o.i32(segments.size());
        for (SegmentInfo s : segments) {
            o.i64(s.id());
            o.runs(s.runs());
            o.i32(s.rootPage());
            o.i32(s.rootPages());
            o.i32(s.rootCrc());
            o.i64(s.entries());
            o.i64(s.tombstones());
            o.i64(s.dataBytes());
            o.i32(s.bloomPage());
            o.i32(s.bloomBytes());
            o.i32(s.bloomCrc());
            o.b.write(s.deltaKnown() ? 1 : 0);
            o.i64(s.liveDelta());
            o.bytes(s.minKey());
            o.bytes(s.maxKey());
        }
        o.runs(reservations);
        o.freeRuns(free);
        byte[] body = o.b.toByteArray();
        byte[] out = java.util.Arrays.copyOf(body, body.length + 4);
        Bytes.putInt(out, body.length, Crc.of(body));
        return out;
    }

    /** Decodes a manifest; throws {@link IllegalArgumentException} naming the problem when invalid. */
    public static Manifest decode(byte[] b) {
        if (b.length < 28 || Bytes.getInt(b, b.length - 4) != Crc.of(b, 0, b.length - 4)) {
            throw new IllegalArgumentException("manifest fails its checksum");
        }
        In in = new In(b, b.length - 4);
        int magic = in.i32();
        int version = in.i32();
        if (magic != MAGIC || version < 1 || version > VERSION) {
            throw new IllegalArgumentException("manifest has a bad magic or version");
        }
        long nextId = in.i64();
        int n = in.count();
        List<SegmentInfo> segs = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            long id = in.i64();
            List<Run> runs = in.runs();
            int rootPage = in.i32();
            int rootPages = in.i32();
            int rootCrc = in.i32();
            long entries = in.i64();
            long tombs = in.i64();
            long dataBytes = in.i64();
            int bloomPage = in.i32();
            int bloomBytes = in.i32();
            int bloomCrc = in.i32();
            boolean known = in.u8() == 1;
            long delta = in.i64();
            byte[] min = in.bytes();
            byte[] max = in.bytes();
            if (id <= 0 || id >= nextId || entries < 1 || tombs < 0 || tombs > entries || bloomBytes < 12
                    || java.util.Arrays.compareUnsigned(min, max) > 0) {
                throw new IllegalArgumentException("manifest record of segment " + id + " is invalid");
            }
            segs.add(new SegmentInfo(id, runs, rootPage, rootPages, rootCrc, entries, tombs, dataBytes, min, max,
                    bloomPage, bloomBytes, bloomCrc, known, delta));
        }
        List<Run> res = in.runs();
        List<Run> free = version >= 3 ? in.freeRuns() : version == 2 ? in.runs() : List.of();
        if (in.pos != b.length - 4) {
            throw new IllegalArgumentException("manifest has trailing bytes");
        }
        return new Manifest(nextId, List.copyOf(segs), res, free);
    }

    private static final class Out {
        final ByteArrayOutputStream b = new ByteArrayOutputStream();
        final byte[] tmp = new byte[8];

        void i32(int v) {
            Bytes.putInt(tmp, 0, v);
            b.write(tmp, 0, 4);
        }

        void i64(long v) {
            Bytes.putLong(tmp, 0, v);
            b.write(tmp, 0, 8);
        }

        void bytes(byte[] v) {
            i32(v.length);
            b.write(v, 0, v.length);
        }

        void runs(List<Run> runs) {
            i32(runs.size());
            for (Run r : runs) {
                i32(r.start());
                i32(r.pages());
            }
        }

        /**
         * Free runs (sorted, disjoint) as a list or, when that is shorter, as a bitmap of the pages
         * from the first run's start to the last run's end: values freed one page at a time leave
         * many one-page runs, eight bytes each in a list and a bit in a bitmap.
         */
        void freeRuns(List<Run> runs) {
            if (runs.isEmpty()) {
                b.write(0);
                runs(runs);
                return;
            }
            int first = runs.get(0).start();
            long span = (long) runs.get(runs.size() - 1).end() - first;
            long bitmapBytes = 8 + (span + 7) / 8;
            if (bitmapBytes >= 4 + 8L * runs.size()) {
                b.write(0);
                runs(runs);
                return;
            }
            byte[] bits = new byte[(int) ((span + 7) / 8)];
            for (Run r : runs) {
                for (int p = r.start() - first, end = r.end() - first; p < end; p++) {
                    bits[p >>> 3] |= (byte) (1 << (p & 7));
                }
            }
            b.write(1);
            i32(first);
            i32((int) span);
            b.write(bits, 0, bits.length);
        }
    }

    private static final class In {
        final byte[] b;
        final int limit;
        int pos;

        In(byte[] b, int limit) {
            this.b = b;
            this.limit = limit;
        }

        private void need(int n) {
            if (n < 0 || (long) pos + n > limit) {
                throw new IllegalArgumentException("manifest is cut short");
            }
        }

        int u8() {
            need(1);
            return b[pos++] & 0xff;
        }

        int i32() {
            need(4);
            int v = Bytes.getInt(b, pos);
            pos += 4;
            return v;
        }

        long i64() {
            need(8);
            long v = Bytes.getLong(b, pos);
            pos += 8;
            return v;
        }

        int count() {
            int n = i32();
            need(n); // every record takes at least a byte: a bogus count fails here, not in an allocation
            return n;
        }

        byte[] bytes() {
            int n = i32();
            need(n);
            byte[] v = java.util.Arrays.copyOfRange(b, pos, pos + n);
            pos += n;
            return v;
        }

        List<Run> freeRuns() {
            int kind = u8();
            if (kind == 0) {
                return runs();
            }
            if (kind != 1) {
                throw new IllegalArgumentException("manifest has an unknown encoding of free runs: " + kind);
            }
            int first = i32();
            int span = i32();
            if (first < 1 || span < 1 || (long) first + span > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("manifest holds an invalid free-page bitmap");
            }
            int bytes = (int) ((span + 7L) / 8);
            need(bytes);
            List<Run> out = new ArrayList<>();
            int start = -1;
            for (int i = 0; i <= span; i++) {
                boolean set = i < span && (b[pos + (i >>> 3)] & (1 << (i & 7))) != 0;
                if (set && start < 0) {
                    start = i;
                } else if (!set && start >= 0) {
                    out.add(new Run(first + start, i - start));
                    start = -1;
                }
            }
            for (int i = span; i < bytes * 8; i++) {
                if ((b[pos + (i >>> 3)] & (1 << (i & 7))) != 0) {
                    throw new IllegalArgumentException("manifest's free-page bitmap has bits past its page count");
                }
            }
            pos += bytes;
            return List.copyOf(out);
        }

        List<Run> runs() {
            int n = count();
            List<Run> out = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                int start = i32();
                int pages = i32();
                if (start < 1 || pages < 1) {
                    throw new IllegalArgumentException("manifest holds an invalid page run");
                }
                out.add(new Run(start, pages));
            }
            return List.copyOf(out);
        }
    }
}
