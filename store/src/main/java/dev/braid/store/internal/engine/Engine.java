package dev.braid.store.internal.engine;

import dev.braid.store.BraidOptions;
import dev.braid.store.BraidStats;
import dev.braid.store.IntegrityFinding;
import dev.braid.store.WriteBatch;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** Placeholder while the engine is written. */
public final class Engine {
    public static Engine open(Path dir, BraidOptions o) { throw new UnsupportedOperationException(); }
    public byte[] get(byte[] key) { throw new UnsupportedOperationException(); }
    public void put(byte[] key, byte[] value) { throw new UnsupportedOperationException(); }
    public void delete(byte[] key) { throw new UnsupportedOperationException(); }
    public void write(List<WriteBatch.Op> ops) { throw new UnsupportedOperationException(); }
    public long count() { throw new UnsupportedOperationException(); }
    public void commit(Map<String, String> m) { throw new UnsupportedOperationException(); }
    public Map<String, String> committedMetadata() { throw new UnsupportedOperationException(); }
    public long lastCommitSequence() { throw new UnsupportedOperationException(); }
    public List<IntegrityFinding> check() { throw new UnsupportedOperationException(); }
    public void checkpoint() { throw new UnsupportedOperationException(); }
    public BraidStats stats() { throw new UnsupportedOperationException(); }
    public Path directory() { throw new UnsupportedOperationException(); }
    public void close() { throw new UnsupportedOperationException(); }
    public Runnable registerIterator(Runnable onClose) { throw new UnsupportedOperationException(); }
    public ScanBatch scan(byte[] from, boolean fromInc, byte[] to, boolean toInc, boolean reverse, byte[] after,
            int maxEntries, long maxBytes) { throw new UnsupportedOperationException(); }
}
