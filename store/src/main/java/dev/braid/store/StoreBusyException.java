package dev.braid.store;

/**
 * A store opened with {@link Braid#openReadOnly} could not answer from one consistent commit: on
 * every attempt, the application writing the store checkpointed a newer commit over the page file
 * (or reset its log) before the read had finished. Nothing is wrong with the store; retrying later
 * is safe.
 */
public final class StoreBusyException extends BraidException {
    private static final long serialVersionUID = 1L;

    public StoreBusyException(String message) {
        super(message);
    }
}
