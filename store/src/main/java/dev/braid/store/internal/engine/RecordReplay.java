package dev.braid.store.internal.engine;

import dev.braid.store.CorruptionException;
import dev.braid.store.internal.format.Bytes;
import dev.braid.store.internal.wal.LogFile;
import java.io.IOException;
import java.util.Arrays;
import java.util.List;

/**
 * Reads the record stream of the committed record frames that follow the last image commit
 * (docs/format/log.md, "Record frames") and hands each record to a {@link Visitor}, in log order.
 * Used by recovery, which replays them over the image commit, and by read-only snapshots.
 */
final class RecordReplay {
    /** What the records say, in order. */
    interface Visitor {
        void put(byte[] key, byte[] value) throws IOException;

        void delete(byte[] key) throws IOException;

        /** The end of one record commit, with its encoded metadata. */
        void commit(byte[] meta) throws IOException;
    }

    private RecordReplay() {
    }

    /** Replays the records of {@code frames} (offsets of committed record frames, in log order). */
    static void run(LogFile log, List<Long> frames, Visitor v) throws IOException {
        byte[] window = new byte[64 << 10];
        int len = 0;
        long frameOff = -1;
        for (long off : frames) {
            frameOff = off;
            byte[] part = log.readRecordFrame(off);
            if (len + part.length > window.length) {
                window = Arrays.copyOf(window, Math.max(window.length * 2, len + part.length));
            }
            System.arraycopy(part, 0, window, len, part.length);
            len += part.length;
            int used = parse(window, len, v, log, off);
            System.arraycopy(window, used, window, 0, len - used);
            len -= used;
        }
        if (len > 0) {
            throw new CorruptionException(log.file().path(), frameOff, "record stream ends inside a record");
        }
    }

    /** Visits the whole records in {@code b[0, len)}; returns the bytes they take. */
    private static int parse(byte[] b, int len, Visitor v, LogFile log, long frameOff) throws IOException {
        int pos = 0;
        while (pos < len) {
            byte type = b[pos];
            if (type != RecordLog.PUT && type != RecordLog.DELETE && type != RecordLog.COMMIT) {
                throw new CorruptionException(log.file().path(), frameOff, "unknown record type " + type);
            }
            int head = type == RecordLog.PUT ? 9 : 5;
            if (pos + head > len) {
                return pos;
            }
            int a = Bytes.getInt(b, pos + 1);
            int c = type == RecordLog.PUT ? Bytes.getInt(b, pos + 5) : 0;
            if (a < 0 || c < 0 || (long) a + c > Integer.MAX_VALUE - head) {
                throw new CorruptionException(log.file().path(), frameOff, "record has invalid lengths");
            }
            if (pos + head + a + c > len) {
                return pos;
            }
            byte[] first = Arrays.copyOfRange(b, pos + head, pos + head + a);
            switch (type) {
                case RecordLog.PUT -> v.put(first, Arrays.copyOfRange(b, pos + head + a, pos + head + a + c));
                case RecordLog.DELETE -> v.delete(first);
                default -> v.commit(first);
            }
            pos += head + a + c;
        }
        return pos;
    }
}
