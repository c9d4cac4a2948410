package dev.braid.store.internal.wal;

import dev.braid.store.CorruptionException;
import dev.braid.store.IncompatibleFormatException;
import dev.braid.store.internal.format.Bytes;
import dev.braid.store.internal.io.StoreFile;
import dev.braid.store.internal.page.PageIo;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.LongAdder;
import java.util.zip.CRC32C;

/**
 * The write-ahead log: page images appended as checksummed frames, a commit marked by a frame that
 * carries the header page (and with it the commit's metadata). Format in docs/format/log.md.
 *
 * <p>Frames chain: each frame's CRC32C covers the four bytes before it (the previous frame's CRC,
 * or the header's) and the frame itself, so recovery accepts exactly the longest valid prefix
 * written under the current salt (L1). Only frames up to the last commit frame are committed (L2).
 * When every committed frame has been checkpointed and no frame follows the last commit, the log
 * is reset: a new salt in the header, frames start again after it (L3: the page file was synced
 * before, so the old frames are no longer needed).
 *
 * <p>State machine: {@code create|recover -> open -> (append* commit)* -> reset -> open ...}.
 *
 * <p>Frames of an open transaction are held back in {@link PendingFrames} until the next commit,
 * append of records, read of one of them, or reset (up to 128 KiB), so that the value pages of many
 * puts reach the file in one write; {@link #end} counts them, {@link #sync} does not.
 *
 * <p>Thread safety: {@link #append}, {@link #reset} and {@link #frameOffset} belong to the store's
 * writer and readers under the store lock; {@link #readFrame} may run concurrently on any thread
 * (positional reads; committed frames are never held back); the committed index is guarded by its
 * own monitor for the checkpointer.
 */
public final class LogFile {
    public static final int HEADER_BYTES = 512;
    public static final int FRAME_HEADER_BYTES = 28;
    public static final byte[] MAGIC = "BRAIDLOG".getBytes(StandardCharsets.US_ASCII);
    public static final int FORMAT_VERSION = 2;
    private static final int FLAG_COMMIT = 1;
    /** A record frame: its payload is part of the record stream of record commits, not a page. */
    private static final int FLAG_RECORDS = 2;
    /** The page-number field of a record frame. */
    private static final int RECORD_PAGE_NO = -1;

    private final StoreFile file;
    private final int pageSize;
    private final int frameSize;
    private long salt;
    private volatile long end; // read by the checkpointer to see whether record commits await a sync
    private volatile long syncedEnd;
    /** End of what is in the file: {@link #end} less the frames {@link #pending} holds back. */
    private volatile long writtenEnd;
    private final PendingFrames pending;
    private int lastCrc;
    private long lastCommitEnd;
    private long txnStart; // end of the last image commit: frames past it keep the log from a reset
    private final FrameIndex latest = new FrameIndex();
    private final FrameIndex txnFrames = new FrameIndex();
    private final FrameIndex committed = new FrameIndex();
    private final LongAdder bytesWritten = new LongAdder();
    private final LongAdder bytesRead = new LongAdder();

    private LogFile(StoreFile file, int pageSize) {
        this.file = file;
        this.pageSize = pageSize;
        this.frameSize = FRAME_HEADER_BYTES + pageSize + 4;
        this.pending = new PendingFrames(frameSize);
    }

    /** Bytes one frame takes in the file. */
    public static int frameSize(int pageSize) {
        return FRAME_HEADER_BYTES + pageSize + 4;
    }

    /** Writes a new, empty log (header only) and syncs it. */
    public static LogFile create(StoreFile file, int pageSize, long salt) throws IOException {
        LogFile log = new LogFile(file, pageSize);
        file.truncate(0);
        log.writeHeader(salt, 0);
        file.sync();
        return log;
    }

    /**
     * What recovery found: the log, the last commit's header image (null if no commit), the number
     * of valid frames, whether the header was unusable, and the commit sequence the page file held
     * when the log was last reset (the page file's header must not be older: L4).
     */
    public record Recovered(LogFile log, byte[] lastCommitImage, long frames, boolean headerDamaged,
                            long checkpointedSeq, long lastCommitOffset, List<Long> recordFrames,
                            long lastRecordSeq) {
        /** Whether record commits follow the last image commit: they must be replayed over it. */
        public boolean hasRecords() {
            return !recordFrames.isEmpty();
        }
    }

