package dev.braid.store.internal.engine;

/** Thrown inside a merge job's step when the store is closing: the step's reserved runs are reclaimed. */
final class JobAbandoned extends RuntimeException {
    JobAbandoned() {
        super(null, null, false, false);
    }
}
