package dev.braid.store;

/**
 * Base of every error Braid raises. Unchecked, like Kafka's own exceptions, so that store calls
 * compose with lambdas and streams; each subclass says what happened and what still holds.
 */
public class BraidException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public BraidException(String message) {
        super(message);
    }

    public BraidException(String message, Throwable cause) {
        super(message, cause);
    }
}
