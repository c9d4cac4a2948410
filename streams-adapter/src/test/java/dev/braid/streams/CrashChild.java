package dev.braid.streams;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.processor.internals.RecordBatchingStateRestoreCallback;

/**
 * The child JVM of {@link CrashTest}: opens the store through the supplier and init, replays the
 * {@link CrashWorkload} of a seed (restore batches, then processing puts), commits the offset every
 * {@link CrashWorkload#COMMIT_EVERY} records, and is killed by {@code Runtime.halt} from a timer
 * thread after the given delay, wherever the stream thread is at that moment.
 *
 * <p>Arguments: state directory, seed, delay in milliseconds.
 */
public final class CrashChild {
    private CrashChild() {
    }

    public static void main(String[] args) {
        Path stateDir = Path.of(args[0]);
        CrashWorkload work = new CrashWorkload(Long.parseLong(args[1]));
        long delayMillis = Long.parseLong(args[2]);
        TestStoreContext ctx = StoreFixture.context(stateDir);
        if (args.length > 3 && args[3].equals("merge-tree")) { // processing puts through small segments
            ctx.config(BraidConfig.WRITE_MODE, "merge-tree").config(BraidConfig.WRITE_BUFFER_BYTES, 2048);
        }
        BraidKeyValueStore store = StoreFixture.open(ctx, "crash");
        Long committed = store.committedOffset(CrashWorkload.CHANGELOG);
        long next = committed == null ? 0 : committed + 1;

        Thread killer = new Thread(() -> {
            try {
                Thread.sleep(delayMillis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            Runtime.getRuntime().halt(9);
        }, "killer");
        killer.start();

        RecordBatchingStateRestoreCallback restore = (RecordBatchingStateRestoreCallback) ctx.restoreCallback();
        for (long i = next; ; i++) {
            if (i < CrashWorkload.RESTORED) {
                List<ConsumerRecord<byte[], byte[]>> batch = new ArrayList<>();
                long end = Math.min(CrashWorkload.RESTORED, i + CrashWorkload.RESTORE_BATCH);
                for (; i < end; i++) {
                    batch.add(new ConsumerRecord<>(CrashWorkload.CHANGELOG.topic(), 0, i, work.key(i), work.value(i)));
                }
                i--;
                restore.restoreBatch(batch);
                store.commit(Map.of(CrashWorkload.CHANGELOG, i));
                continue;
            }
            ctx.setRecord("crash-input", 0, i);
            store.put(Bytes.wrap(work.key(i)), work.value(i));
            if (i % CrashWorkload.COMMIT_EVERY == 0) {
                store.commit(Map.of(CrashWorkload.CHANGELOG, i));
            }
        }
    }
}
