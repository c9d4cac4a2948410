package dev.braid.store.internal.io;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A {@link StoreFile} that only reads: writes, syncs and truncation throw, so a read-only client
 * cannot change a store (see {@link FileSystem#openReadOnly}). {@link #absent} stands for a file
 * that does not exist: empty, and it never appears. Thread safe when the wrapped file is.
 */
final class ReadOnlyFile implements StoreFile {
    private final StoreFile file;
    private final Path path;

    ReadOnlyFile(StoreFile file) {
        this.file = file;
        this.path = file.path();
    }

    private ReadOnlyFile(Path path) {
        this.file = null;
        this.path = path;
    }

    /** An empty, read-only stand-in for {@code path}, which does not exist. */
    static StoreFile absent(Path path) {
        return new ReadOnlyFile(path);
    }

    @Override
    public Path path() {
        return path;
    }

    @Override
    public int read(long offset, byte[] buf, int off, int len) throws IOException {
        return file == null ? 0 : file.read(offset, buf, off, len);
    }

    @Override
    public void write(long offset, byte[] buf, int off, int len) throws IOException {
        throw refused("write");
    }

    @Override
    public void sync() throws IOException {
        throw refused("sync");
    }

    @Override
    public long size() throws IOException {
        return file == null ? 0 : file.size();
    }

    @Override
    public void truncate(long size) throws IOException {
        throw refused("truncate");
    }

    @Override
    public void close() throws IOException {
        if (file != null) {
            file.close();
        }
    }

    private IOException refused(String what) {
        return new IOException("cannot " + what + " " + path + ": opened read-only");
    }
}
