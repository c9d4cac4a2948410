package dev.braid.store;

import java.io.IOException;

/**
 * An I/O call on a store file failed (including a full disk, see {@link #diskFull()}). When the
 * failing call was a write or fsync the store moves to the failed state: see
 * {@link StoreFailedException}.
 */
public final class BraidIOException extends BraidException {
    private static final long serialVersionUID = 1L;
    private final boolean diskFull;

    public BraidIOException(String message, IOException cause) {
        super(message + ": " + cause.getMessage(), cause);
        this.diskFull = isDiskFull(cause);
    }

    /** True when the underlying error says the device has no space left. */
    public boolean diskFull() {
        return diskFull;
    }

    private static boolean isDiskFull(IOException e) {
        String m = String.valueOf(e.getMessage());
        return m.contains("No space left") || m.contains("disk full") || m.contains("ENOSPC");
    }
}
