package dev.braid.store.internal.engine;

import dev.braid.store.BraidException;
import dev.braid.store.BraidOptions;
import dev.braid.store.CorruptionException;
import dev.braid.store.internal.btree.BTree;
import dev.braid.store.internal.io.FileSystem;
import dev.braid.store.internal.io.StoreFile;
import dev.braid.store.internal.mergetree.WriteBuffer;
import dev.braid.store.internal.page.HeaderPage;
import dev.braid.store.internal.page.Pager;
import dev.braid.store.internal.wal.LogFile;
import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One committed state of a store, assembled in memory for a read-only client: the page file plus
 * the committed frames of the log, found as recovery finds them, but nothing is written, locked or
 * created (docs/design/read-only.md). It owns its two read-only file handles, a pager (its own ids
 * in the cache), the tree and the segments of that commit.
 *
 * <p>A writer in another process keeps appending to the log, which leaves the snapshot intact; a
 * checkpoint of a newer commit overwrites page-file pages the snapshot may still need, and a log
 * reset reuses the frames it reads. {@link #stillValid} tells whether either has happened, from two
 * small reads (R1: a checkpoint writes page 0 before any other page, R2: a log reset rewrites the
 * log header before any frame). Validity is monotonic: once lost it never comes back.
 *
 * <p>Thread safety: reads may run on many threads at once (as readers of an open store do); the
 * integrity check needs exclusive use (the free list is single-threaded).
 */
final class Snapshot implements Closeable {
    private final Path logPath;
    private final FileSystem fs;
    private final StoreFile pages;
    private final StoreFile log;
    private final boolean logAbsent;
    private final int pageSize;
    /** The log header as read before the scan (fewer bytes when short, none when absent): R2. */
    private final byte[] logHeader;
    /** Page 0 of the page file as read after the scan, and its commit sequence (-1: did not decode): R1. */
    private final byte[] pageFileHeader;
    private final long pageFileSeq;
    final HeaderPage header;
    final Map<String, String> metadata;
    /** The commit this snapshot reads: the image commit's, or the last record commit's after it. */
    final long commitSeq;
    final Storage storage;
    final Pager pager;
    final BTree tree;
    final SegmentSet segs;
    final ReadPath readPath;
    final long logFrames;

    private Snapshot(Taken t, Recovery.Opened o, SegmentSet segs, long logFrames, Replayed r) {
        this.logPath = t.logPath;
        this.fs = t.fs;
        this.pages = t.pages;
        this.log = t.log;
        this.logAbsent = t.logAbsent;
        this.pageSize = t.pageSize;
        this.logHeader = t.logHeader;
        this.pageFileHeader = t.pageFileHeader;
        this.pageFileSeq = t.pageFileSeq;
        this.header = o.header();
        this.metadata = r == null ? o.metadata() : r.metadata();
        this.commitSeq = r == null ? o.header().commitSeq : r.seq();
        this.storage = o.storage();
        this.pager = o.pager();
        this.tree = o.tree();
        this.segs = segs;
        this.readPath = new ReadPath(o.tree(), r == null ? new WriteBuffer() : r.writes(), segs);
        this.logFrames = logFrames;
    }

    /** What {@link #take} has read so far; its files are closed unless a snapshot takes them over. */
    private static final class Taken {
        final BraidOptions opts;
        final FileSystem fs;
        final Path logPath;
        StoreFile pages;
        StoreFile log;
        boolean logAbsent;
        int pageSize;
        byte[] logHeader;
        byte[] pageFileHeader;
        long pageFileSeq = -1;

        Taken(BraidOptions opts, Path logPath) {
            this.opts = opts;
            this.fs = opts.fileSystem();
            this.logPath = logPath;
        }

        void closeFiles() {
            for (StoreFile f : new StoreFile[] {pages, log}) {
                if (f != null) {
                    try {
                        f.close();
                    } catch (IOException ignored) {
                        // nothing was written; the error that got us here is the one to report
                    }
                }
            }
        }
    }

    /**
     * Reads the last commit of the store in {@code dir}. Returns null when the writer moved the
     * files on while it was being read (a race: take another); throws when the files are damaged,
     * foreign or unreadable and stayed unchanged while they were read.
     */
    static Snapshot take(Path dir, BraidOptions opts) throws IOException {
        FileSystem fs = opts.fileSystem();
        Path pagesPath = dir.resolve(Recovery.PAGE_FILE);
        if (!fs.exists(pagesPath)) {
            throw new BraidException("no Braid store in " + dir);
        }
        Taken t = new Taken(opts, dir.resolve(Recovery.LOG_FILE));
        try {
            t.pages = fs.openReadOnly(pagesPath);
            t.pageSize = Recovery.pageSizeOf(t.pages); // identity: never changes, so errors are real
            t.logAbsent = !fs.exists(t.logPath);
            t.log = t.logAbsent ? StoreFile.absent(t.logPath) : fs.openReadOnly(t.logPath);
            t.logHeader = readLogHeader(t.log);
            Snapshot s;
            try {
                s = assemble(t);
            } catch (IOException | RuntimeException e) {
                if (changedSince(t)) {
                    t.closeFiles();
                    return null;
                }
                throw e;
            }
            if (s == null || !s.stillValid()) {
                if (s != null) {
                    s.close();
                } else {
                    t.closeFiles();
                }
                return null;
            }
            return s;
        } catch (IOException | RuntimeException e) {
            t.closeFiles();
            throw e;
        }
    }

    /** The recovery scan, in memory: log frames, header page, tree, metadata, manifest (reads only). */
    private static Snapshot assemble(Taken t) throws IOException {
        LogFile.Recovered rec = LogFile.recover(t.log, t.pageSize);
        t.pageFileHeader = readPageZero(t.pages, t.pageSize);
        HeaderPage fileHeader = decode(t.pageFileHeader);
        t.pageFileSeq = fileHeader == null ? -1 : fileHeader.commitSeq;
        HeaderPage h;
        if (rec.lastCommitImage() == null) {
            if (fileHeader == null) {
                throw new CorruptionException(t.pages.path(), 0, "header page is damaged");
            }
            h = fileHeader;
        } else {
            h = decode(rec.lastCommitImage());
            if (h == null) {
                throw new CorruptionException(t.log.path(), rec.lastCommitOffset(), "header page is damaged");
            }
        }
        if (h.commitSeq < rec.checkpointedSeq()) { // L4: a stale header page
            throw new CorruptionException(t.pages.path(), 0, "header page is at commit " + h.commitSeq
                    + " but the log records that the page file reached commit " + rec.checkpointedSeq());
        }
        if (t.pageFileSeq > h.commitSeq) {
            return null; // a checkpoint of a commit the scan did not see has begun: pages may be mixed
        }
        Storage storage = new Storage(t.pages, rec.log(), t.pageSize, rec.log().salt());
        Recovery.Opened o = Recovery.assemble(storage, t.opts, h);
        SegmentSet segs = new SegmentSet(o.pager(), storage, o.tree(), new ReentrantLock());
        Replayed r = null;
        if (rec.hasRecords()) {
            try {
                r = replay(rec);
            } catch (IOException | RuntimeException e) {
                segs.close();
                o.pager().release();
                throw e;
            }
        }
        Snapshot s = new Snapshot(t, o, segs, rec.frames(), r);
        try {
            segs.loadForReading(h);
        } catch (IOException | RuntimeException e) {
            s.release();
            throw e;
        }
        return s;
    }

    /** The writes of the record commits after the image commit, as the newest layer of the reads. */
    private record Replayed(WriteBuffer writes, Map<String, String> metadata, long seq) {
    }

    /**
     * Reads the record commits that follow the image commit into a write buffer (their writes are the
     * newest: none of their keys is in a segment, docs/design/durability.md) with the last one's
     * metadata. The records are bounded by the writer's limit on them (at most {@code maxLogBytes}).
     */
    private static Replayed replay(LogFile.Recovered rec) throws IOException {
        WriteBuffer wb = new WriteBuffer();
        byte[][] meta = {null};
        RecordReplay.run(rec.log(), rec.recordFrames(), new RecordReplay.Visitor() {
            @Override
            public void put(byte[] key, byte[] value) {
                wb.put(key, value);
            }

            @Override
            public void delete(byte[] key) {
                wb.delete(key);
            }

            @Override
            public void commit(byte[] metaBytes) {
                meta[0] = metaBytes;
            }
        });
        long at = rec.recordFrames().get(rec.recordFrames().size() - 1);
        if (meta[0] == null) {
            throw new CorruptionException(rec.log().file().path(), at, "record commits carry no commit record");
        }
        try {
            return new Replayed(wb, Map.copyOf(MetadataCodec.decode(meta[0])), rec.lastRecordSeq());
        } catch (IllegalStateException e) {
            throw new CorruptionException(rec.log().file().path(), at, "record commit metadata is malformed: "
                    + e.getMessage());
        }
    }

    /**
     * Whether this snapshot still reads its commit exactly: the log header is unchanged (no reset, so
     * every frame it indexed is still in place: R2) and page 0 of the page file is at or below the
     * snapshot's commit (no checkpoint of a newer commit has begun: R1). Two reads; thread safe.
     */
    boolean stillValid() throws IOException {
        if (logAbsent ? fs.exists(logPath) : !Arrays.equals(readLogHeader(log), logHeader)) {
            return false;
        }
        byte[] now = readPageZero(pages, pageSize);
        if (pageFileSeq < 0) {
            return Arrays.equals(now, pageFileHeader); // undecodable when taken: any change counts
        }
        HeaderPage h = decode(now);
        return h != null && h.commitSeq >= pageFileSeq && h.commitSeq <= header.commitSeq;
    }

    /** Whether the files a failed {@link #take} read have changed since, so the failure may be a race. */
    private static boolean changedSince(Taken t) throws IOException {
        if (t.logAbsent ? t.fs.exists(t.logPath) : !Arrays.equals(readLogHeader(t.log), t.logHeader)) {
            return true;
        }
        return t.pageFileHeader != null && !Arrays.equals(readPageZero(t.pages, t.pageSize), t.pageFileHeader);
    }

    private static byte[] readLogHeader(StoreFile log) throws IOException {
        byte[] h = new byte[LogFile.HEADER_BYTES];
        int n = log.read(0, h, 0, h.length);
        return n == h.length ? h : Arrays.copyOf(h, Math.max(n, 0));
    }

    private static byte[] readPageZero(StoreFile pages, int pageSize) throws IOException {
        byte[] b = new byte[pageSize];
        int n = pages.read(0, b, 0, pageSize);
        return n == pageSize ? b : Arrays.copyOf(b, Math.max(n, 0));
    }

    /** The header page in {@code image}, or null when it is short, fails its checksum or is out of range. */
    private static HeaderPage decode(byte[] image) {
        if (!HeaderPage.checksumOk(image) || HeaderPage.identityProblem(image) != null) {
            return null;
        }
        return HeaderPage.decode(image);
    }

    /** Releases the cache share and closes the files. Idempotent. */
    @Override
    public void close() {
        release();
        try {
            pages.close();
        } catch (IOException ignored) {
            // read-only handles: nothing to lose
        }
        try {
            log.close();
        } catch (IOException ignored) {
            // read-only handles: nothing to lose
        }
    }

    private void release() {
        segs.close();
        pager.release();
    }
}
