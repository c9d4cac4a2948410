package dev.braid.store;

/**
 * The directory holds a file that is not a Braid file, or one written by a newer format version
 * than this build reads. Raised by {@link Braid#open} before any store file is written: the files
 * are left exactly as they were (only the directory's lock file may have been created).
 */
public final class IncompatibleFormatException extends BraidException {
    private static final long serialVersionUID = 1L;

    public IncompatibleFormatException(String message) {
        super(message);
    }
}
