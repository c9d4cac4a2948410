package dev.braid.store.internal.io;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/** {@link FileSystem} over {@code java.nio} file channels. Stateless and thread safe. */
final class RealFileSystem implements FileSystem {
    static final RealFileSystem INSTANCE = new RealFileSystem();

    private RealFileSystem() {
    }

    @Override
    public StoreFile open(Path path, boolean create) throws IOException {
        FileChannel ch = create
                ? FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE, StandardOpenOption.CREATE)
                : FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE);
        return new ChannelFile(path, ch);
    }

    /** A channel opened for reading only: the operating system refuses any write through it. */
    @Override
    public StoreFile openReadOnly(Path path) throws IOException {
        return new ReadOnlyFile(new ChannelFile(path, FileChannel.open(path, StandardOpenOption.READ)));
    }

    @Override
    public boolean exists(Path path) {
        return Files.exists(path);
    }

    @Override
    public void createDirectories(Path dir) throws IOException {
        Files.createDirectories(dir);
    }

    @Override
    public void syncDirectory(Path dir) throws IOException {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException e) {
            // Some platforms cannot open a directory for fsync; the rename is still atomic there.
            if (!String.valueOf(e.getMessage()).contains("Is a directory")) {
                throw e;
            }
        }
    }

    @Override
    public void move(Path from, Path to) throws IOException {
        Files.move(from, to, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }

    @Override
    public void delete(Path path) throws IOException {
        Files.deleteIfExists(path);
    }

    @Override
    public List<Path> list(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(Path::getFileName).collect(Collectors.toList());
        }
    }

    @Override
    public Closeable tryLock(Path lockFile) throws IOException {
        FileChannel ch = FileChannel.open(lockFile, StandardOpenOption.READ, StandardOpenOption.WRITE,
                StandardOpenOption.CREATE);
        FileLock lock;
        try {
            lock = ch.tryLock();
        } catch (OverlappingFileLockException e) {
            lock = null; // held by this JVM
        }
        if (lock == null) {
            ch.close();
            return null;
        }
        FileLock held = lock;
        return () -> {
            try {
                held.release();
            } finally {
                ch.close();
            }
        };
    }

    /** A {@link StoreFile} over one {@link FileChannel}. */
    private static final class ChannelFile implements StoreFile {
        private final Path path;
        private final FileChannel ch;

        ChannelFile(Path path, FileChannel ch) {
            this.path = path;
            this.ch = ch;
        }

        @Override
        public Path path() {
            return path;
        }

        @Override
        public int read(long offset, byte[] buf, int off, int len) throws IOException {
            ByteBuffer bb = ByteBuffer.wrap(buf, off, len);
            int total = 0;
            while (bb.hasRemaining()) {
                int n = ch.read(bb, offset + total);
                if (n < 0) {
                    break;
                }
                total += n;
            }
            return total;
        }

        @Override
        public void write(long offset, byte[] buf, int off, int len) throws IOException {
            ByteBuffer bb = ByteBuffer.wrap(buf, off, len);
            long pos = offset;
            while (bb.hasRemaining()) {
                pos += ch.write(bb, pos);
            }
        }

        @Override
        public void sync() throws IOException {
            ch.force(false);
        }

        @Override
        public long size() throws IOException {
            return ch.size();
        }

        @Override
        public void truncate(long size) throws IOException {
            if (size < ch.size()) {
                ch.truncate(size);
            } else if (size > ch.size()) {
                ch.write(ByteBuffer.allocate(1), size - 1);
            }
        }

        @Override
        public void close() throws IOException {
            ch.close();
        }
    }
}