    /**
     * Reads the log and indexes the frames of every complete commit (L1, L2). A foreign file or a
     * different page size raises {@link IncompatibleFormatException}; a damaged header means the log
     * holds nothing usable (it is rewritten only after a full checkpoint, L3).
     */
    public static Recovered recover(StoreFile file, int pageSize) throws IOException {
        LogFile log = new LogFile(file, pageSize);
        byte[] h = new byte[HEADER_BYTES];
        int n = file.read(0, h, 0, HEADER_BYTES);
        boolean zeroMagic = true;
        for (int i = 0; i < Math.min(n, 8); i++) {
            zeroMagic &= h[i] == 0;
        }
        if (n >= 12 && !zeroMagic) { // an all-zero header is damage, not someone else's file
            for (int i = 0; i < 8; i++) {
                if (h[i] != MAGIC[i]) {
                    throw new IncompatibleFormatException(file.path() + " is not a Braid log (bad magic)");
                }
            }
            int version = Bytes.getInt(h, 8);
            if (version > FORMAT_VERSION || version < 1) {
                throw new IncompatibleFormatException(file.path() + " has log format version " + version
                        + "; this build reads up to " + FORMAT_VERSION);
            }
        }
        CRC32C c = new CRC32C();
        c.update(h, 0, HEADER_BYTES - 4);
        if (n < HEADER_BYTES || (int) c.getValue() != Bytes.getInt(h, HEADER_BYTES - 4)) {
            log.end = HEADER_BYTES;
            log.writtenEnd = HEADER_BYTES;
            return new Recovered(log, null, 0, true, -1, -1, List.of(), -1);
        }
        if (Bytes.getInt(h, 12) != pageSize) {
            throw new IncompatibleFormatException(file.path() + " was written with page size "
                    + Bytes.getInt(h, 12) + " but the page file uses " + pageSize);
        }
        log.salt = Bytes.getLong(h, 16);
        log.lastCrc = Bytes.getInt(h, HEADER_BYTES - 4);
        long off = HEADER_BYTES;
        long frames = 0;
        byte[] lastCommitImage = null;
        int lastCommitCrc = log.lastCrc;
        long lastCommitOffset = -1;
        int chunkFrames = Math.max(1, (1 << 20) / log.frameSize);
        byte[] buf = new byte[chunkFrames * log.frameSize];
        FrameIndex pending = new FrameIndex();
        List<Long> pendingRecords = new ArrayList<>();
        List<Long> committedRecords = new ArrayList<>();
        long recordCommitEnd = -1;
        int recordCommitCrc = 0;
        long lastRecordSeq = -1;
        outer:
        while (true) {
            int got = file.read(off, buf, 0, buf.length);
            log.bytesRead.add(got);
            int whole = got / log.frameSize;
            for (int i = 0; i < whole; i++) {
                int base = i * log.frameSize;
                if (Bytes.getLong(buf, base + 8) != log.salt || log.chainCrc(buf, base) != Bytes.getInt(buf,
                        base + log.frameSize - 4)) {
                    break outer;
                }
                int pageNo = Bytes.getInt(buf, base);
                int flags = Bytes.getInt(buf, base + 4);
                long frameOff = off + base;
                log.lastCrc = Bytes.getInt(buf, base + log.frameSize - 4);
                frames++;
                if ((flags & FLAG_RECORDS) != 0) {
                    pendingRecords.add(frameOff);
                    if ((flags & FLAG_COMMIT) != 0) { // a record commit: its records and those before it
                        committedRecords.addAll(pendingRecords);
                        pendingRecords.clear();
                        recordCommitEnd = frameOff + log.frameSize;
                        recordCommitCrc = log.lastCrc;
                        lastRecordSeq = Bytes.getLong(buf, base + 16);
                    }
                    continue;
                }
                pending.put(pageNo, frameOff);
                if ((flags & FLAG_COMMIT) != 0) { // an image commit: it holds every write before it
                    log.committed.putAll(pending);
                    pending.clear();
                    pendingRecords.clear();
                    committedRecords.clear();
                    recordCommitEnd = -1;
                    lastRecordSeq = -1;
                    log.lastCommitEnd = frameOff + log.frameSize;
                    lastCommitCrc = log.lastCrc;
                    lastCommitOffset = frameOff;
                    lastCommitImage = new byte[pageSize];
                    System.arraycopy(buf, base + FRAME_HEADER_BYTES, lastCommitImage, 0, pageSize);
                }
            }
            if (whole < chunkFrames) {
                break;
            }
            off += (long) whole * log.frameSize;
        }
        if (lastCommitImage == null) {
            log.lastCommitEnd = HEADER_BYTES;
        }
        // Frames after the last commit (of either kind) are discarded: appends continue after it.
        // Those of an open transaction between the last image commit and the last record commit stay
        // in the file, unindexed; the next image commit covers them and a reset drops them.
        log.lastCrc = recordCommitEnd >= 0 ? recordCommitCrc : lastCommitCrc;
        log.end = recordCommitEnd >= 0 ? recordCommitEnd : log.lastCommitEnd;
        log.writtenEnd = log.end;
        log.txnStart = log.lastCommitEnd;
        log.latest.putAll(log.committed);
        return new Recovered(log, lastCommitImage, frames, false, Bytes.getLong(h, 24), lastCommitOffset,
                List.copyOf(committedRecords), lastRecordSeq);
    }

