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
                  byte[] metadataBytes) {
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
            if (!fs.exists(pagesPath) && !opts.createIfMissing()) {
                throw new BraidException("no Braid store in " + dir);
            }
            pages = fs.open(pagesPath, opts.createIfMissing());
            if (pages.size() == 0) {
                if (!opts.createIfMissing()) {
                    throw new BraidException("no Braid store in " + dir);
                }
                refuseForeignLog(fs, logPath);
                logFile = fs.open(logPath, true);
                return create(fs, dir, opts, pages, logFile);
            }
            byte[] head = new byte[16];
            int n = pages.read(0, head, 0, 16);
            String problem = HeaderPage.identityProblem(n < 16 ? new byte[0] : head);
            if (problem != null) {
                throw new IncompatibleFormatException(pagesPath + ": " + problem);
            }
            int pageSize = HeaderPage.pageSizeOf(head);
            if (pageSize < BraidOptions.MIN_PAGE_SIZE || pageSize > BraidOptions.MAX_PAGE_SIZE
                    || Integer.bitCount(pageSize) != 1) {
                throw new CorruptionException(pagesPath, 12, "invalid page size " + pageSize);
            }
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
                headerOffset = -1;
            }
            HeaderPage header = HeaderPage.checksumOk(headerImage) && HeaderPage.identityProblem(headerImage) == null
                    ? HeaderPage.decode(headerImage) : null;
            if (header == null) {
                throw new CorruptionException(headerFile, headerOffset, "header page is damaged");
            }
            long salt = rec.headerDamaged() ? ThreadLocalRandom.current().nextLong() : rec.log().salt();
            Storage storage = new Storage(pages, rec.log(), pageSize, salt);
            storage.checkpointAndReset(false, rec.headerDamaged());
            if (rec.frames() > 0) {
                LOG.info("recovered {} at commit {} ({} log frames)", dir, header.commitSeq, rec.frames());
            }
            return assemble(storage, opts, header);
        } catch (IOException | RuntimeException e) {
            closeQuietly(pages);
            closeQuietly(logFile);
            throw e;
        }
    }

    private static void refuseForeignLog(FileSystem fs, Path logPath) throws IOException {
        if (!fs.exists(logPath)) {
            return;
        }
        try (StoreFile f = fs.open(logPath, false)) {
            byte[] head = new byte[8];
            int n = f.read(0, head, 0, 8);
            if (n == 8 && !java.util.Arrays.equals(head, LogFile.MAGIC)) {
                throw new IncompatibleFormatException(logPath + " is not a Braid log (bad magic)");
            }
        }
    }

    private static Opened create(FileSystem fs, Path dir, BraidOptions opts, StoreFile pages, StoreFile logFile)
            throws IOException {
        int pageSize = opts.pageSizeBytes();
        PageIo.Image root = BTree.emptyRootImage(1, pageSize);
        HeaderPage h = new HeaderPage(pageSize);
        h.pageCount = 2;
        h.rootPage = 1;
        h.rootCrc = Crc.of(root.bytes());
        byte[] image = new byte[2 * pageSize];
        System.arraycopy(h.encode(), 0, image, 0, pageSize);
        System.arraycopy(root.bytes(), 0, image, pageSize, pageSize);
        pages.write(0, image, 0, image.length);
        pages.sync();
        long salt = ThreadLocalRandom.current().nextLong();
        LogFile log = LogFile.create(logFile, pageSize, salt);
        fs.syncDirectory(dir);
        return assemble(new Storage(pages, log, pageSize, salt), opts, h);
    }

    private static Opened assemble(Storage storage, BraidOptions opts, HeaderPage h) throws IOException {
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
        return new Opened(storage, pager, tree, h, Map.copyOf(meta), metaBytes);
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
