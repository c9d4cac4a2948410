package dev.braid.store;

/** Another process or another open {@link Braid} in this JVM holds the store directory. */
public final class StoreLockedException extends BraidException {
    private static final long serialVersionUID = 1L;

    public StoreLockedException(String message) {
        super(message);
    }
}
