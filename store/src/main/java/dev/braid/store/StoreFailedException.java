package dev.braid.store;

/**
 * A write or fsync failed earlier, so the in-memory state can no longer be trusted to match the
 * files. Every call fails with this until the store is closed and reopened; reopening recovers
 * the last commit. Never retry an fsync and carry on: the kernel may have dropped the dirty data.
 */
public final class StoreFailedException extends BraidException {
    private static final long serialVersionUID = 1L;

    public StoreFailedException(String message, Throwable cause) {
        super(message, cause);
    }
}
