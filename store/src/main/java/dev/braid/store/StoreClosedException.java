package dev.braid.store;

/** The store, or the iterator, was used after {@code close()}. */
public final class StoreClosedException extends BraidException {
    private static final long serialVersionUID = 1L;

    public StoreClosedException(String message) {
        super(message);
    }
}
