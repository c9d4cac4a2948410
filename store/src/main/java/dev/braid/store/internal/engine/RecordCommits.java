package dev.braid.store.internal.engine;

import dev.braid.store.BraidOptions;
import dev.braid.store.CorruptionException;
import dev.braid.store.internal.mergetree.WriteBuffer;
import dev.braid.store.internal.page.Pager;
import java.io.IOException;
import java.util.List;
import java.util.Map;

/**
 * The engine's policy for record commits (docs/design/durability.md): when a commit may be one,
 * when record commits are written out as an image commit of the same sequence, and recovery's replay
 * of those a crash left in the log. Writer only, under the store's write lock (or at open).
 */
final class RecordCommits {
    /** One write applied as the writer applies it (W1 routing included). */
    @FunctionalInterface
    interface Apply {
        void apply(byte[] key, byte[] value, boolean blind) throws IOException;
    }

    /** A step that may write. */
    @FunctionalInterface
    interface Step {
        void run() throws IOException;
    }

    private final BraidOptions opts;
    private final Pager pager;
    private final WriteBuffer buffer;
    private final SegmentSet segs;
    private final Committer committer;
    private final Storage storage;
    private final long spillLimitBytes;

    RecordCommits(BraidOptions opts, Pager pager, WriteBuffer buffer, SegmentSet segs, Committer committer,
                  Storage storage, long spillLimitBytes) {
        this.opts = opts;
        this.pager = pager;
        this.buffer = buffer;
        this.segs = segs;
        this.committer = committer;
        this.storage = storage;
        this.spillLimitBytes = spillLimitBytes;
        committer.records().setMore(() -> !pager.unrecordedChanges()
                && committer.records().bytesSinceImage() <= recordLimit());
    }

    /**
     * The most record bytes since the last image commit that a record commit may follow: the larger
     * of {@code checkpointLogBytes} and half the dirty pages' memory charge (what the image commit
     * will write), and never more than {@code maxLogBytes}. It bounds recovery's replay, and the
     * log's records.
     */
    private long recordLimit() {
        return Math.min(opts.maxLogBytes(), Math.max(opts.checkpointLogBytes(), pager.dirtyBytes() / 2));
    }

    /**
     * Whether this commit may be a record commit: every page change since the last image commit came
     * from a recorded tree write, the merge-tree has nothing to commit, the records since the image
     * commit stay within {@link #recordLimit()}, and the log within {@code maxLogBytes} (then it
     * passes that bound by at most this commit's records and the image commit that follows, which
     * writes the pages changed since the last one: at most what the memory budget holds).
     */
    boolean allowed() {
        if (!opts.recordCommits() || pager.unrecordedChanges() || !buffer.isEmpty() || segs.hasChanges()) {
            return false;
        }
        return committer.records().bytesSinceImage() <= recordLimit() && storage.logBytes() <= opts.maxLogBytes();
    }

    /**
     * Writes the record commits since the last image commit as an image commit of the same sequence
     * and metadata ({@code meta}, the last commit's), when nothing was written since the last commit
     * ({@code userDirty} false, buffer empty). Returns whether no record commit is left pending.
     */
    boolean writeAsImage(boolean userDirty, Map<String, String> meta) throws IOException {
        if (committer.records().recordCommitsSinceImage() == 0) {
            return true;
        }
        if (userDirty || !buffer.isEmpty()) {
            return false; // the dirty pages hold uncommitted writes too
        }
        committer.commit(meta, segs::placeManifest, true);
        return true;
    }

    /**
     * Recovery's second half when record commits follow the last image commit: their writes are
     * applied again, in order, through {@code apply}, then {@code atCommit} settles the write buffer,
     * and the result is written as an image commit of the last record commit's sequence and metadata;
     * only then is the log emptied. A crash during the replay leaves the records in the log for the
     * next open. Returns the metadata.
     */
    Map<String, String> replay(List<Long> frames, long lastSeq, Apply apply, Step atCommit) throws IOException {
        byte[][] meta = {null};
        committer.records().setSuspended(true);
        RecordReplay.run(storage.log(), frames, new RecordReplay.Visitor() {
            @Override
            public void put(byte[] key, byte[] value) throws IOException {
                apply.apply(key, value, false);
                pager.maybeSpill(spillLimitBytes);
            }

            @Override
            public void delete(byte[] key) throws IOException {
                apply.apply(key, null, false);
                pager.maybeSpill(spillLimitBytes);
            }

            @Override
            public void commit(byte[] metaBytes) {
                meta[0] = metaBytes;
            }
        });
        committer.records().setSuspended(false);
        long at = frames.get(frames.size() - 1);
        if (meta[0] == null) {
            throw new CorruptionException(storage.log().file().path(), at, "record commits carry no commit record");
        }
        Map<String, String> m;
        try {
            m = Map.copyOf(MetadataCodec.decode(meta[0]));
        } catch (IllegalStateException e) {
            throw new CorruptionException(storage.log().file().path(), at, "record commit metadata is malformed: "
                    + e.getMessage());
        }
        atCommit.run();
        committer.replayedTo(lastSeq);
        committer.commit(m, segs::placeManifest, true);
        storage.checkpointAndReset(false, false);
        return m;
    }
}
