package dev.braid.store.internal.wal;

/**
 * Frames of an open transaction held back so that several go to the log in one write: a 4 KiB
 * value written by a put is one frame, and a write of one frame each cost the writer about six
 * times what the same bytes cost in larger writes. Nothing here is committed, so nothing needs to
 * reach the file before the next commit, a read of one of these frames, or a reset (which drops
 * them). The buffer is allocated at the first frame held and kept.
 *
 * <p>Thread safety: the store's writer fills it; {@link LogFile} flushes it under its monitor,
 * since readers under the store's read lock may flush it to read a frame of their own transaction.
 */
final class PendingFrames {
    /** Bytes held back at most. */
    static final int BYTES = 128 << 10;

    private final int frameSize;
    private final int capacityFrames;
    private byte[] buf;
    private long start;
    private int frames;

    PendingFrames(int frameSize) {
        this.frameSize = frameSize;
        this.capacityFrames = Math.max(1, BYTES / frameSize);
    }

    /** Whether {@code n} frames could be held at all (else they are written at once). */
    boolean canHold(int n) {
        return n <= capacityFrames;
    }

    /** Whether {@code n} more frames fit now. */
    boolean hasRoom(int n) {
        return frames + n <= capacityFrames;
    }

    boolean isEmpty() {
        return frames == 0;
    }

    /**
     * Makes room for the next frame, which goes at file offset {@code fileOffset} (the log's end);
     * returns its position in {@link #buffer()}.
     */
    int next(long fileOffset) {
        if (buf == null) {
            buf = new byte[capacityFrames * frameSize];
        }
        if (frames == 0) {
            start = fileOffset;
        }
        return frames++ * frameSize;
    }

    byte[] buffer() {
        return buf;
    }

    /** File offset of the first frame held. */
    long start() {
        return start;
    }

    /** Bytes held. */
    int bytes() {
        return frames * frameSize;
    }

    /** Forgets the frames held (written, or dropped with their transaction). */
    void clear() {
        frames = 0;
    }
}
