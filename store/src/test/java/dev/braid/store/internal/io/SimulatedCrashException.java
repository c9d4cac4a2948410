package dev.braid.store.internal.io;

import java.io.IOException;

/**
 * Thrown by a {@link FaultyFileSystem} at its crash point and by every later call: the simulated
 * process is dead. Tests look for it in the cause chain of the store's exception.
 */
public final class SimulatedCrashException extends IOException {
    private static final long serialVersionUID = 1L;

    public SimulatedCrashException(String message) {
        super(message);
    }
}
