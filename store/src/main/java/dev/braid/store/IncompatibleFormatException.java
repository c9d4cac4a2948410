package dev.braid.store;

/**
 * The directory holds a file that is not a Braid file, or one written by a newer format version
 * than this build reads. Raised by {@link Braid#open} before anything is written: the files are
 * left exactly as they were.
 */
public final class IncompatibleFormatException extends BraidException {
    private static final long serialVersionUID = 1L;

    public IncompatibleFormatException(String message) {
        super(message);
    }
}