    /** CRC of the frame at {@code base} in {@code buf}, chained from its previous four bytes. */
    private int chainCrc(byte[] buf, int base) {
        CRC32C c = new CRC32C();
        if (base >= 4) {
            c.update(buf, base - 4, 4);
        } else {
            byte[] prev = new byte[4];
            Bytes.putInt(prev, 0, lastCrc);
            c.update(prev, 0, 4);
        }
        c.update(buf, base, FRAME_HEADER_BYTES + pageSize);
        return (int) c.getValue();
    }

    private void writeHeader(long newSalt, long checkpointedSeq) throws IOException {
        byte[] h = new byte[HEADER_BYTES];
        System.arraycopy(MAGIC, 0, h, 0, 8);
        Bytes.putInt(h, 8, FORMAT_VERSION);
        Bytes.putInt(h, 12, pageSize);
        Bytes.putLong(h, 16, newSalt);
        Bytes.putLong(h, 24, checkpointedSeq);
        CRC32C c = new CRC32C();
        c.update(h, 0, HEADER_BYTES - 4);
        int crc = (int) c.getValue();
        Bytes.putInt(h, HEADER_BYTES - 4, crc);
        file.write(0, h, 0, HEADER_BYTES);
        bytesWritten.add(HEADER_BYTES);
        salt = newSalt;
        lastCrc = crc;
        end = HEADER_BYTES;
        writtenEnd = HEADER_BYTES;
        syncedEnd = 0; // a new generation: nothing of it is synced yet
        lastCommitEnd = HEADER_BYTES;
        txnStart = HEADER_BYTES;
    }

    /**
     * Appends frames. With {@code commit} the last image must be the header page: its frame is the
     * commit frame, and every frame since the previous commit becomes committed (L2).
     */
    public void append(List<PageIo.Image> images, boolean commit, long commitSeq) throws IOException {
        if (!commit && pending.canHold(images.size())) {
            hold(images, commitSeq);
            return;
        }
        flushPending(); // frames stay in order: the chain of CRCs runs through them
        int maxPerWrite = Math.max(1, (8 << 20) / frameSize);
        for (int from = 0; from < images.size(); from += maxPerWrite) {
            int to = Math.min(images.size(), from + maxPerWrite);
            byte[] buf = new byte[(to - from) * frameSize];
            for (int i = from; i < to; i++) {
                PageIo.Image img = images.get(i);
                encodeFrame(buf, (i - from) * frameSize, img, commit && i == images.size() - 1, commitSeq);
            }
            file.write(end, buf, 0, buf.length);
            bytesWritten.add(buf.length);
            for (int i = from; i < to; i++) {
                long off = end + (long) (i - from) * frameSize;
                latest.put(images.get(i).pageNo(), off);
                txnFrames.put(images.get(i).pageNo(), off);
            }
            lastCrc = Bytes.getInt(buf, buf.length - 4);
            end += buf.length;
            writtenEnd = end;
        }
        if (commit) {
            synchronized (committed) {
                committed.putAll(txnFrames);
                lastCommitEnd = end;
            }
            txnFrames.clear();
            txnStart = end;
        }
    }

