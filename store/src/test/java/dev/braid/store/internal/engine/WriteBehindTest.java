package dev.braid.store.internal.engine;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The page file's write-behind syncs: when they happen, what a failed one does, and close. */
class WriteBehindTest {
    private static void waitFor(java.util.function.BooleanSupplier c) throws InterruptedException {
        long end = System.nanoTime() + 10_000_000_000L;
        while (!c.getAsBoolean() && System.nanoTime() < end) {
            Thread.sleep(5);
        }
    }

    @Test
    void syncsOnlyOnceAStepWasWrittenAndCatchesUp() throws Exception {
        AtomicInteger syncs = new AtomicInteger();
        WriteBehind wb = new WriteBehind(syncs::incrementAndGet);
        for (int i = 0; i < 15; i++) {
            wb.wrote(1L << 20);
        }
        Thread.sleep(100);
        assertEquals(0, syncs.get(), "below one step: no helper, no sync");
        wb.wrote(1L << 20); // 16 MiB
        waitFor(() -> syncs.get() == 1);
        assertEquals(1, syncs.get());
        for (int i = 0; i < 10; i++) {
            wb.wrote(WriteBehind.STEP_BYTES);
        }
        waitFor(() -> syncs.get() >= 2);
        assertTrue(syncs.get() >= 2 && syncs.get() <= 11, "syncs " + syncs.get());
        wb.close();
        assertDoesNotThrow(wb::check);
    }

    @Test
    void aFailedSyncFailsEveryLaterSyncPointAndNoMoreHelpersStart() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        WriteBehind wb = new WriteBehind(() -> {
            calls.incrementAndGet();
            throw new IOException("EIO");
        });
        wb.wrote(WriteBehind.STEP_BYTES);
        waitFor(() -> {
            try {
                wb.check();
                return false;
            } catch (IOException e) {
                return true;
            }
        });
        IOException e = assertThrows(IOException.class, wb::check);
        assertTrue(e.getMessage().contains("EIO"), e.getMessage());
        assertThrows(IOException.class, wb::check, "kept: every later sync point fails");
        wb.wrote(4 * WriteBehind.STEP_BYTES);
        Thread.sleep(100);
        assertEquals(1, calls.get(), "no helper after a failure");
        wb.close();
    }

    @Test
    void closeWaitsForASyncInProgressAndStopsFurtherOnes() throws Exception {
        AtomicLong syncEnded = new AtomicLong();
        AtomicInteger syncs = new AtomicInteger();
        WriteBehind wb = new WriteBehind(() -> {
            syncs.incrementAndGet();
            try {
                Thread.sleep(300);
            } catch (InterruptedException ie) {
                Thread.currentThread().interrupt();
            }
            syncEnded.set(System.nanoTime());
        });
        wb.wrote(WriteBehind.STEP_BYTES);
        waitFor(() -> syncs.get() == 1);
        wb.close();
        long closed = System.nanoTime();
        assertTrue(syncEnded.get() != 0 && syncEnded.get() <= closed, "close returned before the sync ended");
        wb.wrote(4 * WriteBehind.STEP_BYTES);
        Thread.sleep(100);
        assertEquals(1, syncs.get(), "closed: no further sync");
    }
}
