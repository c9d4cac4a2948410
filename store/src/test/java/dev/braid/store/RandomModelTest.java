package dev.braid.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Random;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * Seeded random operations against a {@link TreeMap} model: puts, deletes, batches, bulk puts and
 * range deletes (page splits and merges), gets, scans both ways, prefix scans, count, commit, close
 * and reopen, checkpoint, check, and an iterator held open across writes. Blind writes take part
 * like any other write: blind puts and deletes, batches mixing blind and tree writes (some marked
 * unlogged), tree writes to keys the write buffer holds (the shadowing rule), bulk blind loads of a
 * few hundred keys, sometimes into an emptied or fresh store (the bottom-up bulk build), and blind
 * range deletes; the model treats them exactly like tree writes. Runs under several settings, from
 * tiny pages with a tiny cache and log to 64 KiB pages. The write buffer drains into the tree at
 * every commit and when it passes its limit: {@code writeBufferBytes}, at most half the cache. One
 * setting has a 1 KiB buffer that drains all the time; in the extreme ones the 64 KiB cache caps it
 * at 32 KiB, so it drains now and then; the others keep it below its 16 MiB limit (committing early
 * if need be), so it drains only at commit. Two settings send every tree write through the
 * merge-tree ({@link WriteMode#MERGE_TREE}). Each run prints its setting, seed and what it covered;
 * a failure names the op and lists the operations before it.
 *
 * <p>Replay one run: {@code -Dbraid.seed=N} (every setting, or one with {@code -Dbraid.setting=NAME}),
 * optionally {@code -Dbraid.ops=N}. Soak: {@code -Dbraid.soak=true} runs three random seeds per setting,
 * each ten times longer.
 */
class RandomModelTest {
    private static final long[] FIXED_SEEDS = {1L, 0x5EEDBA11L};
    private static final boolean SOAK = Boolean.getBoolean("braid.soak");
    /** Key bytes: few, so that keys collide and share prefixes; no 0x33 (see {@link Run#absentKey}). */
    private static final byte[] ALPHABET = {0x00, 0x01, 0x41, 0x7F, (byte) 0x80, (byte) 0xFE, (byte) 0xFF};
    private static final int TRACE_LINES = 40;
    /**
     * A write buffer limit at least this large must only drain at commit: the run commits early once
     * its upper estimate of the buffered bytes passes a quarter of the limit.
     */
    private static final long COMMIT_ONLY_BUFFER_BYTES = 1L << 20;
    /** Charge per buffered write in that estimate on top of key and value (the engine charges less). */
    private static final int BUFFER_ENTRY_ESTIMATE = 128;
    /** Recently blind-written keys remembered for tree writes that must go through the buffer. */
    private static final int RECENT_BLIND_KEYS = 64;

    @TempDir
    Path tmp;

    /** One configuration the model test runs under. */
    private record Setting(String name, int ops, Supplier<BraidOptions> options) {
    }

    private static List<Setting> settings() {
        return List.of(
                new Setting("defaults", 6000, BraidOptions::defaults),
                new Setting("extreme", 5000, () -> BraidOptions.builder()
                        .pageSizeBytes(512)
                        .cacheBytes(64 * 1024)
                        .checkpointLogBytes(4 * 1024)
                        .maxLogBytes(16 * 1024)
                        .backgroundCheckpoints(false)
                        .build()),
                new Setting("extreme-background", 4000, () -> BraidOptions.builder()
                        .pageSizeBytes(512)
                        .cacheBytes(64 * 1024)
                        .checkpointLogBytes(4 * 1024)
                        .maxLogBytes(16 * 1024)
                        .backgroundCheckpoints(true)
                        .build()),
                new Setting("4k-full", 4000, () -> BraidOptions.builder()
                        .pageSizeBytes(4096)
                        .durability(Durability.FULL)
                        .build()),
                new Setting("64k", 3000, () -> BraidOptions.builder()
                        .pageSizeBytes(65536)
                        .build()),
                // the smallest write buffer: blind writes drain into the tree mid-transaction constantly
                new Setting("extreme-tinybuffer", 5000, () -> tinyBuffer().build()),
                // every tree write goes through the merge-tree (WriteMode.MERGE_TREE)
                new Setting("merge-tree-writes", 4000, () -> BraidOptions.builder()
                        .writeMode(WriteMode.MERGE_TREE)
                        .build()),
                new Setting("extreme-merge-tree-writes", 4000, () -> tinyBuffer()
                        .writeMode(WriteMode.MERGE_TREE)
                        .build()));
    }

    /** Tiny pages, cache and log, no background work, and the smallest write buffer. */
    private static BraidOptions.Builder tinyBuffer() {
        return BraidOptions.builder()
                .pageSizeBytes(512)
                .cacheBytes(64 * 1024)
                .checkpointLogBytes(4 * 1024)
                .maxLogBytes(16 * 1024)
                .backgroundCheckpoints(false)
                .backgroundMerges(false)
                .writeBufferBytes(1024);
    }

    @TestFactory
    Stream<DynamicTest> randomOperations() {
        String only = System.getProperty("braid.setting");
        List<DynamicTest> tests = new ArrayList<>();
        for (Setting setting : settings()) {
            if (only != null && !only.equals(setting.name())) {
                continue;
            }
            int ops = Integer.getInteger("braid.ops", SOAK ? setting.ops() * 10 : setting.ops());
            for (long seed : seeds()) {
                int index = tests.size();
                tests.add(DynamicTest.dynamicTest(setting.name() + " seed=" + seed, () -> {
                    Path dir = tmp.resolve(setting.name() + "-" + index);
                    new Run(setting, seed, ops, dir).execute();
                }));
            }
        }
        return tests.stream();
    }

    private static List<Long> seeds() {
        String fixed = System.getProperty("braid.seed");
        if (fixed != null) {
            return List.of(Long.parseLong(fixed));
        }
        List<Long> seeds = new ArrayList<>();
        if (!SOAK) {
            for (long s : FIXED_SEEDS) {
                seeds.add(s);
            }
        }
        int randomSeeds = SOAK ? 3 : 1;
        for (int i = 0; i < randomSeeds; i++) {
            seeds.add(ThreadLocalRandom.current().nextLong());
        }
        return seeds;
    }

    private static <V> TreeMap<byte[], V> newMap() {
        return new TreeMap<>(Arrays::compareUnsigned);
    }

    /** One seeded run: the store, its model and the trace of recent operations. */
    private static final class Run {
        private final Setting setting;
        private final long seed;
        private final int ops;
        private final Path dir;
        private final Random rnd;
        private final BraidOptions options;
        private final byte[][] longKeys;
        private final ArrayDeque<String> trace = new ArrayDeque<>();
        private Braid store;
        private int pageSize;
        private TreeMap<byte[], byte[]> model = newMap();
        private TreeMap<byte[], byte[]> committed = newMap();
        private Map<String, String> committedMetadata = Map.of();
        private long commitSequence;
        private HeldIterator held;
        private int op;
        // coverage, printed at the end of a run
        private int maxModelSize;
        private int reopens;
        private int heldCompleted;
        private int bulkKeys;
        private int rangeDeletedKeys;
        private long largestValue;
        private int blindWrites;
        private int shadowWrites;
        private int blindLoadKeys;
        private int emptyStoreLoads;
        private int unloggedBatches;
        private int guardCommits;
        // the blind-write buffer as the run sees it
        /** When the buffer drains without a commit: past writeBufferBytes, at most half the cache. */
        private final long bufferLimit;
        private final boolean drainsOnlyAtCommit;
        /** Upper estimate of the bytes the engine's write buffer holds (since the last commit or reopen). */
        private long bufferEstimate;
        /** Keys blind-written since the last commit or reopen: a superset of the buffer's keys. */
        private TreeSet<byte[]> blindSinceCommit = new TreeSet<>(Arrays::compareUnsigned);
        /** Some of those keys, for tree writes that the shadowing rule routes through the buffer. */
        private final List<byte[]> recentBlind = new ArrayList<>();

        Run(Setting setting, long seed, int ops, Path dir) {
            this.setting = setting;
            this.seed = seed;
            this.ops = ops;
            this.dir = dir;
            this.rnd = new Random(seed);
            this.options = setting.options().get();
            this.bufferLimit = Math.min(options.writeBufferBytes(),
                    Math.max(1024, options.cache().capacityBytes() / 2));
            this.drainsOnlyAtCommit = bufferLimit >= COMMIT_ONLY_BUFFER_BYTES;
            this.longKeys = new byte[][] {
                longKey(0x41, 300), longKey(0x80, 3_000), longKey(0x00, 20_000),
                longKey(0xFF, Braid.MAX_KEY_BYTES), longKey(0x41, Braid.MAX_KEY_BYTES - 1)};
        }

        void execute() {
            System.out.println("RandomModelTest setting=" + setting.name() + " seed=" + seed + " ops=" + ops
                    + "  (replay: -Dbraid.setting=" + setting.name() + " -Dbraid.seed=" + seed + ")");
            try {
                store = Braid.open(dir, options);
                pageSize = store.stats().pageSizeBytes();
                assertEquals(0, store.lastCommitSequence(), "new store's commit sequence");
                assertEquals(Map.of(), store.committedMetadata(), "new store's metadata");
                if (rnd.nextInt(3) == 0) {
                    bulkBlindLoad(true); // into the fresh store: the first drain is a bulk build
                }
                for (op = 0; op < ops; op++) {
                    step();
                    maxModelSize = Math.max(maxModelSize, model.size());
                    if (op % 400 == 399) {
                        checkIntegrity();
                    }
                }
                finish();
                System.out.println("  covered: max keys " + maxModelSize + ", reopens " + reopens
                        + ", held iterators walked to the end " + heldCompleted + ", bulk-put keys " + bulkKeys
                        + ", range-deleted keys " + rangeDeletedKeys + ", largest value " + largestValue
                        + " bytes, commits " + commitSequence);
                System.out.println("  blind: writes " + blindWrites + ", tree writes through the buffer "
                        + shadowWrites + ", bulk-loaded keys " + blindLoadKeys + ", loads into an empty store "
                        + emptyStoreLoads + ", unlogged batches " + unloggedBatches + ", write buffer limit "
                        + bufferLimit + " bytes" + (drainsOnlyAtCommit
                                ? " (drains at commit only; early commits to keep it so: " + guardCommits + ")"
                                : " (drains mid-transaction)"));
            } catch (Throwable t) {
                throw new AssertionError("setting=" + setting.name() + " seed=" + seed + " failed at op " + op
                        + " of " + ops + "\nreplay: -Dbraid.setting=" + setting.name() + " -Dbraid.seed=" + seed
                        + " -Dbraid.ops=" + (op + 1) + "\nlast operations (oldest first):\n  "
                        + String.join("\n  ", trace) + "\n" + t, t);
            } finally {
                if (store != null) {
                    try {
                        store.close();
                    } catch (RuntimeException ignored) {
                        // the failure above is what matters
                    }
                }
            }
        }

        private void step() {
            if (drainsOnlyAtCommit && bufferEstimate > bufferLimit / 4) {
                note("commit early: about " + bufferEstimate + " buffered bytes, keep the buffer below its limit");
                guardCommits++;
                commit();
                return;
            }
            int p = rnd.nextInt(100);
            if (p < 20) {
                put();
            } else if (p < 25) {
                deletePresent();
            } else if (p < 27) {
                deleteAbsent();
            } else if (p < 35) {
                batch();
            } else if (p < 44) {
                getPresent();
            } else if (p < 48) {
                getAbsent();
            } else if (p < 55) {
                scan();
            } else if (p < 59) {
                prefixScan();
            } else if (p < 61) {
                count();
            } else if (p < 66) {
                commit();
            } else if (p < 67) {
                reopen();
            } else if (p < 68) {
                checkpoint();
            } else if (p < 76) {
                advanceHeldIterator();
            } else if (p < 77) {
                closeHeldIteratorEarly();
            } else if (p < 78) {
                bulkPut();
            } else if (p < 79) {
                rangeDelete();
            } else if (p < 88) {
                blindPut();
            } else if (p < 91) {
                blindDelete();
            } else if (p < 96) {
                shadowWrite();
            } else if (p < 97) {
                bulkBlindLoad(false);
            } else {
                put();
            }
        }

        private void finish() {
            while (held != null) {
                advanceHeldIterator();
            }
            note("finish: full compare, check, commit, reopen");
            verifyAll();
            checkIntegrity();
            commit();
            reopen();
            store.close();
            store = null;
        }

        // ---- operations -------------------------------------------------------------------

        private void put() {
            byte[] key = key();
            byte[] value = value();
            note("put " + hex(key) + " = " + describe(value));
            store.put(key, value);
            model.put(key, value);
            touched(key, value);
        }

        /** A run of keys under one prefix, in one batch or one by one: grows the tree by many pages. */
        private void bulkPut() {
            byte[] prefix = Arrays.copyOf(key(), 1 + rnd.nextInt(2));
            int n = 50 + rnd.nextInt(400);
            boolean asBatch = rnd.nextBoolean();
            note("bulk put " + n + " keys under " + hex(prefix) + (asBatch ? " as one batch" : ""));
            WriteBatch batch = new WriteBatch();
            int start = rnd.nextInt(1 << 16);
            for (int i = 0; i < n; i++) {
                byte[] key = Arrays.copyOf(prefix, prefix.length + 2);
                key[prefix.length] = (byte) ((start + i) >>> 8);
                key[prefix.length + 1] = (byte) (start + i);
                byte[] value = new byte[rnd.nextInt(60)];
                rnd.nextBytes(value);
                if (asBatch) {
                    batch.put(key, value);
                } else {
                    store.put(key, value);
                }
                model.put(key, value);
                touched(key, value);
            }
            if (asBatch) {
                store.write(batch);
            }
            bulkKeys += n;
        }

        /** Deletes every key of a random range: empties pages, so the tree must merge or rebalance. */
        private void rangeDelete() {
            byte[] from = presentKeyOr(key());
            byte[] to = rnd.nextInt(3) == 0 ? null : key();
            if (to != null && Arrays.compareUnsigned(from, to) > 0) {
                byte[] t = from;
                from = to;
                to = t;
            }
            List<byte[]> doomed = new ArrayList<>(expectedRange(model, from, true, to, true).keySet());
            if (rnd.nextInt(4) == 0) {
                note("deleteRange [" + hex(from) + ", " + hex(to) + "]: " + doomed.size() + " keys");
                store.deleteRange(KeyRange.of(from, true, to, true));
                for (byte[] key : doomed) {
                    model.remove(key);
                    touched(key, null);
                }
                rangeDeletedKeys += doomed.size();
                return;
            }
            boolean asBatch = rnd.nextBoolean();
            int how = rnd.nextInt(3); // 0 tree deletes, 1 blind deletes, 2 mixed
            note((how == 0 ? "" : how == 1 ? "blind " : "mixed ") + "range delete [" + hex(from) + ", " + hex(to)
                    + "]: " + doomed.size() + " keys" + (asBatch ? " as one batch" : ""));
            WriteBatch batch = new WriteBatch();
            for (byte[] key : doomed) {
                boolean blind = how == 1 || (how == 2 && rnd.nextBoolean());
                if (asBatch) {
                    if (blind) {
                        batch.blindDelete(key);
                    } else {
                        batch.delete(key);
                    }
                } else if (blind) {
                    store.blindDelete(key);
                } else {
                    store.delete(key);
                }
                model.remove(key);
                touched(key, null, blind);
            }
            if (asBatch) {
                store.write(batch);
            }
            rangeDeletedKeys += doomed.size();
        }

        private void deletePresent() {
            byte[] key = presentKey();
            if (key == null) {
                deleteAbsent();
                return;
            }
            note("delete present " + hex(key));
            store.delete(key);
            model.remove(key);
            touched(key, null);
        }

        private void deleteAbsent() {
            byte[] key = absentKey();
            note("delete absent " + hex(key));
            store.delete(key);
            touched(key, null);
        }

        /** A batch of tree writes only, blind writes only, or both mixed; some are marked unlogged. */
        private void batch() {
            WriteBatch batch = new WriteBatch();
            List<byte[]> keys = new ArrayList<>();
            int mode = rnd.nextInt(3); // 0 tree writes, 1 mixed, 2 blind writes
            StringBuilder sb = new StringBuilder(mode == 0 ? "batch [" : mode == 1 ? "mixed batch [" : "blind batch [");
            int n = rnd.nextInt(10) == 0 ? 0 : 1 + rnd.nextInt(24);
            for (int i = 0; i < n; i++) {
                byte[] key = !keys.isEmpty() && rnd.nextInt(6) == 0 ? keys.get(rnd.nextInt(keys.size()))
                        : !recentBlind.isEmpty() && rnd.nextInt(5) == 0
                                ? recentBlind.get(rnd.nextInt(recentBlind.size()))
                        : rnd.nextInt(4) == 0 ? presentKeyOr(key()) : key();
                keys.add(key);
                boolean blind = mode == 2 || (mode == 1 && rnd.nextBoolean());
                String kind = blind ? " blind-" : " ";
                if (rnd.nextInt(10) < 7) {
                    byte[] value = value();
                    if (blind) {
                        batch.blindPut(key, value);
                    } else {
                        batch.put(key, value);
                    }
                    sb.append(kind).append("put ").append(hex(key)).append('=').append(describe(value));
                } else {
                    if (blind) {
                        batch.blindDelete(key);
                    } else {
                        batch.delete(key);
                    }
                    sb.append(kind).append("del ").append(hex(key));
                }
            }
            if (mode != 0 && rnd.nextInt(3) == 0) {
                batch.unlogged(); // a mark that changes nothing today
                assertTrue(batch.isUnlogged(), "isUnlogged() after unlogged()");
                sb.append(" unlogged");
                unloggedBatches++;
            }
            note(sb.append(" ]").toString());
            assertEquals(n, batch.size());
            store.write(batch);
            for (WriteBatch.Op o : batch.ops()) {
                if (o.value() == null) {
                    model.remove(o.key());
                } else {
                    model.put(o.key(), o.value());
                }
                touched(o.key(), o.value(), o.blind());
            }
        }

        // ---- blind writes ---------------------------------------------------------------------

        private void blindPut() {
            byte[] key = blindKey();
            byte[] value = value();
            note("blind put " + hex(key) + " = " + describe(value));
            store.blindPut(key, value);
            model.put(key, value);
            touched(key, value, true);
        }

        /** A blind delete of a present key (maybe one in the buffer) or of an absent one. */
        private void blindDelete() {
            int p = rnd.nextInt(3);
            byte[] key = p == 0 ? absentKey()
                    : p == 1 && !recentBlind.isEmpty() ? recentBlind.get(rnd.nextInt(recentBlind.size()))
                    : presentKeyOr(absentKey());
            note("blind delete " + (model.containsKey(key) ? "present " : "absent ") + hex(key));
            store.blindDelete(key);
            model.remove(key);
            touched(key, null, true);
        }

        /**
         * A tree write (put or delete) to a recently blind-written key, which the buffer holds unless it
         * drained since: the shadowing rule sends it through the buffer, so it must win over the
         * older blind write, now and after the drain.
         */
        private void shadowWrite() {
            if (recentBlind.isEmpty()) {
                blindPut();
                return;
            }
            byte[] key = recentBlind.get(rnd.nextInt(recentBlind.size()));
            byte[] value = rnd.nextInt(4) == 0 ? null : value();
            note("tree " + (value == null ? "delete " : "put ") + hex(key) + (value == null ? "" : " = "
                    + describe(value)) + " over a blind write (buffered: " + blindSinceCommit.contains(key) + ")");
            if (value == null) {
                store.delete(key);
                model.remove(key);
            } else {
                store.put(key, value);
                model.put(key, value);
            }
            touched(key, value, false);
            shadowWrites++;
            if (rnd.nextBoolean()) {
                byte[] actual = store.get(key);
                assertArrayEquals(value, actual, () -> "get " + hex(key) + " right after a tree write over a blind"
                        + " write: " + describe(actual));
            }
        }

        /**
         * A few hundred blind puts, sorted, reversed or shuffled, one by one or in batches. Sometimes
         * into an empty store first (everything deleted and committed, or the fresh store), so that
         * the drain builds the tree bottom-up; then often committed at once, before other writes can
         * reach the tree.
         */
        private void bulkBlindLoad(boolean fresh) {
            boolean intoEmpty = fresh || rnd.nextInt(3) == 0;
            if (intoEmpty && !fresh) {
                List<byte[]> all = new ArrayList<>(model.keySet());
                int how = rnd.nextInt(3); // 0 tree deletes, 1 blind deletes, 2 mixed
                note("delete all " + all.size() + " keys (" + (how == 0 ? "tree" : how == 1 ? "blind" : "mixed")
                        + ") and commit, for a load into an empty store");
                for (byte[] key : all) {
                    boolean blind = how == 1 || (how == 2 && rnd.nextBoolean());
                    if (blind) {
                        store.blindDelete(key);
                    } else {
                        store.delete(key);
                    }
                    model.remove(key);
                    touched(key, null, blind);
                }
                commit();
                assertEquals(0, store.count(), "count() after deleting everything");
            }
            int n = 100 + rnd.nextInt(400);
            int order = rnd.nextInt(3); // 0 ascending, 1 descending, 2 shuffled
            int how = rnd.nextInt(4); // 0 one by one, 1 one batch, 2 one unlogged batch, 3 batches of 50
            boolean underPrefix = rnd.nextBoolean();
            byte[] prefix = Arrays.copyOf(key(), rnd.nextInt(3));
            int start = rnd.nextInt(1 << 16);
            TreeMap<byte[], byte[]> load = newMap();
            while (load.size() < n) {
                byte[] key;
                if (underPrefix) {
                    int i = start + load.size();
                    key = Arrays.copyOf(prefix, prefix.length + 2);
                    key[prefix.length] = (byte) (i >>> 8);
                    key[prefix.length + 1] = (byte) i;
                } else {
                    key = new byte[1 + rnd.nextInt(8)];
                    rnd.nextBytes(key);
                }
                byte[] value;
                if (rnd.nextInt(20) == 0) {
                    value = value();
                } else {
                    value = new byte[rnd.nextInt(60)];
                    rnd.nextBytes(value);
                }
                load.put(key, value);
            }
            List<Map.Entry<byte[], byte[]>> entries = new ArrayList<>(load.entrySet());
            if (order == 1) {
                Collections.reverse(entries);
            } else if (order == 2) {
                Collections.shuffle(entries, rnd);
            }
            note("blind load of " + n + " keys " + (underPrefix ? "under " + hex(prefix) : "at random")
                    + (order == 0 ? " ascending" : order == 1 ? " descending" : " shuffled")
                    + (how == 0 ? " one by one" : how == 1 ? " as one batch" : how == 2 ? " as one unlogged batch"
                            : " in batches of 50") + (intoEmpty ? " into an empty store" : ""));
            WriteBatch batch = new WriteBatch();
            for (Map.Entry<byte[], byte[]> e : entries) {
                if (how == 0) {
                    store.blindPut(e.getKey(), e.getValue());
                } else {
                    batch.blindPut(e.getKey(), e.getValue());
                    if (how == 3 && batch.size() == 50) {
                        store.write(batch);
                        batch.clear();
                    }
                }
                model.put(e.getKey(), e.getValue());
                touched(e.getKey(), e.getValue(), true);
            }
            if (how == 2) {
                batch.unlogged();
                unloggedBatches++;
            }
            if (batch.size() > 0) {
                store.write(batch);
            }
            blindLoadKeys += n;
            if (intoEmpty) {
                emptyStoreLoads++;
                assertEquals(model.size(), store.count(), "count() after a blind load into an empty store");
                if (rnd.nextInt(3) != 0) {
                    commit(); // the drain is a bulk build (unless the buffer drained earlier)
                    if (rnd.nextBoolean()) {
                        verifyAll();
                        checkIntegrity();
                    }
                }
            }
        }

        /** A key for a blind write: often one blind-written lately, or a present one, else any. */
        private byte[] blindKey() {
            int p = rnd.nextInt(10);
            if (p < 3 && !recentBlind.isEmpty()) {
                return recentBlind.get(rnd.nextInt(recentBlind.size()));
            } else if (p < 6) {
                return presentKeyOr(key());
            }
            return key();
        }

        private void getPresent() {
            byte[] key = presentKey();
            if (key == null) {
                getAbsent();
                return;
            }
            note("get present " + hex(key));
            byte[] actual = store.get(key);
            assertNotNull(actual, () -> "get of present key " + hex(key) + " returned null");
            assertArrayEquals(model.get(key), actual, () -> "get " + hex(key));
        }

        private void getAbsent() {
            byte[] candidate = rnd.nextBoolean() ? key() : absentKey();
            byte[] key = model.containsKey(candidate) ? absentKey() : candidate;
            note("get absent " + hex(key));
            byte[] actual = store.get(key);
            assertNull(actual, () -> "get of absent key " + hex(key) + " returned " + describe(actual));
        }

        private void scan() {
            byte[] from = bound();
            byte[] to = bound();
            if (from != null && to != null && rnd.nextInt(5) != 0
                    && Arrays.compareUnsigned(from, to) > 0) {
                byte[] t = from; // mostly from <= to; sometimes (1 in 5) leave from > to as it came
                from = to;
                to = t;
            }
            boolean fromInclusive = rnd.nextBoolean();
            boolean toInclusive = rnd.nextBoolean();
            boolean reverse = rnd.nextBoolean();
            KeyRange range = fromInclusive && toInclusive && rnd.nextBoolean()
                    ? KeyRange.closed(from, to)
                    : KeyRange.of(from, fromInclusive, to, toInclusive);
            int limit = rnd.nextInt(4) == 0 ? rnd.nextInt(20) : Integer.MAX_VALUE;
            String what = (reverse ? "reverse " : "") + "scan " + (fromInclusive ? "[" : "(") + hex(from) + ", "
                    + hex(to) + (toInclusive ? "]" : ")") + (limit < Integer.MAX_VALUE ? " limit " + limit : "");
            note(what);
            NavigableMap<byte[], byte[]> expected = expectedRange(model, from, fromInclusive, to, toInclusive);
            compareScan(what, reverse ? expected.descendingMap() : expected, open(range, reverse), limit);
        }

        private void prefixScan() {
            byte[] prefix = prefix();
            boolean reverse = rnd.nextBoolean();
            String what = (reverse ? "reverse " : "") + "prefix scan " + hex(prefix);
            note(what);
            NavigableMap<byte[], byte[]> expected = RandomModelTest.<byte[]>newMap();
            for (Map.Entry<byte[], byte[]> e : model.tailMap(prefix, true).entrySet()) {
                if (!startsWith(e.getKey(), prefix)) {
                    break;
                }
                expected.put(e.getKey(), e.getValue());
            }
            compareScan(what, reverse ? expected.descendingMap() : expected,
                    open(KeyRange.prefix(prefix), reverse), Integer.MAX_VALUE);
        }

        private void count() {
            note("count (model " + model.size() + ")");
            assertEquals(model.size(), store.count(), "count()");
            assertEquals(model.size(), store.stats().entries(), "stats().entries()");
        }

        private void commit() {
            Map<String, String> metadata = new HashMap<>();
            if (rnd.nextInt(5) != 0) {
                int n = 1 + rnd.nextInt(4);
                for (int i = 0; i < n; i++) {
                    metadata.put("changelog-" + i, Long.toString(rnd.nextLong()));
                }
                metadata.put("op", Integer.toString(op));
            }
            note("commit " + metadata);
            store.commit(metadata);
            committed = new TreeMap<>(model);
            committedMetadata = Map.copyOf(metadata);
            commitSequence++;
            bufferDrained();
            assertEquals(commitSequence, store.lastCommitSequence(), "lastCommitSequence after commit");
            assertEquals(committedMetadata, store.committedMetadata(), "committedMetadata after commit");
        }

        private void reopen() {
            note("close and reopen (" + (model.size() - committed.size()) + " net uncommitted keys dropped)");
            BraidIterator orphan = held == null ? null : held.iterator;
            store.close();
            reopens++;
            if (orphan != null) {
                assertThrows(StoreClosedException.class, orphan::hasNext, "iterator after store close");
                held = null;
            }
            assertThrows(StoreClosedException.class, () -> store.get(new byte[] {1}), "get after close");
            bufferDrained(); // close dropped it
            store = Braid.open(dir, options);
            model = new TreeMap<>(committed);
            assertEquals(committedMetadata, store.committedMetadata(), "committedMetadata after reopen");
            assertEquals(commitSequence, store.lastCommitSequence(), "lastCommitSequence after reopen");
            assertEquals(pageSize, store.stats().pageSizeBytes(), "page size after reopen");
            verifyAll();
            checkIntegrity();
        }

        private void checkpoint() {
            note("checkpoint");
            store.checkpoint();
        }

        private void checkIntegrity() {
            note("check");
            List<IntegrityFinding> findings = store.check();
            assertEquals(List.of(), findings, "check() findings");
        }

        /** Full forward scan and count against the model. */
        private void verifyAll() {
            assertEquals(model.size(), store.count(), "count()");
            compareScan("full scan", model, open(KeyRange.all(), false), Integer.MAX_VALUE);
        }

        // ---- the iterator held open across writes --------------------------------------------

        private void advanceHeldIterator() {
            if (held == null) {
                openHeldIterator();
                return;
            }
            int n = 1 + rnd.nextInt(40);
            note("advance held iterator by up to " + n);
            for (int i = 0; i < n; i++) {
                if (!held.advance(rnd.nextInt(8) == 0)) {
                    held = null;
                    return;
                }
            }
        }

        private void openHeldIterator() {
            byte[] from = rnd.nextBoolean() ? null : bound();
            byte[] to = rnd.nextBoolean() ? null : bound();
            if (from != null && to != null && Arrays.compareUnsigned(from, to) > 0) {
                byte[] t = from;
                from = to;
                to = t;
            }
            boolean fromInclusive = rnd.nextBoolean();
            boolean toInclusive = rnd.nextBoolean();
            boolean reverse = rnd.nextBoolean();
            note("open held " + (reverse ? "reverse " : "") + "iterator " + (fromInclusive ? "[" : "(") + hex(from)
                    + ", " + hex(to) + (toInclusive ? "]" : ")"));
            NavigableMap<byte[], byte[]> snapshot =
                    new TreeMap<>(expectedRange(model, from, fromInclusive, to, toInclusive));
            held = new HeldIterator(open(KeyRange.of(from, fromInclusive, to, toInclusive), reverse), from,
                    fromInclusive, to, toInclusive, reverse, snapshot);
        }

        private void closeHeldIteratorEarly() {
            if (held == null) {
                return;
            }
            note("close held iterator early");
            held.iterator.close();
            assertThrows(StoreClosedException.class, held.iterator::hasNext, "hasNext after iterator close");
            held.iterator.close(); // idempotent
            held = null;
        }

        /** Records a write for the held iterator: keys written after it opened may hold any later value. */
        private void touched(byte[] key, byte[] valueOrNull) {
            touched(key, valueOrNull, false);
        }

        /**
         * {@link #touched(byte[], byte[])}, and follows the write buffer: a blind write lands there, and
         * so does a tree write to a key it may hold (the shadowing rule).
         */
        private void touched(byte[] key, byte[] valueOrNull, boolean blind) {
            if (held != null) {
                held.history.computeIfAbsent(key, k -> new ArrayList<>()).add(valueOrNull);
            }
            if (blind || blindSinceCommit.contains(key)) {
                bufferEstimate += key.length + (valueOrNull == null ? 0 : valueOrNull.length) + BUFFER_ENTRY_ESTIMATE;
            }
            if (blind) {
                blindWrites++;
                if (blindSinceCommit.add(key)) {
                    if (recentBlind.size() < RECENT_BLIND_KEYS) {
                        recentBlind.add(key);
                    } else {
                        recentBlind.set(rnd.nextInt(RECENT_BLIND_KEYS), key);
                    }
                }
            }
        }

        /** The write buffer is empty: after a commit (which drains it) or a close (which drops it). */
        private void bufferDrained() {
            bufferEstimate = 0;
            blindSinceCommit = new TreeSet<>(Arrays::compareUnsigned);
            recentBlind.clear();
        }

        /**
         * An iterator opened at some op and advanced a little at a time while writes go on. It must
         * return keys in strict order within its range; a key not written since it opened must carry
         * the value it had then, and must not be skipped.
         */
        private final class HeldIterator {
            final BraidIterator iterator;
            final byte[] from;
            final boolean fromInclusive;
            final byte[] to;
            final boolean toInclusive;
            final boolean reverse;
            final NavigableMap<byte[], byte[]> snapshot;
            final TreeMap<byte[], List<byte[]>> history = newMap();
            final TreeSet<byte[]> returned = new TreeSet<>(Arrays::compareUnsigned);
            byte[] last;

            HeldIterator(BraidIterator iterator, byte[] from, boolean fromInclusive, byte[] to, boolean toInclusive,
                    boolean reverse, NavigableMap<byte[], byte[]> snapshot) {
                this.iterator = iterator;
                this.from = from;
                this.fromInclusive = fromInclusive;
                this.to = to;
                this.toInclusive = toInclusive;
                this.reverse = reverse;
                this.snapshot = snapshot;
            }

            /** Takes one entry; returns false (after the final checks) once the iterator is exhausted. */
            boolean advance(boolean peekFirst) {
                if (!iterator.hasNext()) {
                    heldCompleted++;
                    checkNothingSkipped();
                    iterator.close();
                    return false;
                }
                byte[] peeked = peekFirst ? iterator.peekNextKey() : null;
                Entry e = iterator.next();
                byte[] key = e.key();
                if (peeked != null) {
                    assertArrayEquals(peeked, key, "peekNextKey() then next()");
                }
                assertTrue(inRange(key, from, fromInclusive, to, toInclusive),
                        () -> "held iterator returned " + hex(key) + " outside its range");
                if (last != null) {
                    int c = Arrays.compareUnsigned(key, last);
                    assertTrue(reverse ? c < 0 : c > 0, () -> "held " + (reverse ? "reverse " : "")
                            + "iterator returned " + hex(key) + " after " + hex(last));
                }
                last = key;
                returned.add(key);
                List<byte[]> writes = history.get(key);
                byte[] before = snapshot.get(key);
                if (writes == null) {
                    assertNotNull(before, () -> "held iterator returned " + hex(key)
                            + " which was absent when it opened and never written since");
                    assertArrayEquals(before, e.value(), () -> "held iterator value of untouched key " + hex(key));
                } else {
                    boolean seen = before != null && Arrays.equals(before, e.value());
                    for (byte[] v : writes) {
                        seen |= v != null && Arrays.equals(v, e.value());
                    }
                    assertTrue(seen, () -> "held iterator returned " + hex(key) + " = " + describe(e.value())
                            + ", a value it never had since the iterator opened");
                }
                return true;
            }

            private void checkNothingSkipped() {
                for (byte[] key : snapshot.keySet()) {
                    if (!history.containsKey(key) && !returned.contains(key)) {
                        fail("held iterator skipped " + hex(key) + ", present throughout and never written");
                    }
                }
            }
        }

        // ---- generators -----------------------------------------------------------------------

        /** Mostly short keys over a small alphabet (overwrites, shared prefixes); rarely a long one. */
        private byte[] key() {
            int p = rnd.nextInt(1000);
            if (p < 5) {
                return longKeys[rnd.nextInt(longKeys.length)];
            }
            int len = p < 15 ? 0 : p < 160 ? 1 : p < 500 ? 2 : p < 960 ? 3 : 4 + rnd.nextInt(5);
            byte[] key = new byte[len];
            for (int i = 0; i < len; i++) {
                key[i] = ALPHABET[rnd.nextInt(ALPHABET.length)];
            }
            return key;
        }

        private byte[] longKey(int first, int len) {
            Random r = new Random(len);
            byte[] key = new byte[len];
            key[0] = (byte) first;
            for (int i = 1; i < len; i++) {
                key[i] = ALPHABET[r.nextInt(ALPHABET.length)];
            }
            return key;
        }

        /**
         * A key absent from the model. It holds the byte 0x33, which {@link #key()} never produces
         * (bulk puts may, hence the check).
         */
        private byte[] absentKey() {
            while (true) {
                byte[] key = new byte[1 + rnd.nextInt(6)];
                for (int i = 0; i < key.length; i++) {
                    key[i] = ALPHABET[rnd.nextInt(ALPHABET.length)];
                }
                key[rnd.nextInt(key.length)] = 0x33;
                if (!model.containsKey(key)) {
                    return key;
                }
            }
        }

        /** A key of the model near a random point, or null when the model is empty. */
        private byte[] presentKey() {
            if (model.isEmpty()) {
                return null;
            }
            byte[] k = model.ceilingKey(key());
            return k != null ? k : model.firstKey();
        }

        private byte[] presentKeyOr(byte[] fallback) {
            byte[] k = presentKey();
            return k != null ? k : fallback;
        }

        private byte[] bound() {
            int p = rnd.nextInt(100);
            if (p < 20) {
                return null;
            } else if (p < 55) {
                return presentKeyOr(key());
            } else if (p < 90) {
                return key();
            } else {
                return absentKey();
            }
        }

        private byte[] prefix() {
            int p = rnd.nextInt(100);
            if (p < 10) {
                return new byte[0];
            } else if (p < 45) {
                byte[] k = presentKeyOr(key());
                return Arrays.copyOf(k, Math.min(k.length, rnd.nextInt(4)));
            } else if (p < 70) {
                byte[] ff = new byte[1 + rnd.nextInt(3)];
                Arrays.fill(ff, (byte) 0xFF);
                return ff;
            } else {
                byte[] k = new byte[1 + rnd.nextInt(2)];
                for (int i = 0; i < k.length; i++) {
                    k[i] = ALPHABET[rnd.nextInt(ALPHABET.length)];
                }
                return k;
            }
        }

        /** Mostly small, sometimes empty, sometimes several pages, rarely about 1 MiB. */
        private byte[] value() {
            int p = rnd.nextInt(1000);
            int len;
            if (p < 40) {
                len = 0;
            } else if (p < 880) {
                len = 1 + rnd.nextInt(40);
            } else if (p < 950) {
                len = 40 + rnd.nextInt(600);
            } else if (p < 998) {
                len = pageSize * (1 + rnd.nextInt(4)) + rnd.nextInt(pageSize);
            } else {
                len = (1 << 20) + rnd.nextInt(8192) - 4096;
            }
            byte[] value = new byte[len];
            rnd.nextBytes(value);
            largestValue = Math.max(largestValue, len);
            return value;
        }

        // ---- checking -------------------------------------------------------------------------

        private BraidIterator open(KeyRange range, boolean reverse) {
            return reverse ? store.reverseIterator(range) : store.iterator(range);
        }

        private void compareScan(String what, NavigableMap<byte[], byte[]> expected, BraidIterator iterator,
                int limit) {
            try (BraidIterator it = iterator) {
                Iterator<Map.Entry<byte[], byte[]>> want = expected.entrySet().iterator();
                int i = 0;
                for (; i < limit && want.hasNext(); i++) {
                    Map.Entry<byte[], byte[]> w = want.next();
                    int index = i;
                    assertTrue(it.hasNext(), () -> what + ": ended after " + index + " entries, expected "
                            + expected.size() + "; missing " + hex(w.getKey()));
                    Entry e = it.next();
                    assertArrayEquals(w.getKey(), e.key(), () -> what + ": key #" + index + " is " + hex(e.key())
                            + ", expected " + hex(w.getKey()));
                    assertArrayEquals(w.getValue(), e.value(), () -> what + ": value of " + hex(e.key()));
                }
                if (i < limit) {
                    assertTrue(!it.hasNext(), () -> what + ": returned more than the " + expected.size()
                            + " expected entries, next " + hex(it.next().key()));
                }
            }
        }

        private void note(String line) {
            if (trace.size() == TRACE_LINES) {
                trace.removeFirst();
            }
            trace.addLast("#" + op + " " + line);
        }
    }

    // ---- model helpers ------------------------------------------------------------------------

    static NavigableMap<byte[], byte[]> expectedRange(NavigableMap<byte[], byte[]> model, byte[] from,
            boolean fromInclusive, byte[] to, boolean toInclusive) {
        if (from != null && to != null) {
            int c = Arrays.compareUnsigned(from, to);
            if (c > 0 || (c == 0 && !(fromInclusive && toInclusive))) {
                return Collections.emptyNavigableMap();
            }
        }
        NavigableMap<byte[], byte[]> sub = model;
        if (from != null) {
            sub = sub.tailMap(from, fromInclusive);
        }
        if (to != null) {
            sub = sub.headMap(to, toInclusive);
        }
        return sub;
    }

    static boolean inRange(byte[] key, byte[] from, boolean fromInclusive, byte[] to, boolean toInclusive) {
        if (from != null) {
            int c = Arrays.compareUnsigned(key, from);
            if (c < 0 || (c == 0 && !fromInclusive)) {
                return false;
            }
        }
        if (to != null) {
            int c = Arrays.compareUnsigned(key, to);
            return c < 0 || (c == 0 && toInclusive);
        }
        return true;
    }

    static boolean startsWith(byte[] key, byte[] prefix) {
        return key.length >= prefix.length && Arrays.equals(key, 0, prefix.length, prefix, 0, prefix.length);
    }

    /** Hex of a key, cut short for long ones; "null" for an open bound. */
    static String hex(byte[] key) {
        if (key == null) {
            return "null";
        }
        StringBuilder sb = new StringBuilder("0x");
        for (int i = 0; i < Math.min(key.length, 8); i++) {
            sb.append(String.format("%02x", key[i] & 0xFF));
        }
        if (key.length > 8) {
            sb.append("..(").append(key.length).append(" bytes)");
        }
        return key.length == 0 ? "<empty>" : sb.toString();
    }

    static String describe(byte[] value) {
        return value == null ? "null" : "v[" + value.length + "]";
    }
}
