package dev.braid.store.internal.io;

import java.io.Closeable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.ClosedChannelException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * An in-memory {@link FileSystem} that simulates process crashes, power loss, torn writes, I/O
 * errors and a full disk, for crash and corruption tests. Nothing touches the real disk.
 *
 * <p>The model:
 * <ol>
 *   <li>Each file (an inode) holds its durable bytes, which survive power loss, and the ordered
 *       list of writes and truncates made since its last {@link StoreFile#sync()}. Reads see the
 *       durable bytes with those applied. A sync makes the file's current content durable.
 *   <li>Directory entries are modelled strictly: creating, renaming or deleting a file changes
 *       what the process sees at once, but survives power loss only after
 *       {@link #syncDirectory(Path)} of its parent. Until then a power loss undoes it. (Directories
 *       themselves are durable as soon as they are created.)
 *   <li>Every write, truncate, file sync and directory sync is a numbered <em>point</em>: 1, 2,
 *       3, ... in call order; {@link #pointCount()} says how many have been reached and
 *       {@link #trace()} what each was. Reads, opens, renames and deletes are not points.
 *   <li>{@link #crashAtPoint(long)}: at that point the operation is not done and
 *       {@link SimulatedCrashException} is thrown; from then on every call on this instance, and on
 *       its files and locks, throws it (the process is dead). {@link #crash(CrashMode, long)}
 *       then gives a new instance holding what a restarted process would find; the cut write may
 *       be torn, depending on the mode.
 *   <li>{@link #crashWhen(Predicate)}: the same, at the first point a test's trigger picks (for
 *       crashes on a background thread, whose points are not reproducible by number);
 *       {@link #beforeFilePoint(Consumer)} lets a test hold a thread just before a point.
 *   <li>{@link #failAtPoint(long, IOException)}: that one operation throws without doing anything;
 *       later ones work.
 *   <li>{@link #diskLimitBytes(long)} caps the total length of all files; a write or extension
 *       past it throws {@code IOException("No space left on device")} and writes nothing.
 * </ol>
 *
 * <p>The helpers {@link #flipBit}, {@link #zero}, {@link #truncateFile}, {@link #overwrite} and
 * {@link #writeFile} edit "the disk" offline: the edited file, all its earlier writes included,
 * and its directory entry are durable afterwards. They are not points.
 *
 * <p>Thread safe: one monitor (this instance) guards all state, the open files' included.
 */
public final class FaultyFileSystem implements FileSystem {
    /** A point as a crash trigger sees it: its number, what it is ("write /d/f @0+1024") and its thread. */
    public record Point(long number, String what, Thread thread) {
        /** Whether it writes or truncates (else it is a file or directory sync). */
        public boolean isWrite() {
            return what.startsWith("write ") || what.startsWith("truncate ");
        }
    }

    /** What a crash keeps of the writes that were not synced. */
    public enum CrashMode {
        /** kill -9: every completed write is kept, synced or not (it is in the OS page cache). */
        PROCESS,
        /** Power loss that drops every unsynced write and every directory change not synced. */
        POWER_LOSS_DROP,
        /**
         * Power loss where each unsynced write is independently kept, dropped or torn (a random
         * prefix of it is kept), and a random prefix of the unsynced directory changes survives.
         */
        POWER_LOSS_RANDOM
    }

    /** The message of the full-disk error, as the operating system words it. */
    public static final String DISK_FULL_MESSAGE = "No space left on device";

    private final Map<Path, Inode> files = new HashMap<>();        // what the process sees
    private final Map<Path, Inode> durableFiles = new HashMap<>(); // what survives power loss
    private final List<NsOp> pendingNs = new ArrayList<>();        // unsynced directory changes, in order
    private final Set<Path> dirs = new HashSet<>();
    private final Set<Path> locks = new HashSet<>();
    private final List<String> trace = new ArrayList<>();
    private final Map<Long, IOException> failures = new HashMap<>();
    private long points;
    private long crashPoint;
    private Predicate<Point> crashTrigger;
    private volatile Consumer<String> beforeFilePoint;
    private long diskLimitBytes = Long.MAX_VALUE;
    private long peakBytes;
    private boolean dead;
    private long cutPoint;  // the point the process died at, if it died at one
    private Op cutOp;       // the write or truncate interrupted by the crash point, if any
    private Inode cutInode;

    public FaultyFileSystem() {
    }

    // ---------------------------------------------------------------- fault configuration

    /** Points reached so far. */
    public synchronized long pointCount() {
        return points;
    }

    /** What each point reached so far was, in order: "12 write /d/braid.log @512+1056". */
    public synchronized List<String> trace() {
        return List.copyOf(trace);
    }

    /** Kills the simulated process when point {@code n} is reached (0 turns it off). */
    public synchronized void crashAtPoint(long n) {
        this.crashPoint = n;
    }

    /**
     * Kills the simulated process at the first point for which {@code trigger} answers true, as
     * {@link #crashAtPoint} does (null turns it off). The trigger sees every point in order, on the
     * thread that reached it, under this instance's monitor: it must be quick and take no locks.
     */
    public synchronized void crashWhen(Predicate<Point> trigger) {
        this.crashTrigger = trigger;
    }

    /**
     * Runs {@code hook} on the calling thread before each write, truncate and sync of a file, outside
     * this instance's monitor, with what the point will be ("write /d/f @0+1024"): a test can make
     * a thread wait there for another one (null turns it off).
     */
    public void beforeFilePoint(Consumer<String> hook) {
        this.beforeFilePoint = hook;
    }

    private void beforeFilePoint(String what) {
        Consumer<String> hook = beforeFilePoint;
        if (hook != null) {
            hook.accept(what);
        }
    }

    /** Makes point {@code n} throw {@code e} without doing anything; later points work. */
    public synchronized void failAtPoint(long n, IOException e) {
        failures.put(n, e);
    }

    /** Caps the total length of all files. */
    public synchronized void diskLimitBytes(long bytes) {
        this.diskLimitBytes = bytes;
    }

    /** Total length of all files now. */
    public synchronized long totalBytes() {
        long total = 0;
        for (Inode f : files.values()) {
            total += f.size;
        }
        return total;
    }

    /** Largest {@link #totalBytes()} seen after any write or truncate. */
    public synchronized long peakBytes() {
        return peakBytes;
    }

    /** Whether a crash point fired or {@link #crash} was called. */
    public synchronized boolean isDead() {
        return dead;
    }

    /**
     * Kills this instance (if still alive) and returns a new one holding what a restarted process
     * finds after a crash of the given kind. May be called again on the dead instance, with any
     * mode: each call starts from the same frozen state. The same seed gives the same result. The
     * new instance has no locks held, no points reached and no disk limit.
     */
    public synchronized FaultyFileSystem crash(CrashMode mode, long seed) {
        dead = true;
        SplittableRandom rnd = new SplittableRandom(seed);
        FaultyFileSystem next = new FaultyFileSystem();
        next.dirs.addAll(dirs);
        switch (mode) {
            case PROCESS -> crashProcess(next, rnd);
            case POWER_LOSS_DROP -> {
                for (Map.Entry<Path, Inode> e : durableFiles.entrySet()) {
                    Inode f = Inode.withContent(e.getValue().durable);
                    next.files.put(e.getKey(), f);
                    next.durableFiles.put(e.getKey(), f);
                }
            }
            case POWER_LOSS_RANDOM -> crashPowerRandom(next, rnd);
        }
        return next;
    }

    private void crashProcess(FaultyFileSystem next, SplittableRandom rnd) {
        IdentityHashMap<Inode, Inode> copies = new IdentityHashMap<>();
        for (Map.Entry<Path, Inode> e : files.entrySet()) {
            next.files.put(e.getKey(), copies.computeIfAbsent(e.getValue(), Inode::copy));
        }
        for (Map.Entry<Path, Inode> e : durableFiles.entrySet()) {
            next.durableFiles.put(e.getKey(), copies.computeIfAbsent(e.getValue(), Inode::copy));
        }
        for (NsOp op : pendingNs) {
            next.pendingNs.add(new NsOp(op.kind, op.from, op.to, copies.computeIfAbsent(op.inode, Inode::copy)));
        }
        if (cutOp != null) {
            // A kill during a write(2) may leave a prefix of it in the page cache.
            Inode f = copies.computeIfAbsent(cutInode, Inode::copy);
            if (cutOp instanceof Write w) {
                int keep = w.bytes.length == 0 ? 0 : rnd.nextInt(w.bytes.length);
                if (keep > 0) {
                    f.apply(new Write(w.offset, Arrays.copyOf(w.bytes, keep)));
                }
            } else if (rnd.nextBoolean()) {
                f.apply(cutOp);
            }
        }
    }

    private void crashPowerRandom(FaultyFileSystem next, SplittableRandom rnd) {
        Map<Path, Inode> names = new HashMap<>(durableFiles);
        int keptNs = rnd.nextInt(pendingNs.size() + 1); // the journal commits directory changes in order
        for (int i = 0; i < keptNs; i++) {
            pendingNs.get(i).applyTo(names);
        }
        IdentityHashMap<Inode, Inode> survivors = new IdentityHashMap<>();
        for (Map.Entry<Path, Inode> e : new TreeMap<>(names).entrySet()) { // sorted: reproducible
            Inode old = e.getValue();
            Inode f = survivors.get(old);
            if (f == null) {
                f = Inode.withContent(old.durable);
                List<Op> unsynced = new ArrayList<>(old.pending);
                if (old == cutInode && cutOp != null) {
                    unsynced.add(cutOp);
                }
                for (Op op : unsynced) {
                    int choice = rnd.nextInt(3); // 0 kept, 1 dropped, 2 torn
                    if (choice == 0 || (choice == 2 && op instanceof Truncate)) {
                        f.apply(op);
                    } else if (choice == 2) {
                        Write w = (Write) op;
                        if (w.bytes.length > 1) {
                            f.apply(new Write(w.offset, Arrays.copyOf(w.bytes, 1 + rnd.nextInt(w.bytes.length - 1))));
                        }
                    }
                }
                f.sync();
                survivors.put(old, f);
            }
            next.files.put(e.getKey(), f);
            next.durableFiles.put(e.getKey(), f);
        }
    }

    // ---------------------------------------------------------------- FileSystem

    @Override
    public synchronized StoreFile open(Path path, boolean create) throws IOException {
        checkAlive();
        Path p = norm(path);
        if (dirs.contains(p)) {
            throw new IOException(p + ": Is a directory");
        }
        Inode f = files.get(p);
        if (f == null) {
            if (!create) {
                throw new NoSuchFileException(p.toString());
            }
            f = createFile(p);
        }
        return new Handle(p, f);
    }

    private Inode createFile(Path p) throws IOException {
        if (p.getParent() == null || !dirs.contains(p.getParent())) {
            throw new NoSuchFileException(p.toString(), null, "parent directory does not exist");
        }
        Inode f = new Inode();
        files.put(p, f);
        pendingNs.add(new NsOp(NsKind.CREATE, null, p, f));
        return f;
    }

    @Override
    public synchronized boolean exists(Path path) {
        if (dead) {
            throw new UncheckedIOException(deadException());
        }
        Path p = norm(path);
        return files.containsKey(p) || dirs.contains(p);
    }

    @Override
    public synchronized void createDirectories(Path dir) throws IOException {
        checkAlive();
        for (Path p = norm(dir); p != null; p = p.getParent()) {
            if (files.containsKey(p)) {
                throw new FileAlreadyExistsException(p.toString(), null, "a file, not a directory");
            }
            dirs.add(p);
        }
    }

    @Override
    public synchronized void syncDirectory(Path dir) throws IOException {
        checkAlive();
        Path d = norm(dir);
        if (!dirs.contains(d)) {
            throw new NoSuchFileException(d.toString());
        }
        point("syncdir " + d);
        for (var it = pendingNs.iterator(); it.hasNext(); ) {
            NsOp op = it.next();
            if (op.affects(d)) {
                op.applyTo(durableFiles);
                it.remove();
            }
        }
    }

    @Override
    public synchronized void move(Path from, Path to) throws IOException {
        checkAlive();
        Path f = norm(from);
        Path t = norm(to);
        Inode inode = files.get(f);
        if (inode == null) {
            throw new NoSuchFileException(f.toString());
        }
        if (files.containsKey(t) || dirs.contains(t)) {
            throw new FileAlreadyExistsException(t.toString());
        }
        if (t.getParent() == null || !dirs.contains(t.getParent())) {
            throw new NoSuchFileException(t.toString(), null, "parent directory does not exist");
        }
        files.remove(f);
        files.put(t, inode);
        pendingNs.add(new NsOp(NsKind.MOVE, f, t, inode));
    }

    @Override
    public synchronized void delete(Path path) throws IOException {
        checkAlive();
        Path p = norm(path);
        Inode f = files.remove(p);
        if (f != null) {
            pendingNs.add(new NsOp(NsKind.DELETE, p, null, f));
        } else if (dirs.contains(p)) {
            for (Path q : files.keySet()) {
                if (p.equals(q.getParent())) {
                    throw new IOException(p + ": Directory not empty");
                }
            }
            for (Path q : dirs) {
                if (p.equals(q.getParent())) {
                    throw new IOException(p + ": Directory not empty");
                }
            }
            dirs.remove(p);
        }
    }

    @Override
    public synchronized List<Path> list(Path dir) throws IOException {
        checkAlive();
        Path d = norm(dir);
        if (!dirs.contains(d)) {
            throw new NoSuchFileException(d.toString());
        }
        List<Path> names = new ArrayList<>();
        for (Path p : files.keySet()) {
            if (d.equals(p.getParent())) {
                names.add(p.getFileName());
            }
        }
        for (Path p : dirs) {
            if (d.equals(p.getParent())) {
                names.add(p.getFileName());
            }
        }
        return names;
    }

    @Override
    public synchronized Closeable tryLock(Path lockFile) throws IOException {
        checkAlive();
        Path p = norm(lockFile);
        if (!files.containsKey(p)) {
            createFile(p);
        }
        if (!locks.add(p)) {
            return null;
        }
        return new Closeable() {
            private boolean released;

            @Override
            public void close() throws IOException {
                synchronized (FaultyFileSystem.this) {
                    checkAlive();
                    if (!released) {
                        released = true;
                        locks.remove(p);
                    }
                }
            }
        };
    }

    // ---------------------------------------------------------------- offline edits for tests

    /** The current content of {@code path} (also on a dead instance: what the process last saw). */
    public synchronized byte[] bytes(Path path) {
        return readable(path).content();
    }

    /** {@code len} bytes of {@code path} from {@code offset} (fewer at the end of the file). */
    public synchronized byte[] range(Path path, long offset, int len) {
        Inode f = readable(path);
        int from = (int) Math.min(offset, f.size);
        return Arrays.copyOfRange(f.data, from, (int) Math.min((long) from + len, f.size));
    }

    /** Current length of {@code path}. */
    public synchronized long fileSize(Path path) {
        return readable(path).size;
    }

    /** Inverts one bit: bit {@code bitOffset % 8} of byte {@code bitOffset / 8}. */
    public synchronized void flipBit(Path path, long bitOffset) {
        Inode f = existing(path);
        long byteOffset = bitOffset >>> 3;
        if (byteOffset >= f.size) {
            throw new IllegalArgumentException("bit " + bitOffset + " is past the end of " + path);
        }
        f.data[(int) byteOffset] ^= (byte) (1 << (bitOffset & 7));
        persist(path, f);
    }

    /** Sets {@code len} bytes from {@code offset} to zero (clipped to the file's length). */
    public synchronized void zero(Path path, long offset, int len) {
        Inode f = existing(path);
        int from = (int) Math.min(offset, f.size);
        int to = (int) Math.min(offset + len, f.size);
        Arrays.fill(f.data, from, to, (byte) 0);
        persist(path, f);
    }

    /** Cuts or zero-extends {@code path} to {@code size} bytes. */
    public synchronized void truncateFile(Path path, long size) {
        Inode f = existing(path);
        f.apply(new Truncate(size));
        persist(path, f);
    }

    /** Writes {@code data} at {@code offset}, extending the file if needed. */
    public synchronized void overwrite(Path path, long offset, byte[] data) {
        Inode f = existing(path);
        f.apply(new Write(offset, data.clone()));
        persist(path, f);
    }

    /** Creates or replaces {@code path} (and its parent directories) with {@code content}. */
    public synchronized void writeFile(Path path, byte[] content) {
        checkAliveUnchecked();
        Path p = norm(path);
        for (Path d = p.getParent(); d != null; d = d.getParent()) {
            dirs.add(d);
        }
        Inode f = Inode.withContent(content);
        files.put(p, f);
        persist(p, f);
    }

    private Inode existing(Path path) {
        checkAliveUnchecked();
        return readable(path);
    }

    private Inode readable(Path path) {
        Inode f = files.get(norm(path));
        if (f == null) {
            throw new IllegalArgumentException("no such file: " + path);
        }
        return f;
    }

    private void persist(Path path, Inode f) {
        f.sync();
        Path p = norm(path);
        durableFiles.put(p, f);
        pendingNs.removeIf(op -> p.equals(op.to) || p.equals(op.from));
    }

    // ---------------------------------------------------------------- internals

    private static Path norm(Path p) {
        return p.toAbsolutePath().normalize();
    }

    private void checkAlive() throws SimulatedCrashException {
        if (dead) {
            throw deadException();
        }
    }

    private void checkAliveUnchecked() {
        if (dead) {
            throw new IllegalStateException("this FaultyFileSystem has crashed; use the one crash() returned");
        }
    }

    private SimulatedCrashException deadException() {
        return new SimulatedCrashException("simulated crash: the process is dead (crash point "
                + (cutPoint > 0 ? cutPoint : "none") + ")");
    }

    /** Numbers the operation; crashes or fails it when it is the chosen one. */
    private void point(String what, Inode target, Op op) throws IOException {
        long n = ++points;
        trace.add(n + " " + what);
        Predicate<Point> trigger = crashTrigger;
        if (n == crashPoint || (trigger != null && trigger.test(new Point(n, what, Thread.currentThread())))) {
            dead = true;
            cutPoint = n;
            cutInode = target;
            cutOp = op;
            throw new SimulatedCrashException("simulated crash at point " + n + " (" + what + ")");
        }
        IOException injected = failures.remove(n);
        if (injected != null) {
            throw injected;
        }
    }

    private void point(String what) throws IOException {
        point(what, null, null);
    }

    private void checkSpace(Inode f, long newSize) throws IOException {
        long growth = newSize - f.size;
        if (growth > 0 && totalBytes() + growth > diskLimitBytes) {
            throw new IOException(DISK_FULL_MESSAGE);
        }
    }

    /** One open file: a path and the inode it named when opened (it survives a later rename). */
    private final class Handle implements StoreFile {
        private final Path path;
        private final Inode inode;
        private boolean closed;

        Handle(Path path, Inode inode) {
            this.path = path;
            this.inode = inode;
        }

        @Override
        public Path path() {
            return path;
        }

        @Override
        public int read(long offset, byte[] buf, int off, int len) throws IOException {
            synchronized (FaultyFileSystem.this) {
                checkUsable();
                if (offset < 0 || off < 0 || len < 0 || off + len > buf.length) {
                    throw new IllegalArgumentException("bad read: offset " + offset + ", " + off + "+" + len);
                }
                if (offset >= inode.size) {
                    return 0;
                }
                int n = (int) Math.min(len, inode.size - offset);
                System.arraycopy(inode.data, (int) offset, buf, off, n);
                return n;
            }
        }

        @Override
        public void write(long offset, byte[] buf, int off, int len) throws IOException {
            beforeFilePoint("write " + path + " @" + offset + "+" + len);
            synchronized (FaultyFileSystem.this) {
                checkUsable();
                if (offset < 0 || off < 0 || len < 0 || off + len > buf.length) {
                    throw new IllegalArgumentException("bad write: offset " + offset + ", " + off + "+" + len);
                }
                if (offset + len > Integer.MAX_VALUE - 16) {
                    throw new IOException("file too large for FaultyFileSystem: " + path);
                }
                Write w = new Write(offset, Arrays.copyOfRange(buf, off, off + len));
                point("write " + path + " @" + offset + "+" + len, inode, w);
                checkSpace(inode, offset + len);
                inode.apply(w);
                peakBytes = Math.max(peakBytes, totalBytes());
            }
        }

        @Override
        public void sync() throws IOException {
            beforeFilePoint("sync " + path);
            synchronized (FaultyFileSystem.this) {
                checkUsable();
                point("sync " + path);
                inode.sync();
            }
        }

        @Override
        public long size() throws IOException {
            synchronized (FaultyFileSystem.this) {
                checkUsable();
                return inode.size;
            }
        }

        @Override
        public void truncate(long size) throws IOException {
            beforeFilePoint("truncate " + path + " to " + size);
            synchronized (FaultyFileSystem.this) {
                checkUsable();
                if (size < 0 || size > Integer.MAX_VALUE - 16) {
                    throw new IllegalArgumentException("bad size " + size);
                }
                Truncate t = new Truncate(size);
                point("truncate " + path + " to " + size, inode, t);
                checkSpace(inode, size);
                inode.apply(t);
                peakBytes = Math.max(peakBytes, totalBytes());
            }
        }

        @Override
        public void close() throws IOException {
            synchronized (FaultyFileSystem.this) {
                checkAlive();
                closed = true;
            }
        }

        private void checkUsable() throws IOException {
            checkAlive();
            if (closed) {
                throw new ClosedChannelException();
            }
        }
    }

    /** A change of a file's content, kept until the file is synced. */
    private sealed interface Op permits Write, Truncate {
    }

    private record Write(long offset, byte[] bytes) implements Op {
    }

    private record Truncate(long size) implements Op {
    }

    private enum NsKind { CREATE, MOVE, DELETE }

    /** A directory change not yet made durable by a directory sync. */
    private record NsOp(NsKind kind, Path from, Path to, Inode inode) {
        boolean affects(Path dir) {
            return (from != null && dir.equals(from.getParent())) || (to != null && dir.equals(to.getParent()));
        }

        void applyTo(Map<Path, Inode> names) {
            if (from != null) {
                names.remove(from);
            }
            if (to != null) {
                names.put(to, inode);
            }
        }
    }

    /** A file's bytes: durable content, current content and the unsynced changes between them. */
    private static final class Inode {
        byte[] durable = new byte[0];
        byte[] data = new byte[64]; // current content; zero past size
        int size;
        final List<Op> pending = new ArrayList<>();

        static Inode withContent(byte[] content) {
            Inode f = new Inode();
            f.data = Arrays.copyOf(content, Math.max(64, content.length));
            f.size = content.length;
            f.durable = content.clone();
            return f;
        }

        Inode copy() {
            Inode f = new Inode();
            f.durable = durable;
            f.data = data.clone();
            f.size = size;
            f.pending.addAll(pending);
            return f;
        }

        byte[] content() {
            return Arrays.copyOf(data, size);
        }

        void apply(Op op) {
            pending.add(op);
            if (op instanceof Write w) {
                int end = (int) w.offset + w.bytes.length;
                ensureCapacity(end);
                System.arraycopy(w.bytes, 0, data, (int) w.offset, w.bytes.length);
                size = Math.max(size, end);
            } else {
                int newSize = (int) ((Truncate) op).size;
                ensureCapacity(newSize);
                if (newSize < size) {
                    Arrays.fill(data, newSize, size, (byte) 0);
                }
                size = newSize;
            }
        }

        void sync() {
            durable = content();
            pending.clear();
        }

        private void ensureCapacity(int n) {
            if (n > data.length) {
                data = Arrays.copyOf(data, Math.max(n, (int) Math.min(Integer.MAX_VALUE - 16, data.length * 2L)));
            }
        }
    }

    @Override
    public synchronized String toString() {
        List<String> names = new ArrayList<>();
        for (Map.Entry<Path, Inode> e : files.entrySet()) {
            names.add(e.getKey().getFileName() + "=" + e.getValue().size);
        }
        Collections.sort(names);
        return "FaultyFileSystem" + names + (dead ? " (dead)" : "") + " points=" + points;
    }
}
