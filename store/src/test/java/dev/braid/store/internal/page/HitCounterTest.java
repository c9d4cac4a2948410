package dev.braid.store.internal.page;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;

/** The cache's fence-free hit counter is exact: with threads counting at once, and after they end. */
class HitCounterTest {
    @Test
    void countsEveryIncrementOfEveryThreadIncludingEndedOnes() throws Exception {
        HitCounter c = new HitCounter();
        int threads = 4;
        int each = 250_000;
        CountDownLatch go = new CountDownLatch(1);
        Thread[] ts = new Thread[threads];
        for (int t = 0; t < threads; t++) {
            ts[t] = new Thread(() -> {
                try {
                    go.await();
                } catch (InterruptedException e) {
                    return;
                }
                for (int i = 0; i < each; i++) {
                    c.increment();
                }
            });
            ts[t].start();
        }
        go.countDown();
        long seenWhileRunning = c.sum();
        for (Thread t : ts) {
            t.join();
        }
        assertEquals((long) threads * each, c.sum(), "every increment, the threads now ended");
        assertEquals((long) threads * each, c.sum(), "ended threads' counts are kept once folded");
        c.increment();
        assertEquals((long) threads * each + 1, c.sum());
        assertEquals(true, seenWhileRunning >= 0 && seenWhileRunning <= (long) threads * each);
    }
}
