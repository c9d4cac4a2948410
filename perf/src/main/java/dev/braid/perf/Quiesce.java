package dev.braid.perf;

import java.io.IOException;
import java.io.OutputStream;
import java.util.concurrent.TimeUnit;

/**
 * What the benchmarks do before a timed step that starts on a new store: a collection, then
 * {@code sync} of the file systems, so that neither the writeback of what the previous store wrote
 * nor the freeing of the blocks of its directory, just deleted (the other engine's, in an alternating
 * run), runs during this one. Both engines get the same.
 */
public final class Quiesce {
    private Quiesce() {
    }

    public static void run() {
        System.gc();
        try {
            Process p = new ProcessBuilder("sync").redirectErrorStream(true).start();
            p.getInputStream().transferTo(OutputStream.nullOutputStream());
            p.waitFor(120, TimeUnit.SECONDS);
        } catch (IOException e) {
            // no sync command here: the step runs without it
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
