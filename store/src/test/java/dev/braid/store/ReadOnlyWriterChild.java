package dev.braid.store;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The writer process of {@link ReadOnlyProcessTest}: opens the store (holding its lock) and commits
 * {@link ReadOnlyWorkload} commits 1, 2, 3, ... with metadata {@code seq=i} as fast as it can, with
 * small log limits so that background and explicit checkpoints and log resets happen all the time,
 * until its standard input closes. Then it checks the store and exits 0 if the check is clean.
 * Prints {@code started} after its first commit and {@code done <seq>} at the end.
 */
public final class ReadOnlyWriterChild {
    private ReadOnlyWriterChild() {
    }

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        AtomicBoolean stop = new AtomicBoolean();
        Thread stdin = new Thread(() -> {
            try {
                while (System.in.read() >= 0) {
                    // any input, or its end, stops the writer
                    break;
                }
            } catch (IOException ignored) {
                // the parent went away: stop as well
            }
            stop.set(true);
        });
        stdin.setDaemon(true);
        stdin.start();
        BraidOptions opts = BraidOptions.builder().pageSizeBytes(512).cacheBytes(64 * 1024)
                .checkpointLogBytes(96 * 1024).maxLogBytes(384 * 1024).writeBufferBytes(1024).build();
        int seq = 0;
        try (Braid store = Braid.open(dir, opts)) {
            while (!stop.get() && seq < 1_000_000) {
                seq++;
                store.write(ReadOnlyWorkload.batch(seq));
                store.commit(Map.of("seq", Integer.toString(seq)));
                if (seq == 1) {
                    System.out.println("started");
                    System.out.flush();
                }
                if (seq % 16 == 0) {
                    store.checkpoint();
                }
            }
            List<IntegrityFinding> findings = store.check();
            if (!findings.isEmpty()) {
                System.out.println("findings " + findings);
                System.exit(3);
            }
            if (!store.committedMetadata().equals(Map.of("seq", Integer.toString(seq)))
                    || store.count() != ReadOnlyWorkload.state(seq).size()) {
                System.out.println("wrong state at the end: " + store.committedMetadata() + ", " + store.count());
                System.exit(4);
            }
        }
        System.out.println("done " + seq);
        System.exit(0);
    }
}
