package dev.braid.streams;

import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;
import java.util.TreeMap;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.utils.Bytes;

/**
 * The deterministic stream of the crash test: record {@code i} of seed {@code s} is always the same
 * put or delete, so the parent can rebuild the state at any committed offset. The first
 * {@link #RESTORED} records arrive through the restore callback (blind writes), the rest as
 * processing writes (B+tree writes).
 */
final class CrashWorkload {
    static final TopicPartition CHANGELOG = new TopicPartition("crash-app-store-changelog", 0);
    static final int RESTORED = 3000;
    static final int RESTORE_BATCH = 500;
    static final int COMMIT_EVERY = 97;
    static final int KEYS = 800;

    private final long seed;

    CrashWorkload(long seed) {
        this.seed = seed;
    }

    /** Key of record {@code i}. */
    byte[] key(long i) {
        return ("key-" + new SplittableRandom(seed * 1_000_003 + i).nextInt(KEYS)).getBytes(StandardCharsets.UTF_8);
    }

    /** Value of record {@code i}; null (a delete) for about one record in nine. */
    byte[] value(long i) {
        SplittableRandom r = new SplittableRandom(seed * 7_919 + i);
        if (r.nextInt(9) == 0) {
            return null;
        }
        byte[] v = new byte[8 + r.nextInt(200)];
        r.nextBytes(v);
        return v;
    }

    /** The state after records {@code 0..lastOffset} (none when null). */
    TreeMap<Bytes, byte[]> stateAt(Long lastOffset) {
        TreeMap<Bytes, byte[]> state = new TreeMap<>();
        if (lastOffset != null) {
            for (long i = 0; i <= lastOffset; i++) {
                byte[] v = value(i);
                if (v == null) {
                    state.remove(Bytes.wrap(key(i)));
                } else {
                    state.put(Bytes.wrap(key(i)), v);
                }
            }
        }
        return state;
    }
}
