package dev.braid.store;

import java.nio.file.Path;

/**
 * Stored bytes failed a check (checksum, structure, bounds). Names the file and the byte offset of
 * the damaged page or frame. Nothing was changed by the failed read; committed data elsewhere in
 * the store is unaffected.
 */
public final class CorruptionException extends BraidException {
    private static final long serialVersionUID = 1L;
    private final transient Path file;
    private final long offset;

    public CorruptionException(Path file, long offset, String message) {
        super(message + " (file " + file + ", offset " + offset + ")");
        this.file = file;
        this.offset = offset;
    }

    /** The damaged file. */
    public Path file() {
        return file;
    }

    /** Byte offset of the damaged page or frame within {@link #file()}. */
    public long offset() {
        return offset;
    }
}