    /** Encodes uncommitted frames into {@link #pending}, writing it out first when they do not fit. */
    private void hold(List<PageIo.Image> images, long commitSeq) throws IOException {
        if (!pending.hasRoom(images.size())) {
            flushPending();
        }
        for (PageIo.Image img : images) {
            int base = pending.next(end);
            byte[] buf = pending.buffer();
            encodeFrame(buf, base, img, false, commitSeq);
            lastCrc = Bytes.getInt(buf, base + frameSize - 4);
            latest.put(img.pageNo(), end);
            txnFrames.put(img.pageNo(), end);
            end += frameSize;
        }
    }

    /**
     * Encodes a page frame at {@code base} of {@code buf}; its chained CRC covers the four bytes
     * before {@code base} (or {@link #lastCrc} at 0).
     */
    private void encodeFrame(byte[] buf, int base, PageIo.Image img, boolean commitFrame, long commitSeq) {
        Bytes.putInt(buf, base, img.pageNo());
        Bytes.putInt(buf, base + 4, commitFrame ? FLAG_COMMIT : 0);
        Bytes.putLong(buf, base + 8, salt);
        Bytes.putLong(buf, base + 16, commitSeq);
        System.arraycopy(img.bytes(), 0, buf, base + FRAME_HEADER_BYTES, pageSize);
        Bytes.putInt(buf, base + frameSize - 4, chainCrc(buf, base));
    }

    /**
     * Writes the frames held back, if any. The writer calls it before anything else reaches the
     * file; a reader under the store's read lock, before it reads one of them (hence the monitor).
     */
    private void flushPending() throws IOException {
        synchronized (pending) {
            if (pending.isEmpty()) {
                return;
            }
            file.write(pending.start(), pending.buffer(), 0, pending.bytes());
            bytesWritten.add(pending.bytes());
            writtenEnd = pending.start() + pending.bytes();
            pending.clear();
        }
    }

    /** Bytes of record stream one record frame carries. */
    public int recordPayloadBytes() {
        return pageSize - 4;
    }

    /**
     * Appends {@code len} bytes of record stream as record frames (each carries up to
     * {@link #recordPayloadBytes()}). With {@code commit} the last frame closes a record commit of
     * sequence {@code commitSeq}: every record frame since the previous commit of either kind becomes
     * committed (L6). Record frames never enter the page index.
     */
    public void appendRecords(byte[] stream, int len, boolean commit, long commitSeq) throws IOException {
        flushPending();
        int cap = recordPayloadBytes();
        int count = Math.max(commit ? 1 : 0, (len + cap - 1) / cap);
        int maxPerWrite = Math.max(1, (8 << 20) / frameSize);
        int pos = 0;
        for (int from = 0; from < count; from += maxPerWrite) {
            int to = Math.min(count, from + maxPerWrite);
            byte[] buf = new byte[(to - from) * frameSize];
            for (int i = from; i < to; i++) {
                int base = (i - from) * frameSize;
                int n = Math.min(cap, len - pos);
                Bytes.putInt(buf, base, RECORD_PAGE_NO);
                Bytes.putInt(buf, base + 4, FLAG_RECORDS | (commit && i == count - 1 ? FLAG_COMMIT : 0));
                Bytes.putLong(buf, base + 8, salt);
                Bytes.putLong(buf, base + 16, commitSeq);
                Bytes.putInt(buf, base + FRAME_HEADER_BYTES, n);
                System.arraycopy(stream, pos, buf, base + FRAME_HEADER_BYTES + 4, n);
                pos += n;
                Bytes.putInt(buf, base + frameSize - 4, chainCrc(buf, base));
            }
            file.write(end, buf, 0, buf.length);
            bytesWritten.add(buf.length);
            lastCrc = Bytes.getInt(buf, buf.length - 4);
            end += buf.length;
            writtenEnd = end;
        }
    }

    /**
     * Reads and verifies the record frame at {@code offset}, returning its part of the record stream.
     * A frame that fails its checksum or is not a record frame raises {@link CorruptionException}.
     */
    public byte[] readRecordFrame(long offset) throws IOException {
        byte[] buf = readChecked(offset);
        int n = buf == null ? -1 : Bytes.getInt(buf, 4 + FRAME_HEADER_BYTES);
        if (buf == null || (Bytes.getInt(buf, 8) & FLAG_RECORDS) == 0 || n < 0 || n > recordPayloadBytes()) {
            throw new CorruptionException(file.path(), offset, "log record frame fails its checksum");
        }
        return Arrays.copyOfRange(buf, 4 + FRAME_HEADER_BYTES + 4, 4 + FRAME_HEADER_BYTES + 4 + n);
    }

