package dev.braid.store.internal.engine;

import dev.braid.store.BraidException;
import dev.braid.store.BraidOptions;
import dev.braid.store.CorruptionException;
import dev.braid.store.IncompatibleFormatException;
import dev.braid.store.internal.btree.BTree;
import dev.braid.store.internal.btree.BlobRef;
import dev.braid.store.internal.format.Crc;
import dev.braid.store.internal.io.FileSystem;
import dev.braid.store.internal.io.StoreFile;
import dev.braid.store.internal.page.FreeList;
import dev.braid.store.internal.page.HeaderPage;
import dev.braid.store.internal.page.PageIo;
import dev.braid.store.internal.page.Pager;
import dev.braid.store.internal.wal.LogFile;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Opening a store directory: creating a new store, or recovering an existing one to its last commit
 * (docs/design/recovery.md). Identity is checked before anything is written, so a foreign or
 * newer-format file is left untouched. After recovery the committed frames are checkpointed and the
 * log is reset, so a store always starts with an empty log.
 */
final class Recovery {
    static final String PAGE_FILE = "braid.pages";
    static final String LOG_FILE = "braid.log";
    static final String LOCK_FILE = "braid.lock";
    private static final Logger LOG = LoggerFactory.getLogger(Recovery.class);

    /** What an opened store is made of. */
    record Opened(Storage storage, Pager pager, BTree tree, HeaderPage header, Map<String, String> metadata,
                  byte[] metadataBytes, List<Long> recordFrames, long lastRecordSeq) {
        /** The same, with the record commits found after its image commit (to be replayed). */
        Opened withRecords(List<Long> frames, long lastSeq) {
            return new Opened(storage, pager, tree, header, metadata, metadataBytes, frames, lastSeq);
        }
    }

    private Recovery() {
    }

    static Opened open(Path dir, BraidOptions opts) throws IOException {
        FileSystem fs = opts.fileSystem();
        Path pagesPath = dir.resolve(PAGE_FILE);
        Path logPath = dir.resolve(LOG_FILE);
        StoreFile pages = null;
        StoreFile logFile = null;
        try {
            if (!fs.exists(pagesPath)) {
                if (!opts.createIfMissing()) {
                    throw new BraidException("no Braid store in " + dir);
                }
                refuseForeignLog(fs, logPath);
                return create(fs, dir, opts);
            }
            pages = fs.open(pagesPath, false);
            int pageSize = pageSizeOf(pages);
            logFile = fs.open(logPath, true);
            LogFile.Recovered rec = LogFile.recover(logFile, pageSize);
            if (rec.headerDamaged() && logFile.size() > 0) {
                LOG.warn("log header of {} is damaged; starting from the page file's last checkpoint", dir);
            }
            byte[] headerImage = rec.lastCommitImage();
            long headerOffset;
            Path headerFile;
            if (headerImage == null) {
                headerImage = new byte[pageSize];
                if (pages.read(0, headerImage, 0, pageSize) < pageSize) {
                    throw new CorruptionException(pagesPath, 0, "page file ends inside its header page");
                }
                headerFile = pagesPath;
                headerOffset = 0;
            } else {
                headerFile = logPath;
                headerOffset = rec.lastCommitOffset();
            }
            HeaderPage header = HeaderPage.checksumOk(headerImage) && HeaderPage.identityProblem(headerImage) == null
                    ? HeaderPage.decode(headerImage) : null;
            if (header == null) {
                throw new CorruptionException(headerFile, headerOffset, "header page is damaged");
            }
            if (header.commitSeq < rec.checkpointedSeq()) { // L4: a stale header page
                throw new CorruptionException(pagesPath, 0, "header page is at commit " + header.commitSeq
                        + " but the log records that the page file reached commit " + rec.checkpointedSeq());
            }
            long salt = rec.headerDamaged() ? ThreadLocalRandom.current().nextLong() : rec.log().salt();
            Storage storage = new Storage(pages, rec.log(), pageSize, salt);
            storage.setTransactionSeq(header.commitSeq + 1);
            if (rec.hasRecords()) {
                // Record commits follow: the log must keep them until their replay is an image commit.
                storage.checkpoint();
            } else {
                storage.checkpointAndReset(false, rec.headerDamaged());
            }
            if (rec.frames() > 0) {
                LOG.info("recovered {} at commit {} ({} log frames, record commits up to {})", dir, header.commitSeq,
                        rec.frames(), rec.hasRecords() ? rec.lastRecordSeq() : "none");
            }
            return assemble(storage, opts, header).withRecords(rec.recordFrames(), rec.lastRecordSeq());
        } catch (IOException | RuntimeException e) {
            closeQuietly(pages);
            closeQuietly(logFile);
            throw e;
        }
    }

