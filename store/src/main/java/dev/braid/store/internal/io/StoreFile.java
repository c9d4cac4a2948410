package dev.braid.store.internal.io;

import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Path;

/**
 * One open file of a store: positional reads and writes, fsync, size. The seam between the engine
 * and the operating system; {@link FileSystem#real()} gives the real one and tests substitute a
 * fault-injecting one. Implementations must allow concurrent positional reads with one writer.
 */
public interface StoreFile extends Closeable {
    /** An empty, read-only stand-in for a file that does not exist (for read-only clients). */
    static StoreFile absent(Path path) {
        return ReadOnlyFile.absent(path);
    }

    /** The path this file was opened with (used in error messages). */
    Path path();

    /**
     * Reads up to {@code len} bytes at {@code offset} into {@code buf}. Returns the number of bytes
     * read, which is less than {@code len} only at the end of the file.
     */
    int read(long offset, byte[] buf, int off, int len) throws IOException;

    /** Writes all {@code len} bytes at {@code offset}, extending the file if needed. */
    void write(long offset, byte[] buf, int off, int len) throws IOException;

    /** Makes every write so far durable (fsync). */
    void sync() throws IOException;

    /** Current length in bytes. */
    long size() throws IOException;

    /** Cuts or extends the file to {@code size} bytes. */
    void truncate(long size) throws IOException;
}
