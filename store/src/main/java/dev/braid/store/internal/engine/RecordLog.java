package dev.braid.store.internal.engine;

import dev.braid.store.internal.format.Bytes;
import java.io.IOException;
import java.util.Arrays;
import java.util.function.BooleanSupplier;

/**
 * The writer's side of record commits (docs/design/durability.md, "Record commits"): the tree
 * writes of the open transaction encoded as records, appended to the log as record frames, and the
 * record commit that closes them with the commit's metadata. A record commit leaves the tree's
 * dirty pages in memory; the next image commit writes them and makes every record before it
 * obsolete. Stream format in docs/format/log.md. Writer only, under the store's write lock.
 */
final class RecordLog {
    static final byte PUT = 1;
    static final byte DELETE = 2;
    static final byte COMMIT = 3;
    /** Records are appended to the log as uncommitted frames once this many bytes wait. */
    private static final int FLUSH_BYTES = 1 << 20;

    private final Storage storage;
    private final int maxValueBytes;
    private byte[] buf = new byte[64 << 10];
    private int len;
    private long sinceImage; // record bytes since the last image commit, committed or not
    private long recordCommits; // record commits since the last image commit
    private boolean suspended; // replay: the records being applied are in the log already
    private BooleanSupplier more = () -> true; // whether the policy wants more records before an image commit

    /**
     * @param maxValueBytes the largest value a record carries; a tree write of a larger one is not
     *                      recorded (it is written as pages, and the transaction commits as an image)
     */
    RecordLog(Storage storage, int maxValueBytes) {
        this.storage = storage;
        this.maxValueBytes = maxValueBytes;
    }

    /**
     * Sets the policy's test of whether records are still worth writing: once it fails, the
     * transaction will end in an image commit, so its further writes are not recorded (a hot key
     * updated millions of times between commits must not fill the log with records).
     */
    void setMore(BooleanSupplier more) {
        this.more = more;
    }

    /** Whether a tree write of {@code value} (null: a delete) can be recorded. */
    boolean canRecord(byte[] value) {
        return !suspended && (value == null || value.length <= maxValueBytes) && more.getAsBoolean();
    }

    void put(byte[] key, byte[] value) throws IOException {
        ensure(9 + key.length + value.length);
        buf[len] = PUT;
        Bytes.putInt(buf, len + 1, key.length);
        Bytes.putInt(buf, len + 5, value.length);
        System.arraycopy(key, 0, buf, len + 9, key.length);
        System.arraycopy(value, 0, buf, len + 9 + key.length, value.length);
        added(9 + key.length + value.length);
    }

    void delete(byte[] key) throws IOException {
        ensure(5 + key.length);
        buf[len] = DELETE;
        Bytes.putInt(buf, len + 1, key.length);
        System.arraycopy(key, 0, buf, len + 5, key.length);
        added(5 + key.length);
    }

    private void added(int n) throws IOException {
        len += n;
        sinceImage += n;
        if (len >= FLUSH_BYTES) {
            storage.appendRecords(buf, len, false, 0);
            len = 0;
        }
    }

    private void ensure(int n) {
        if (len + n > buf.length) {
            buf = Arrays.copyOf(buf, Math.max(buf.length * 2, len + n));
        }
    }

    /**
     * Appends the transaction's remaining records and a commit record carrying {@code meta}, the last
     * frame marked as the record commit of sequence {@code seq}. The caller syncs.
     */
    void commit(byte[] meta, long seq) throws IOException {
        ensure(5 + meta.length);
        buf[len] = COMMIT;
        Bytes.putInt(buf, len + 1, meta.length);
        System.arraycopy(meta, 0, buf, len + 5, meta.length);
        len += 5 + meta.length;
        sinceImage += 5 + meta.length;
        storage.appendRecords(buf, len, true, seq);
        len = 0;
        recordCommits++;
        if (buf.length > FLUSH_BYTES * 2) {
            buf = new byte[64 << 10]; // one large value grew it: give the memory back
        }
    }

    /** After an image commit: it holds every write the records describe. */
    void imageCommitted() {
        len = 0;
        sinceImage = 0;
        recordCommits = 0;
    }

    /** Record bytes written since the last image commit (those of the open transaction included). */
    long bytesSinceImage() {
        return sinceImage;
    }

    /** Record commits since the last image commit: the store's last commit is one of them. */
    long recordCommitsSinceImage() {
        return recordCommits;
    }

    /** Stops (or resumes) recording while records already in the log are replayed. */
    void setSuspended(boolean suspended) {
        this.suspended = suspended;
    }
}
