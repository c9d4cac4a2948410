package dev.braid.store.internal.engine;

import dev.braid.store.CorruptionException;
import dev.braid.store.internal.io.StoreFile;
import dev.braid.store.internal.mergetree.SegmentReader;
import dev.braid.store.internal.page.PageIo;
import dev.braid.store.internal.page.Run;
import dev.braid.store.internal.wal.LogFile;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The two files of a store and the traffic between them: page reads (newest log frame first, else
 * the page file), frame appends, checkpoints (committed frames copied into the page file) and log
 * resets. Implements {@link PageIo} for the pager.
 *
 * <p>Durability order (docs/design/durability.md): D1 a checkpoint syncs the log before it writes
 * any page into the page file, so a torn page-file write is always repaired from the log; D2 the
 * page file is synced before the checkpoint counts as done; D3 the log is reset only when every
 * committed frame is checkpointed (D2 done) and no frame follows the last commit; D5 pages past the
 * committed end are written straight into the page file, which is synced before the commit frame
 * that makes them part of the store.
 *
 * <p>For read-only clients in other processes (docs/design/read-only.md): R1 a checkpoint writes
 * page 0 first; R3 apart from checkpoints, only pages that no commit since the last checkpoint
 * references are written (D5, D6, and free runs: {@link #checkpointedSeq}), and the page file is
 * truncated only at close, after the close's checkpoint.
 *
 * <p>Thread safety: reads run on reader threads; appends and resets on the writer (under the store's
 * write lock); {@link #checkpoint} on the writer or the background checkpointer, serialized by
 * {@code checkpointLock}, which {@link #maybeResetLog} also takes. A checkpoint writes only pages
 * that have a log frame, and readers read such pages from the log, so readers never see a
 * half-written page-file page (D4).
 */
final class Storage implements PageIo, SegmentReader.PageSource {
    private final StoreFile pages;
    private final WriteBehind writeBehind;
    private final LogFile log;
    private final int pageSize;
    private final ReentrantLock checkpointLock = new ReentrantLock();
    private volatile long backfilledEnd = LogFile.HEADER_BYTES;
    private volatile long checkpoints;
    private volatile long appendedCommitSeq; // the last commit whose frames are in the log
    private volatile long checkpointedSeq; // every commit up to it is in the page file, page 0 first
    private final LongAdder pageBytesRead = new LongAdder();
    private final LongAdder pageBytesWritten = new LongAdder();
    private long salt;
    private volatile long logResets; // a reset drops every frame: logged pages may be free again
    private long nextSeq;
    private long lastCommitSeq;
    private int committedPageCount = Integer.MAX_VALUE;
    private volatile boolean freshUnsynced; // set by direct writes from any thread (D5, D6)
    private boolean closed;

    Storage(StoreFile pages, LogFile log, int pageSize, long salt) {
        this.pages = pages;
        this.writeBehind = new WriteBehind(pages::sync);
        this.log = log;
        this.pageSize = pageSize;
        this.salt = salt;
    }

    /** Sequence number the frames of the open transaction carry. */
    void setTransactionSeq(long seq) {
        this.nextSeq = seq;
        this.lastCommitSeq = seq - 1;
        this.appendedCommitSeq = Math.max(appendedCommitSeq, seq - 1);
    }

    /**
     * The newest commit that a checkpoint has copied into the page file (its header onto page 0
     * first, R1): a read-only client holding an older commit has noticed it. Pages that commit freed
     * may then be written straight into the page file (R3).
     */
    long checkpointedSeq() {
        return checkpointedSeq;
    }

    /** How many times the log has been reset since open. */
    long logResets() {
        return logResets;
    }

    /** The commit sequence the open transaction will get. */
    long transactionSeq() {
        return nextSeq;
    }

    /**
     * Whether the log holds a frame of a page of {@code run} (committed or not): such a page must
     * not be written straight into the page file, since a checkpoint would copy the frame over it.
     */
    boolean loggedPageIn(Run run) {
        for (int p = run.start(); p < run.end(); p++) {
            if (log.frameOffset(p) >= 0) {
                return true;
            }
        }
        return false;
    }

    @Override
    public byte[] read(int pageNo) throws IOException {
        long off = log.frameOffset(pageNo);
        if (off >= 0) {
            return log.readFrame(off, pageNo);
        }
        return readPageFile(pageNo);
    }

    @Override
    public byte[] readRun(int first, int count) throws IOException {
        for (int i = 0; i < count; i++) {
            if (log.frameOffset(first + i) >= 0) {
                return PageIo.super.readRun(first, count); // a page with a newer image in the log
            }
        }
        return readDirect(first, count);
    }

    int pageSize() {
        return pageSize;
    }

    byte[] readPageFile(int pageNo) throws IOException {
        byte[] image = new byte[pageSize];
        long offset = (long) pageNo * pageSize;
        int n = pages.read(offset, image, 0, pageSize);
        pageBytesRead.add(n);
        if (n < pageSize) {
            throw new CorruptionException(pages.path(), offset, "page file ends before page " + pageNo);
        }
        return image;
    }

    @Override
    public void appendUncommitted(List<Image> images) throws IOException {
        List<Image> logged = writeFresh(images);
        if (!logged.isEmpty()) {
            maybeResetLog();
            log.append(logged, false, nextSeq);
        }
    }

    /**
     * Writes value pages straight into the page file (D7: pages of free runs or past the committed
     * end, which no commit since the last checkpoint, no log frame and no read-only client's commit
     * refers to). The next commit syncs the page file before its commit frame, like D5. Writer only.
     */
    @Override
    public void writeDirect(List<Image> images) throws IOException {
        writeImages(images);
        writeBehind.wrote((long) images.size() * pageSize);
    }

    /** Writes images into the page file, consecutive pages (up to 256) in one write. */
    private void writeImages(List<Image> images) throws IOException {
        int runStart = -1;
        int runLen = 0;
        byte[] run = null;
        for (Image img : images) {
            if (runLen > 0 && (img.pageNo() != runStart + runLen || runLen == 256)) {
                writeRun(runStart, run, runLen);
                runLen = 0;
            }
            if (runLen == 0) {
                runStart = img.pageNo();
                run = run == null ? new byte[Math.min(256, images.size()) * pageSize] : run;
            }
            System.arraycopy(img.bytes(), 0, run, runLen * pageSize, pageSize);
            runLen++;
            freshUnsynced = true;
        }
        if (runLen > 0) {
            writeRun(runStart, run, runLen);
        }
    }

    /**
     * Appends the commit's frames, the header page last (the commit frame), and syncs if asked.
     * Fresh pages written straight into the page file are synced first (D5).
     */
    void appendCommit(List<Image> images, long seq, boolean sync) throws IOException {
        List<Image> logged = writeFresh(images);
        if (freshUnsynced) {
            freshUnsynced = false; // before the sync: a direct write racing it sets it again
            syncPages(); // D5, D6: fresh pages and segments flushed on the writer are on disk first
        }
        maybeResetLog();
        log.append(logged, true, seq);
        appendedCommitSeq = seq;
        if (sync) {
            log.sync();
        }
    }

    /**
     * Appends record frames ({@link RecordLog}); with {@code commit} the last one closes a record
     * commit. A record commit writes no page and leaves the page file's state alone: fresh pages and
     * the commit sequence the checkpointer knows are those of the last image commit.
     */
    void appendRecords(byte[] stream, int len, boolean commit, long seq) throws IOException {
        maybeResetLog();
        log.appendRecords(stream, len, commit, seq);
    }

    /** Syncs the log (a record commit in FULL mode). */
    void syncLog() throws IOException {
        log.sync();
    }

    /**
     * Writes images of fresh pages (at or past the committed page count: no committed state and no
     * log frame refers to them) straight into the page file, so a growing tree or a bulk build is
     * written once instead of twice; returns the other images, which go to the log. Readers find
     * fresh pages in the page file (no log frame), and a crash before the commit leaves them past
     * the committed end, unreferenced (D5: the page file is synced before the commit frame).
     */
    private List<Image> writeFresh(List<Image> images) throws IOException {
        List<Image> logged = new ArrayList<>(images.size());
        List<Image> fresh = new ArrayList<>();
        for (Image img : images) {
            (img.pageNo() < committedPageCount || img.pageNo() == 0 ? logged : fresh).add(img);
        }
        if (!fresh.isEmpty()) {
            writeImages(fresh);
        }
        return logged;
    }

    /** The committed page count: pages at or past it are fresh. Writer only. */
    void setCommittedPageCount(int count) {
        this.committedPageCount = count;
    }

    @Override
    public CorruptionException corrupt(int pageNo, String problem) {
        long off = log.frameOffset(pageNo);
        if (off >= 0) {
            return new CorruptionException(log.file().path(), off, problem);
        }
        return new CorruptionException(pages.path(), (long) pageNo * pageSize, problem);
    }

    /**
     * Copies the committed frames newer than the last checkpoint into the page file (D1, D2).
     * Returns false when there was nothing to copy or the store is closed.
     */
    boolean checkpoint() throws IOException {
        checkpointLock.lock();
        try {
            if (closed) {
                return false;
            }
            long seq = appendedCommitSeq; // read first: the snapshot holds at least this commit
            LogFile.Snapshot snap = log.committedSnapshot();
            if (snap.end() <= backfilledEnd) {
                checkpointedSeq = Math.max(checkpointedSeq, seq);
                if (log.hasUnsyncedFrames()) {
                    log.sync(); // nothing to copy, but record commits since may await their sync (NORMAL)
                }
                return false;
            }
            log.sync(); // D1
            // Incremental: a page whose newest committed frame lies below backfilledEnd was copied
            // by an earlier checkpoint and has not changed since. Page 0 is always among the rest
            // (every commit has its frame), so R1 holds.
            long done = backfilledEnd;
            // R1: in page order, so page 0 (the newest header copied) goes first: read-only clients
            // in other processes detect a checkpoint over their snapshot from page 0 alone.
            int[] frames = snap.frames().pagesFrom(done);
            int batchPages = Math.max(1, (1 << 20) / pageSize);
            byte[] buf = new byte[batchPages * pageSize];
            int runStart = -1;
            int runLen = 0;
            for (int pageNo : frames) {
                if (runLen > 0 && (pageNo != runStart + runLen || runLen == batchPages)) {
                    writeRun(runStart, buf, runLen);
                    runLen = 0;
                }
                if (runLen == 0) {
                    runStart = pageNo;
                }
                byte[] image = log.readFrame(snap.frames().get(pageNo), pageNo);
                System.arraycopy(image, 0, buf, runLen * pageSize, pageSize);
                runLen++;
            }
            if (runLen > 0) {
                writeRun(runStart, buf, runLen);
            }
            syncPages(); // D2
            backfilledEnd = snap.end();
            checkpointedSeq = Math.max(checkpointedSeq, seq);
            checkpoints++;
            return true;
        } finally {
            checkpointLock.unlock();
        }
    }

    /**
     * Writes pages of a segment or bulk-built tree straight into the page file (fresh runs: no log
     * frame or committed state refers to them; D6). Any thread; the caller syncs with
     * {@link #syncPageFile} before the result is installed.
     */
    void writeDirect(int firstPage, byte[] buf, int off, int count) throws IOException {
        pages.write((long) firstPage * pageSize, buf, off, count * pageSize);
        pageBytesWritten.add((long) count * pageSize);
        freshUnsynced = true;
        writeBehind.wrote((long) count * pageSize);
    }

    /** Reads {@code count} pages straight from the page file (segment pages have no log frames). */
    @Override
    public byte[] readDirect(int firstPage, int count) throws IOException {
        byte[] image = new byte[count * pageSize];
        long offset = (long) firstPage * pageSize;
        int n = pages.read(offset, image, 0, image.length);
        pageBytesRead.add(n);
        if (n < image.length) {
            throw new CorruptionException(pages.path(), offset, "page file ends inside pages " + firstPage + ".."
                    + (firstPage + count - 1));
        }
        return image;
    }

    /**
     * Cuts the page file down to {@code pageCount} pages when it is longer (at close, after the
     * checkpoint: page 0 already names the commit that shrank the count, so a read-only client on
     * an older commit that reads a cut page notices, R1). Writer only, nothing else running.
     */
    void truncatePageFile(int pageCount) throws IOException {
        long size = (long) pageCount * pageSize;
        if (pages.size() > size) {
            pages.truncate(size);
            syncPages();
        }
    }

    void syncPageFile() throws IOException {
        syncPages();
    }

    /** Every sync of the page file: fails when a background one did ({@link WriteBehind}). */
    private void syncPages() throws IOException {
        writeBehind.check();
        pages.sync();
    }

    private void writeRun(int firstPage, byte[] buf, int count) throws IOException {
        pages.write((long) firstPage * pageSize, buf, 0, count * pageSize);
        pageBytesWritten.add((long) count * pageSize);
    }

    /** Starts the log over when D3 allows and no checkpoint is running. Writer only. */
    void maybeResetLog() throws IOException {
        if (log.end() == LogFile.HEADER_BYTES || log.hasUncommittedFrames()
                || backfilledEnd < log.lastCommitEnd()) {
            return;
        }
        if (!checkpointLock.tryLock()) {
            return;
        }
        try {
            resetLog();
        } finally {
            checkpointLock.unlock();
        }
    }

    /**
     * Checkpoints and empties the log, dropping any frames of an open transaction (at open and at
     * close, when the open transaction is being discarded anyway).
     */
    void checkpointAndReset(boolean truncate, boolean rewriteHeader) throws IOException {
        checkpoint();
        checkpointLock.lock();
        try {
            if (log.end() > LogFile.HEADER_BYTES || rewriteHeader) {
                resetLog();
            }
            if (truncate) {
                log.truncateToHeader();
            }
            log.sync();
        } finally {
            checkpointLock.unlock();
        }
    }

    private void resetLog() throws IOException {
        salt = salt + 1 + (ThreadLocalRandom.current().nextInt() & 0xFFFF);
        logResets++;
        log.reset(salt, lastCommitSeq);
        backfilledEnd = LogFile.HEADER_BYTES;
    }

    /** Log size in use: where the next frame goes. */
    long logBytes() {
        return log.end();
    }

    long pageFileBytes() throws IOException {
        return pages.size();
    }

    long checkpoints() {
        return checkpoints;
    }

    long bytesRead() {
        return pageBytesRead.sum() + log.bytesRead();
    }

    long bytesWritten() {
        return pageBytesWritten.sum() + log.bytesWritten();
    }

    LogFile log() {
        return log;
    }

    StoreFile pageFile() {
        return pages;
    }

    /** Closes both files; a checkpoint that starts afterwards does nothing. */
    void close() throws IOException {
        checkpointLock.lock();
        try {
            closed = true;
            writeBehind.close();
            try {
                pages.close();
            } finally {
                log.close();
            }
        } finally {
            checkpointLock.unlock();
        }
    }
}
