package dev.braid.store;

/**
 * A write ({@code put}, {@code delete}, a batch, {@code commit}, {@code checkpoint},
 * {@code finishMerges}) was called on a store opened with {@link Braid#openReadOnly}. Nothing was
 * changed; the store stays usable for reads.
 */
public final class ReadOnlyStoreException extends BraidException {
    private static final long serialVersionUID = 1L;

    public ReadOnlyStoreException(String message) {
        super(message);
    }
}