    /**
     * The frame at {@code offset} with the four bytes before it, or null when its chained CRC or its
     * salt fails; a frame cut short raises {@link CorruptionException}.
     */
    private byte[] readChecked(long offset) throws IOException {
        if (offset + frameSize > writtenEnd) {
            flushPending(); // a frame of the open transaction, held back (committed ones never are)
        }
        byte[] buf = new byte[4 + frameSize];
        int got = file.read(offset - 4, buf, 0, buf.length);
        bytesRead.add(got);
        if (got < buf.length) {
            throw new CorruptionException(file.path(), offset, "log frame is cut short");
        }
        CRC32C c = new CRC32C();
        c.update(buf, 0, 4 + FRAME_HEADER_BYTES + pageSize);
        boolean ok = (int) c.getValue() == Bytes.getInt(buf, buf.length - 4) && Bytes.getLong(buf, 12) == salt;
        return ok ? buf : null;
    }

    /** Offset of the newest frame of {@code pageNo}, or -1 when the log has none. */
    public long frameOffset(int pageNo) {
        return latest.get(pageNo); // -1 at once when empty: the usual case after a checkpoint
    }

    /**
     * Reads and verifies the frame at {@code offset}, returning its page image. A frame that fails
     * its checksum or names another page raises {@link CorruptionException}.
     */
    public byte[] readFrame(long offset, int expectedPageNo) throws IOException {
        byte[] buf = readChecked(offset);
        if (buf == null || Bytes.getInt(buf, 4) != expectedPageNo) {
            throw new CorruptionException(file.path(), offset, "log frame of page " + expectedPageNo
                    + " fails its checksum");
        }
        byte[] image = new byte[pageSize];
        System.arraycopy(buf, 4 + FRAME_HEADER_BYTES, image, 0, pageSize);
        return image;
    }

    /** The committed frames (page to newest committed frame offset) and where they end. */
    public record Snapshot(FrameIndex frames, long end) {
    }

    public Snapshot committedSnapshot() {
        synchronized (committed) {
            return new Snapshot(new FrameIndex(committed), lastCommitEnd);
        }
    }

    /**
     * Starts the log over under a new salt (L3) and syncs the new header before any frame can follow
     * it (L5: otherwise a power loss could keep frames of the new generation while losing its header,
     * and recovery would replay a prefix of the old generation over a newer page file). The caller
     * guarantees that every committed frame is in the synced page file, which then holds commit
     * {@code checkpointedSeq}; frames of an open transaction are dropped with the rest. Because the
     * header changes before any frame is overwritten, read-only clients notice a reset from the
     * header alone (R2, docs/design/read-only.md).
     */
    public void reset(long newSalt, long checkpointedSeq) throws IOException {
        synchronized (pending) {
            pending.clear(); // frames of an open transaction are dropped with the rest
        }
        writeHeader(newSalt, checkpointedSeq);
        file.sync();
        latest.clear();
        txnFrames.clear();
        synchronized (committed) {
            committed.clear();
        }
    }

    /** Cuts the file back to its header (after a reset, at close). */
    public void truncateToHeader() throws IOException {
        synchronized (pending) {
            pending.clear();
        }
        file.truncate(HEADER_BYTES);
    }

    /** Syncs what is in the file; frames held back are not (they are of no commit yet). */
    public void sync() throws IOException {
        long e = writtenEnd;
        file.sync();
        syncedEnd = Math.max(syncedEnd, e);
    }

    /** Whether frames were written since the last {@link #sync} began (or the log was opened). */
    public boolean hasUnsyncedFrames() {
        return writtenEnd > syncedEnd;
    }

    /** The salt of the current log generation. */
    public long salt() {
        return salt;
    }

    /** End of the last frame written. */
    public long end() {
        return end;
    }

    /** End of the last commit frame. */
    public long lastCommitEnd() {
        synchronized (committed) {
            return lastCommitEnd;
        }
    }

    /** Whether frames were written after the last commit (an open transaction spilled). */
    public boolean hasUncommittedFrames() {
        return end > txnStart;
    }

    public long bytesWritten() {
        return bytesWritten.sum();
    }

    public long bytesRead() {
        return bytesRead.sum();
    }

    public StoreFile file() {
        return file;
    }

    public void close() throws IOException {
        file.close();
    }
}
