package dev.braid.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.braid.store.internal.io.FaultyFileSystem;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import org.junit.jupiter.api.Test;

/**
 * Small commits that need pages while the free list is empty take them from the free runs, which
 * the manifest lists: the free runs lend a batch of pages to the free list at once, so that the
 * manifest is not written again at every such commit (it lists every free single page: 138 KB a
 * commit, ten commits a second, under exactly-once after a large update of page-sized values).
 */
class FreeListLendingTest {
    private static final Path DIR = Path.of("/lending/store");
    private static final int KEYS = 600;

    private static BraidOptions.Builder base(FaultyFileSystem fs) {
        return BraidOptions.builder().pageSizeBytes(1024).cacheBytes(4 << 20).backgroundCheckpoints(false)
                .backgroundMerges(false).fileSystem(fs);
    }

    private static byte[] key(String prefix, int i) {
        return String.format("%s-%06d", prefix, i).getBytes(StandardCharsets.US_ASCII);
    }

    /** 1,000 bytes: a value page of its own on a 1 KiB page. */
    private static byte[] value(int i, int version) {
        byte[] v = new byte[1000];
        for (int j = 0; j < v.length; j++) {
            v[j] = (byte) (i * 31 + j * 7 + version * 13);
        }
        return v;
    }

    @Test
    void smallCommitsTakeLentPagesWithoutRewritingTheManifestEachTime() {
        FaultyFileSystem fs = new FaultyFileSystem();
        NavigableMap<byte[], byte[]> model = FaultTestSupport.newModel();
        // Every other value updated with direct value pages (D7): the old pages become single free
        // pages of the free runs once a checkpoint covers the update.
        try (Braid b = Braid.open(DIR, base(fs).directValuesAfterBytes(0).build())) {
            for (int i = 0; i < KEYS; i++) {
                b.put(key("a", i), value(i, 0));
                model.put(key("a", i), value(i, 0));
            }
            b.commit(Map.of("offset", "0"));
            b.checkpoint();
            for (int i = 0; i < KEYS; i += 2) {
                b.put(key("a", i), value(i, 1));
                model.put(key("a", i), value(i, 1));
            }
            b.commit(Map.of("offset", "1"));
            b.checkpoint();
            b.commit(Map.of("offset", "1"));
        }
        int commits = 100;
        try (Braid b = Braid.open(DIR, base(fs).build())) {
            long pages = b.stats().pageCount();
            long free = b.stats().freePages();
            assertTrue(free >= KEYS / 2, "the freed values are free pages: " + b.stats());
            long before = EngineProbe.manifestWrites(b);
            for (int c = 0; c < commits; c++) {
                b.put(key("b", c), value(c, 2)); // a new value page: the free list is empty at first
                model.put(key("b", c), value(c, 2));
                b.commit(Map.of("offset", "c" + c));
            }
            long written = EngineProbe.manifestWrites(b) - before;
            assertTrue(written <= 2, commits + " commits that each took a page wrote " + written
                    + " manifests (one a commit without lending)");
            assertEquals(pages, b.stats().pageCount(), "the new values went into the freed pages, not past the end");
            long used = free - b.stats().freePages(); // a page a value, a few for leaf splits
            assertTrue(used >= commits && used <= commits + 20, used + " free pages used: " + b.stats());
            FaultTestSupport.assertHolds(model, b);
            assertEquals(List.of(), b.check());
        }
        try (Braid r = Braid.open(DIR, base(fs).build())) {
            assertEquals(Map.of("offset", "c" + (commits - 1)), r.committedMetadata());
            FaultTestSupport.assertHolds(model, r);
            assertEquals(List.of(), r.check());
        }
    }
}
