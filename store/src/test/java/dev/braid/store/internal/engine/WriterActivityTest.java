package dev.braid.store.internal.engine;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * The merge job's view of the writer: quiet only once the write count has stood still for the
 * time asked, and never while a flush is under way (a large flush writes nothing new for seconds,
 * and a fold of the segments before it would be rewritten by the next).
 */
class WriterActivityTest {
    @Test
    void aWriteOrAFlushUnderWayIsNotQuiet() {
        WriterActivity w = new WriterActivity();
        w.quietFor(0);
        assertTrue(w.quietFor(0), "nothing written");
        w.wrote();
        assertFalse(w.quietFor(0), "a write came since the last look");
        assertTrue(w.quietFor(0), "no write since");
        w.flushing(true);
        assertFalse(w.quietFor(0), "a flush began");
        assertFalse(w.quietFor(0), "the flush is still under way");
        w.flushing(false);
        assertFalse(w.quietFor(0), "the flush ended since the last look");
        assertTrue(w.quietFor(0), "quiet after the flush");
        assertFalse(w.quietFor(Long.MAX_VALUE), "not quiet for longer than it has watched");
    }
}
