package dev.braid.store;

import dev.braid.store.internal.io.FileSystem;
import dev.braid.store.internal.io.StoreFile;
import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * The real file system, except that files opened read-only call a hook before each read: a test
 * makes a writer act at an exact moment of a read-only client's work (between its snapshot and a
 * page read). Thread safe if the hook is.
 */
final class HookedFileSystem implements FileSystem {
    /** Called with the file and offset of each read of a read-only file, before the read. */
    interface ReadHook {
        void beforeRead(Path file, long offset) throws IOException;
    }

    private final FileSystem real = FileSystem.real();
    private volatile ReadHook hook = (file, offset) -> { };

    void hook(ReadHook h) {
        this.hook = h;
    }

    @Override
    public StoreFile openReadOnly(Path path) throws IOException {
        StoreFile f = real.openReadOnly(path);
        return new StoreFile() {
            @Override
            public Path path() {
                return f.path();
            }

            @Override
            public int read(long offset, byte[] buf, int off, int len) throws IOException {
                hook.beforeRead(path, offset);
                return f.read(offset, buf, off, len);
            }

            @Override
            public void write(long offset, byte[] buf, int off, int len) throws IOException {
                f.write(offset, buf, off, len);
            }

            @Override
            public void sync() throws IOException {
                f.sync();
            }

            @Override
            public long size() throws IOException {
                return f.size();
            }

            @Override
            public void truncate(long size) throws IOException {
                f.truncate(size);
            }

            @Override
            public void close() throws IOException {
                f.close();
            }
        };
    }

    @Override
    public StoreFile open(Path path, boolean create) throws IOException {
        return real.open(path, create);
    }

    @Override
    public boolean exists(Path path) {
        return real.exists(path);
    }

    @Override
    public void createDirectories(Path dir) throws IOException {
        real.createDirectories(dir);
    }

    @Override
    public void syncDirectory(Path dir) throws IOException {
        real.syncDirectory(dir);
    }

    @Override
    public void move(Path from, Path to) throws IOException {
        real.move(from, to);
    }

    @Override
    public void delete(Path path) throws IOException {
        real.delete(path);
    }

    @Override
    public List<Path> list(Path dir) throws IOException {
        return real.list(dir);
    }

    @Override
    public Closeable tryLock(Path lockFile) throws IOException {
        return real.tryLock(lockFile);
    }
}
