package dev.braid.store.internal.io;

import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * Directory-level operations a store needs, behind an interface so that tests can simulate
 * crashes, torn writes, I/O errors and a full disk. Thread safe.
 */
public interface FileSystem {
    /** The operating system's file system. */
    static FileSystem real() {
        return RealFileSystem.INSTANCE;
    }

    /** Opens {@code path} for reading and writing, creating it when {@code create} is true. */
    StoreFile open(Path path, boolean create) throws IOException;

    /**
     * Opens an existing {@code path} for positional reads only, for read-only clients: writing,
     * syncing or truncating through the result fails, so such a client cannot change a store even
     * by mistake. The default wraps {@link #open(Path, boolean) open(path, false)}.
     */
    default StoreFile openReadOnly(Path path) throws IOException {
        return new ReadOnlyFile(open(path, false));
    }

    boolean exists(Path path);

    /** Creates the directory and its parents if missing. */
    void createDirectories(Path dir) throws IOException;

    /** Makes the directory's entries (file creations, renames) durable. */
    void syncDirectory(Path dir) throws IOException;

    /** Renames {@code from} to {@code to} atomically, replacing nothing. */
    void move(Path from, Path to) throws IOException;

    void delete(Path path) throws IOException;

    /** The names of the entries of {@code dir}, in no particular order. */
    List<Path> list(Path dir) throws IOException;

    /**
     * Takes an exclusive lock on {@code lockFile} (created if missing) for this process. Returns
     * null when another holder has it. Closing the result releases the lock.
     */
    Closeable tryLock(Path lockFile) throws IOException;
}