    /**
     * The page size of a page file, after checking its identity (the first 16 bytes: magic, format
     * version, page size), which no writer ever changes.
     */
    static int pageSizeOf(StoreFile pages) throws IOException {
        byte[] head = new byte[16];
        int n = pages.read(0, head, 0, 16);
        if (n < 16) {
            throw new CorruptionException(pages.path(), 0, "page file is too short to hold a header");
        }
        String problem = HeaderPage.identityProblem(head);
        if (problem != null) {
            throw new IncompatibleFormatException(pages.path() + ": " + problem);
        }
        int pageSize = HeaderPage.pageSizeOf(head);
        if (pageSize < BraidOptions.MIN_PAGE_SIZE || pageSize > BraidOptions.MAX_PAGE_SIZE
                || Integer.bitCount(pageSize) != 1) {
            throw new CorruptionException(pages.path(), 12, "invalid page size " + pageSize);
        }
        return pageSize;
    }

    /**
     * With no page file, a log can only be left over from a creation that crashed before its rename;
     * anything that is not a (possibly torn) Braid log header is someone else's file.
     */
    private static void refuseForeignLog(FileSystem fs, Path logPath) throws IOException {
        if (!fs.exists(logPath)) {
            return;
        }
        try (StoreFile f = fs.open(logPath, false)) {
            byte[] head = new byte[8];
            int n = f.read(0, head, 0, 8);
            int m = 0;
            while (m < n && head[m] == LogFile.MAGIC[m]) {
                m++;
            }
            for (int i = m; i < n; i++) {
                if (head[i] != 0) {
                    throw new IncompatibleFormatException(logPath + " is not a Braid log (bad magic)");
                }
            }
        }
    }

    /**
     * Creates a store: the page file is written and synced under a temporary name, the log is
     * created, and only then is the page file renamed into place and the directory synced, so a
     * page file, once it exists, is always complete.
     */
    private static Opened create(FileSystem fs, Path dir, BraidOptions opts) throws IOException {
        int pageSize = opts.pageSizeBytes();
        Path tmp = dir.resolve(PAGE_FILE + ".new");
        fs.delete(tmp);
        PageIo.Image root = BTree.emptyRootImage(1, pageSize);
        HeaderPage h = new HeaderPage(pageSize);
        h.pageCount = 2;
        h.rootPage = 1;
        h.rootCrc = Crc.of(root.bytes());
        byte[] image = new byte[2 * pageSize];
        System.arraycopy(h.encode(), 0, image, 0, pageSize);
        System.arraycopy(root.bytes(), 0, image, pageSize, pageSize);
        try (StoreFile f = fs.open(tmp, true)) {
            f.write(0, image, 0, image.length);
            f.sync();
        }
        long salt = ThreadLocalRandom.current().nextLong();
        StoreFile logFile = fs.open(dir.resolve(LOG_FILE), true);
        StoreFile pages = null;
        try {
            LogFile log = LogFile.create(logFile, pageSize, salt);
            fs.move(tmp, dir.resolve(PAGE_FILE));
            fs.syncDirectory(dir);
            pages = fs.open(dir.resolve(PAGE_FILE), false);
            return assemble(new Storage(pages, log, pageSize, salt), opts, h);
        } catch (IOException | RuntimeException e) {
            closeQuietly(logFile);
            closeQuietly(pages);
            throw e;
        }
    }

    /**
     * Builds the free list, pager and tree of commit {@code h} and reads its metadata; reads only
     * (read-only snapshots use it too).
     */
    static Opened assemble(Storage storage, BraidOptions opts, HeaderPage h) throws IOException {
        int pageSize = h.pageSize;
        FreeList freeList = new FreeList(storage, pageSize, h.freeHead, h.freeHeadCrc, h.freeCount);
        Pager pager = new Pager(opts.cache().internal(), storage, pageSize, h.pageCount, freeList);
        BTree tree = new BTree(pager, h.rootPage, h.rootCrc, h.entryCount);
        byte[] metaBytes = h.metaInBlob
                ? tree.blobs().read(new BlobRef(h.metaBlobPage, h.metaBlobCrc, h.metaBlobLength))
                : h.inlineMeta;
        Map<String, String> meta;
        try {
            meta = MetadataCodec.decode(metaBytes);
        } catch (IllegalStateException e) {
            throw storage.corrupt(0, "commit metadata is malformed: " + e.getMessage());
        }
        return new Opened(storage, pager, tree, h, Map.copyOf(meta), metaBytes, List.of(), -1);
    }

    private static void closeQuietly(StoreFile f) {
        if (f != null) {
            try {
                f.close();
            } catch (IOException ignored) {
                // already failing; the first error is the one to report
            }
        }
    }

    static List<String> fileNames() {
        return List.of(PAGE_FILE, LOG_FILE, LOCK_FILE);
    }
}
