package dev.braid.store.internal.engine;

import dev.braid.store.Durability;
import dev.braid.store.internal.btree.BTree;
import dev.braid.store.internal.btree.BlobRef;
import dev.braid.store.internal.page.FreeList;
import dev.braid.store.internal.page.HeaderPage;
import dev.braid.store.internal.page.PageIo;
import dev.braid.store.internal.page.Pager;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * The commit flow: metadata first (it may allocate or free pages), then the tree's dirty pages
 * sealed bottom-up, then the free list's head trunk (after every allocation and free), then the new
 * header page as the commit frame; one append, and an fsync in {@link Durability#FULL} mode.
 * Writer only, under the store's write lock.
 */
final class Committer {
    /** Pages a commit encodes before it appends them to the log as frames of the transaction. */
    private static final int CHUNK_PAGES = 2048;

    private final Storage storage;
    private final Pager pager;
    private final BTree tree;
    private final Durability durability;
    private final RecordLog records;
    private volatile HeaderPage committed; // the last image commit
    private volatile long lastSeq; // the last commit of either kind; read by other threads
    private byte[] committedMetaBytes;

    Committer(Storage storage, Pager pager, BTree tree, Durability durability, HeaderPage committed,
            byte[] committedMetaBytes) {
        this.storage = storage;
        this.pager = pager;
        this.tree = tree;
        this.durability = durability;
        this.committed = committed;
        this.committedMetaBytes = committedMetaBytes;
        this.records = new RecordLog(storage, Math.max(64, pager.pageSize() / 4));
        this.lastSeq = committed.commitSeq;
        storage.setTransactionSeq(committed.commitSeq + 1);
        storage.setCommittedPageCount(committed.pageCount);
    }

    /** The header of the last image commit (the page file's state once checkpointed). */
    HeaderPage committedHeader() {
        return committed;
    }

    /** The sequence of the last commit, image or record commit. */
    long lastSeq() {
        return lastSeq;
    }

    RecordLog records() {
        return records;
    }

    /** Recovery replayed record commits up to {@code seq} over the image commit. */
    void replayedTo(long seq) {
        lastSeq = seq;
    }

    /**
     * A record commit: the open transaction's records and {@code meta} appended as record frames, an
     * fsync in {@link Durability#FULL} mode; no page is written. Returns the new commit sequence.
     */
    long commitRecords(Map<String, String> meta) throws IOException {
        byte[] metaBytes = MetadataCodec.encode(meta);
        long seq = lastSeq + 1;
        records.commit(metaBytes, seq);
        if (durability == Durability.FULL) {
            storage.syncLog();
        }
        lastSeq = seq;
        return seq;
    }

    /** A commit step that fills in part of the new header (it may allocate and free pages). */
    @FunctionalInterface
    interface HeaderStep {
        void fill(HeaderPage committed, HeaderPage next) throws IOException;
    }

    /**
     * Makes the open transaction durable with {@code meta}; {@code manifest} places the merge-tree
     * manifest. Returns the new commit sequence.
     */
    long commit(Map<String, String> meta, HeaderStep manifest) throws IOException {
        return commit(meta, manifest, false);
    }

    /**
     * An image commit; with {@code sameSeq} it takes the sequence of the last (record) commit, whose
     * state it writes out unchanged (at close, and after recovery replayed records).
     */
    long commit(Map<String, String> meta, HeaderStep manifest, boolean sameSeq) throws IOException {
        HeaderPage h = new HeaderPage(pager.pageSize());
        byte[] metaBytes = MetadataCodec.encode(meta);
        placeMetadata(h, metaBytes);
        manifest.fill(committed, h);
        List<PageIo.Image> images = new ArrayList<>();
        tree.seal(img -> {
            images.add(img);
            if (images.size() == CHUNK_PAGES) { // a large commit streams: its images never pile up in memory
                storage.appendUncommitted(images);
                images.clear();
            }
        });
        FreeList fl = pager.freeList();
        PageIo.Image trunk = fl.commitHead();
        if (trunk != null) {
            images.add(trunk);
        }
        h.commitSeq = sameSeq ? lastSeq : lastSeq + 1;
        h.pageCount = pager.pageCount();
        h.rootPage = tree.root();
        h.rootCrc = tree.rootCrc();
        h.freeHead = fl.head();
        h.freeHeadCrc = fl.headCrc();
        h.freeCount = fl.count();
        h.entryCount = tree.count();
        images.add(new PageIo.Image(0, h.encode()));
        storage.appendCommit(images, h.commitSeq, durability == Durability.FULL);
        pager.committed();
        records.imageCommitted();
        committed = h;
        lastSeq = h.commitSeq;
        committedMetaBytes = metaBytes;
        storage.setTransactionSeq(h.commitSeq + 1);
        storage.setCommittedPageCount(h.pageCount);
        return h.commitSeq;
    }

    private void placeMetadata(HeaderPage h, byte[] metaBytes) throws IOException {
        boolean same = Arrays.equals(metaBytes, committedMetaBytes);
        if (metaBytes.length <= HeaderPage.inlineCapacity(pager.pageSize())) {
            if (committed.metaInBlob) {
                tree.blobs().free(new BlobRef(committed.metaBlobPage, committed.metaBlobCrc, committed.metaBlobLength));
            }
            h.inlineMeta = metaBytes;
            return;
        }
        h.metaInBlob = true;
        if (same && committed.metaInBlob) {
            h.metaBlobPage = committed.metaBlobPage;
            h.metaBlobCrc = committed.metaBlobCrc;
            h.metaBlobLength = committed.metaBlobLength;
            return;
        }
        if (committed.metaInBlob) {
            tree.blobs().free(new BlobRef(committed.metaBlobPage, committed.metaBlobCrc, committed.metaBlobLength));
        }
        BlobRef ref = tree.blobs().write(metaBytes);
        h.metaBlobPage = ref.page();
        h.metaBlobCrc = ref.crc();
        h.metaBlobLength = ref.length();
    }
}
