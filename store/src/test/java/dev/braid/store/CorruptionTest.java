package dev.braid.store;

import static dev.braid.store.FaultTestSupport.ascii;
import static dev.braid.store.FaultTestSupport.committedSeq;
import static dev.braid.store.FaultTestSupport.hasCause;
import static dev.braid.store.FaultTestSupport.seqMeta;
import static dev.braid.store.FaultTestSupport.show;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.braid.store.internal.io.FaultyFileSystem;
import dev.braid.store.internal.io.FaultyFileSystem.CrashMode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Random;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.function.Consumer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.opentest4j.AssertionFailedError;

/**
 * Damages a store's files (bit flips, zeroed pages and frames, truncation, stale pages, foreign
 * files) and checks that every operation either throws a typed {@link BraidException} or answers
 * correctly: never a wrong answer, an untyped exception or a hang.
 *
 * <p>The stores are built once, on a {@link FaultyFileSystem}, and each case damages a fresh copy
 * ({@code crash(PROCESS)} of the frozen original). Replay with {@code -Dbraid.seed=<seed>}.
 */
class CorruptionTest {
    private static final long SEED = FaultTestSupport.seedProperty(0xC0DE_B4A1DL);
    private static final Path DIR = Path.of("/corruption-test/store");
    private static final Path PAGES = DIR.resolve("braid.pages");
    private static final Path LOG = DIR.resolve("braid.log");
    private static final int PAGE = 1024;
    private static final int LOG_HEADER = 512;
    private static final int FRAME = 32 + PAGE;
    private static final int COMMITS = 7;
    /** Commits 1..4 are in the page file of the log store; 5..7 only in its log. */
    private static final int CHECKPOINTED = 4;
    private static final int MIXED_SEQ = COMMITS + 2;
    private static final Duration CASE_LIMIT = Duration.ofSeconds(60);

    /** The contents after each commit (index 0: empty), every key written, and the frozen stores. */
    private static final List<NavigableMap<byte[], byte[]>> atCommit = new ArrayList<>();
    private static final Collection<byte[]> touched = new TreeSet<>(Arrays::compareUnsigned);
    /** Closed store at commit 7: everything in the page file, the log empty. No free pages. */
    private static FaultyFileSystem pageStore;
    /** Crashed store: page file at commit 4, commits 5..7 as frames in the log. */
    private static FaultyFileSystem logStore;
    /** Closed store at commit 9, after commits that replaced and deleted values: it has free pages. */
    private static FaultyFileSystem mixedStore;
    private static NavigableMap<byte[], byte[]> mixedModel;
    /** The page file right after the checkpoint of commit 2 (source of stale pages). */
    private static byte[] earlyPageFile;
    /** Whether every page of {@link #pageStore} is in use, so that check() must see any damage. */
    private static boolean everyPageInUse;

    private static BraidOptions options(FaultyFileSystem fs) {
        return BraidOptions.builder()
                .pageSizeBytes(PAGE)
                .cacheBytes(64 * 1024)
                .durability(Durability.FULL)
                .backgroundCheckpoints(false)
                .checkpointLogBytes(64L << 20) // no checkpoint but the explicit ones: the log keeps frames
                .maxLogBytes(64L << 20)
                .fileSystem(fs)
                .build();
    }

    private static byte[] key(int i) {
        return ascii(String.format("key-%05d", i) + (i % 11 == 0 ? "-" + "k".repeat(i % 40) : ""));
    }

    /**
     * Writes about 3,400 keys over 7 commits: only new keys and small values replaced in place, so
     * no page is ever freed. Overflow values are written once and never replaced.
     */
    @BeforeAll
    static void buildStores() throws IOException {
        Random rnd = new Random(SEED);
        System.out.println("CorruptionTest: seed " + SEED + " (replay with -Dbraid.seed=" + SEED + ")");
        NavigableMap<byte[], byte[]> model = FaultTestSupport.newModel();
        atCommit.add(FaultTestSupport.copy(model));
        FaultyFileSystem fs = new FaultyFileSystem();
        int[] newKeys = {0, 1000, 1000, 500, 500, 150, 150, 100};
        int next = 0;
        List<byte[]> small = new ArrayList<>();
        Braid store = Braid.open(DIR, options(fs));
        for (int c = 1; c <= COMMITS; c++) {
            for (int i = 0; i < newKeys[c]; i++) {
                byte[] k = key(next++);
                boolean overflow = rnd.nextInt(50) == 0;
                // overflow: a direct value page (at most a page) or an indexed blob
                byte[] v = new byte[overflow ? (rnd.nextBoolean() ? 300 + rnd.nextInt(PAGE - 300) : 1100 + rnd.nextInt(2500))
                        : 8 + rnd.nextInt(70)];
                rnd.nextBytes(v);
                store.put(k, v);
                model.put(k, v);
                touched.add(k);
                if (!overflow) {
                    small.add(k);
                }
            }
            if (c > 2) {
                for (int i = 0; i < 200; i++) {
                    byte[] k = small.get(rnd.nextInt(small.size()));
                    byte[] v = new byte[8 + rnd.nextInt(70)];
                    rnd.nextBytes(v);
                    store.put(k, v);
                    model.put(k, v);
                }
            }
            store.commit(seqMeta(c));
            atCommit.add(FaultTestSupport.copy(model));
            if (c == 2) {
                store.checkpoint();
                earlyPageFile = fs.bytes(PAGES);
            }
            if (c == CHECKPOINTED) {
                store.checkpoint();
            }
        }
        logStore = fs;
        logStore.crash(CrashMode.PROCESS, 0); // kill -9 with frames in the log; each case takes a copy
        assertTrue(logStore.bytes(LOG).length > LOG_HEADER + 3 * FRAME, "the log store's log holds frames");

        FaultyFileSystem closed = copy(logStore);
        try (Braid reopened = Braid.open(DIR, options(closed))) {
            assertEquals(COMMITS, committedSeq(reopened));
            BraidStats s = reopened.stats();
            everyPageInUse = s.freePages() == 0 && s.pageFileBytes() == s.pageCount() * PAGE;
            System.out.println("CorruptionTest: page store " + s + (everyPageInUse ? ""
                    : " -- not every page is in use, so check() is not required to see page-file damage"));
        }
        pageStore = closed;
        pageStore.crash(CrashMode.PROCESS, 0);

        FaultyFileSystem mixed = copy(pageStore);
        mixedModel = FaultTestSupport.copy(model);
        try (Braid m = Braid.open(DIR, options(mixed))) {
            List<byte[]> keys = new ArrayList<>(mixedModel.keySet());
            for (int i = 0; i < keys.size(); i += 5) { // commit 8: replace values, some with overflow ones
                byte[] v = new byte[rnd.nextBoolean() ? 1100 + rnd.nextInt(2000) : rnd.nextInt(90)];
                rnd.nextBytes(v);
                m.put(keys.get(i), v);
                mixedModel.put(keys.get(i), v);
            }
            m.commit(seqMeta(COMMITS + 1));
            for (int i = 0; i < keys.size(); i++) { // commit 9: delete a third of the keys, overflow ones included
                if (i % 3 == 0 || mixedModel.get(keys.get(i)).length > 1000 && rnd.nextBoolean()) {
                    m.delete(keys.get(i));
                    mixedModel.remove(keys.get(i));
                }
            }
            m.commit(seqMeta(MIXED_SEQ));
        }
        try (Braid m = Braid.open(DIR, options(mixed))) {
            System.out.println("CorruptionTest: mixed store " + m.stats());
        }
        mixedStore = mixed;
        mixedStore.crash(CrashMode.PROCESS, 0);
    }

    private static FaultyFileSystem copy(FaultyFileSystem frozen) {
        return frozen.crash(CrashMode.PROCESS, 0);
    }

    // ------------------------------------------------------------------ the oracle

    /** What one damaged store answered. */
    private static final class Outcome {
        boolean openFailed;
        final List<BraidException> errors = new ArrayList<>();
        List<IntegrityFinding> findings = List.of();
        boolean checkFoundCorruption;
        int seq = -1;

        boolean detected() {
            return openFailed || checkFoundCorruption || !findings.isEmpty();
        }
    }

    /** Which commits a damaged store may answer with. */
    private record Expect(int lowestSeq, int highestSeq, List<NavigableMap<byte[], byte[]>> models) {
        static Expect exactly(int seq, NavigableMap<byte[], byte[]> model) {
            List<NavigableMap<byte[], byte[]>> m = new ArrayList<>();
            for (int i = 0; i < seq; i++) {
                m.add(null);
            }
            m.add(model);
            return new Expect(seq, seq, m);
        }
    }

    private static final Expect PAGE_DAMAGE = new Expect(COMMITS, COMMITS, null);
    private static final Expect LOG_DAMAGE = new Expect(CHECKPOINTED, COMMITS, null);

    private static NavigableMap<byte[], byte[]> model(Expect e, int seq) {
        return e.models == null ? atCommit.get(seq) : e.models.get(seq);
    }

    /**
     * Opens the damaged store and runs every operation on it. Each either throws a typed
     * BraidException or answers as the model at the commit the store says it is at; anything else
     * fails the test with {@code ctx}.
     */
    private static Outcome probe(FaultyFileSystem fs, Expect expect, String ctx) {
        return assertTimeoutPreemptively(CASE_LIMIT, () -> probeNow(fs, expect, ctx), () -> ctx + ": hung");
    }

    private static Outcome probeNow(FaultyFileSystem fs, Expect expect, String ctx) {
        Outcome out = new Outcome();
        Braid store = typed(out, ctx, "open", () -> Braid.open(DIR, options(fs)));
        if (store == null) {
            out.openFailed = true;
            return out;
        }
        try {
            Map<String, String> meta = typed(out, ctx, "committedMetadata", store::committedMetadata);
            if (meta == null) {
                return out;
            }
            String seqText = meta.get("seq");
            int seq = seqText == null ? 0 : Integer.parseInt(seqText);
            if (seq < expect.lowestSeq || seq > expect.highestSeq) {
                fail(ctx + ": the store opened at commit " + seq + " (metadata " + meta + "), expected "
                        + (expect.lowestSeq == expect.highestSeq ? expect.lowestSeq
                                : expect.lowestSeq + ".." + expect.highestSeq));
            }
            out.seq = seq;
            NavigableMap<byte[], byte[]> model = model(expect, seq);
            String sctx = ctx + ", at commit " + seq;
            for (byte[] k : touched) {
                byte[][] got = typed(out, sctx, "get", () -> new byte[][] {store.get(k)});
                if (got != null && !Arrays.equals(model.get(k), got[0])) {
                    fail(sctx + ": get(" + show(k) + ") returned " + show(got[0]) + ", expected " + show(model.get(k)));
                }
            }
            scan(out, store.iterator(KeyRange.all()), new ArrayList<>(model.entrySet()), sctx + ", forward scan");
            scan(out, store.reverseIterator(KeyRange.all()), new ArrayList<>(model.descendingMap().entrySet()),
                    sctx + ", reverse scan");
            Long count = typed(out, sctx, "count", store::count);
            if (count != null) {
                assertEquals(model.size(), count, sctx + ": count()");
            }
            int errorsBefore = out.errors.size();
            List<IntegrityFinding> findings = typed(out, sctx, "check", store::check);
            if (findings != null) {
                out.findings = findings;
            } else {
                out.checkFoundCorruption = hasCause(out.errors.get(errorsBefore), c -> c instanceof CorruptionException);
            }
        } finally {
            typed(out, ctx, "close", () -> {
                store.close();
                return null;
            });
        }
        return out;
    }

    /** Walks an iterator: every entry it returns must be the model's next one, until a typed error. */
    private static void scan(Outcome out, BraidIterator it, List<Map.Entry<byte[], byte[]>> want, String ctx) {
        int errorsBefore = out.errors.size();
        int i = 0;
        while (true) {
            Entry e = typed(out, ctx, "next", () -> it.hasNext() ? it.next() : null);
            if (e == null) {
                break;
            }
            if (i >= want.size() || !Arrays.equals(want.get(i).getKey(), e.key())
                    || !Arrays.equals(want.get(i).getValue(), e.value())) {
                fail(ctx + ": entry " + i + " is " + show(e.key()) + "=" + show(e.value()) + ", expected "
                        + (i >= want.size() ? "the end" : show(want.get(i).getKey()) + "=" + show(want.get(i).getValue())));
            }
            i++;
        }
        if (out.errors.size() == errorsBefore) {
            assertEquals(want.size(), i, ctx + ": the scan ended early without an error");
        }
        typed(out, ctx, "iterator close", () -> {
            it.close();
            return null;
        });
    }

    /** The call's result, or null after a typed BraidException (recorded); anything else fails. */
    private static <T> T typed(Outcome out, String ctx, String what, Callable<T> call) {
        try {
            return call.call();
        } catch (BraidException e) {
            out.errors.add(e);
            return null;
        } catch (Throwable t) {
            throw new AssertionFailedError(ctx + ": " + what + " threw an untyped exception: "
                    + FaultTestSupport.stackTrace(t), t);
        }
    }

    /** Damage to a page in use: a typed error or the latest commit, and check() must see it. */
    private static void expectPageDamageSeen(FaultyFileSystem fs, String ctx) {
        Outcome out = probe(fs, PAGE_DAMAGE, ctx);
        if (everyPageInUse) {
            assertTrue(out.detected(), ctx + ": the damage went unnoticed: open worked and check() found nothing");
        }
    }

    private static List<Long> randomOffsets(Random rnd, long bound, int n) {
        List<Long> offsets = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            offsets.add(Math.floorMod(rnd.nextLong(), bound));
        }
        return offsets;
    }

    /** Runs every case, then fails listing those that failed (all of them, so a report is complete). */
    private static void forEachCase(String what, List<Long> cases, Consumer<Long> check) {
        long t0 = System.nanoTime();
        List<String> failures = new ArrayList<>();
        for (long c : cases) {
            try {
                check.accept(c);
            } catch (AssertionError e) {
                failures.add(e.getMessage());
            }
        }
        System.out.printf("CorruptionTest: %s: %d cases, %d failed, in %d ms%n", what, cases.size(), failures.size(),
                (System.nanoTime() - t0) / 1_000_000);
        if (!failures.isEmpty()) {
            fail(what + ": " + failures.size() + " of " + cases.size() + " cases failed:\n"
                    + String.join("\n", failures.subList(0, Math.min(12, failures.size())))
                    + (failures.size() > 12 ? "\n..." : ""));
        }
    }

    /** Up to {@code n} of {@code 0..count-1}, evenly spread, the last one included. */
    private static List<Long> spread(long count, int n) {
        List<Long> out = new ArrayList<>();
        for (int i = 0; i < Math.min(n, count); i++) {
            out.add(i * count / Math.min(n, count));
        }
        if (count > 0 && !out.contains(count - 1)) {
            out.add(count - 1);
        }
        return out;
    }

    // ------------------------------------------------------------------ page file

    @Test
    void undamagedStoresAnswerCorrectly() {
        Outcome page = probe(copy(pageStore), PAGE_DAMAGE, "seed " + SEED + ", page store undamaged");
        assertTrue(page.errors.isEmpty() && page.findings.isEmpty(), "undamaged page store: " + page.errors
                + page.findings);
        Outcome log = probe(copy(logStore), Expect.exactly(COMMITS, atCommit.get(COMMITS)),
                "seed " + SEED + ", log store undamaged");
        assertTrue(log.errors.isEmpty() && log.findings.isEmpty(), "undamaged log store: " + log.errors + log.findings);
        Outcome mixed = probe(copy(mixedStore), Expect.exactly(MIXED_SEQ, mixedModel), "seed " + SEED + ", mixed");
        assertTrue(mixed.errors.isEmpty() && mixed.findings.isEmpty(), "undamaged mixed store: " + mixed.errors
                + mixed.findings);
    }

    @Test
    void bitFlipsInThePageFile() {
        long bits = pageStore.bytes(PAGES).length * 8L;
        forEachCase("page file bit flips", randomOffsets(new Random(SEED + 1), bits, 250), bit -> {
            FaultyFileSystem fs = copy(pageStore);
            fs.flipBit(PAGES, bit);
            expectPageDamageSeen(fs, "seed " + SEED + ", braid.pages bit " + bit + " (byte " + bit / 8 + ", page "
                    + bit / 8 / PAGE + ") flipped");
        });
    }

    /**
     * A store with free pages: check() need not notice damage to a free page (its bytes mean
     * nothing), and the test cannot tell free pages apart, so here only the answers are checked.
     */
    @Test
    void bitFlipsInThePageFileOfAStoreWithFreePages() {
        long bits = mixedStore.bytes(PAGES).length * 8L;
        Expect expect = Expect.exactly(MIXED_SEQ, mixedModel);
        forEachCase("mixed store page file bit flips", randomOffsets(new Random(SEED + 2), bits, 120), bit -> {
            FaultyFileSystem fs = copy(mixedStore);
            fs.flipBit(PAGES, bit);
            probe(fs, expect, "seed " + SEED + ", mixed store, braid.pages bit " + bit + " (page " + bit / 8 / PAGE
                    + ") flipped");
        });
    }

    @Test
    void zeroedPages() {
        List<Long> which = spread(pageStore.bytes(PAGES).length / PAGE, 80);
        forEachCase("zeroed pages", which, p -> {
            FaultyFileSystem fs = copy(pageStore);
            fs.zero(PAGES, p * PAGE, PAGE);
            expectPageDamageSeen(fs, "seed " + SEED + ", braid.pages page " + p + " zeroed");
        });
    }

    @Test
    void truncatedPageFile() {
        long len = pageStore.bytes(PAGES).length;
        List<Long> lengths = new ArrayList<>(List.of(0L, 1L, 8L, 15L, 100L, PAGE - 1L, (long) PAGE, PAGE + 1L,
                2L * PAGE, len / 2, len / 2 + 17, len - PAGE, len - PAGE / 2, len - 1));
        forEachCase("truncated page file", lengths, size -> {
            FaultyFileSystem fs = copy(pageStore);
            fs.truncateFile(PAGES, size);
            expectPageDamageSeen(fs, "seed " + SEED + ", braid.pages truncated to " + size + " of " + len + " bytes");
        });
    }

    /**
     * An empty page file beside a log with a valid header (and here committed frames) cannot come
     * from a crash while creating a store: the page file is written and synced before the log
     * header. Starting a new empty store would silently drop every commit.
     */
    @Test
    void emptyPageFileBesideALogWithCommits() {
        FaultyFileSystem fs = copy(logStore);
        fs.truncateFile(PAGES, 0);
        probe(fs, PAGE_DAMAGE, "seed " + SEED + ", log store, braid.pages truncated to 0 bytes");
    }

    /**
     * An older, self-consistent copy of a page over the current one (a lost write): its own
     * checksum holds, so only the reference to it can tell.
     */
    @Test
    void stalePages() {
        byte[] current = pageStore.bytes(PAGES);
        List<Long> changed = new ArrayList<>();
        for (long p = 0; p < Math.min(current.length, earlyPageFile.length) / PAGE; p++) {
            int o = (int) (p * PAGE);
            if (!Arrays.equals(current, o, o + PAGE, earlyPageFile, o, o + PAGE)) {
                changed.add(p);
            }
        }
        assertTrue(changed.size() > 3, "pages changed since the early checkpoint: " + changed);
        forEachCase("stale pages", changed, p -> {
            FaultyFileSystem fs = copy(pageStore);
            fs.overwrite(PAGES, p * PAGE, Arrays.copyOfRange(earlyPageFile, (int) (p * PAGE), (int) (p * PAGE + PAGE)));
            expectPageDamageSeen(fs, "seed " + SEED + ", braid.pages page " + p + " replaced by its copy of commit 2");
        });
    }

    // ------------------------------------------------------------------ log

    @Test
    void bitFlipsInTheLog() {
        long bits = logStore.bytes(LOG).length * 8L;
        forEachCase("log bit flips", randomOffsets(new Random(SEED + 3), bits, 250), bit -> {
            FaultyFileSystem fs = copy(logStore);
            fs.flipBit(LOG, bit);
            long b = bit / 8;
            probe(fs, LOG_DAMAGE, "seed " + SEED + ", braid.log bit " + bit + " (byte " + b + ", "
                    + (b < LOG_HEADER ? "header" : "frame " + (b - LOG_HEADER) / FRAME) + ") flipped");
        });
    }

    @Test
    void zeroedLogFramesAndHeader() {
        List<Long> which = new ArrayList<>(List.of(-1L)); // -1: the header
        which.addAll(spread((logStore.bytes(LOG).length - LOG_HEADER) / FRAME, 80));
        forEachCase("zeroed log frames", which, f -> {
            FaultyFileSystem fs = copy(logStore);
            if (f < 0) {
                fs.zero(LOG, 0, LOG_HEADER);
            } else {
                fs.zero(LOG, LOG_HEADER + f * FRAME, FRAME);
            }
            probe(fs, LOG_DAMAGE, "seed " + SEED + ", braid.log " + (f < 0 ? "header" : "frame " + f) + " zeroed");
        });
    }

    @Test
    void truncatedLog() {
        long len = logStore.bytes(LOG).length;
        List<Long> lengths = new ArrayList<>(List.of(0L, 5L, 12L, 100L, LOG_HEADER - 1L, (long) LOG_HEADER,
                LOG_HEADER + 10L, LOG_HEADER + FRAME / 2L, (long) LOG_HEADER + FRAME));
        for (long f : spread((len - LOG_HEADER) / FRAME, 40)) {
            lengths.add(LOG_HEADER + f * FRAME);
            lengths.add(LOG_HEADER + f * FRAME - 3);
        }
        lengths.add(len - 1);
        forEachCase("truncated log", lengths, size -> {
            FaultyFileSystem fs = copy(logStore);
            fs.truncateFile(LOG, size);
            probe(fs, LOG_DAMAGE, "seed " + SEED + ", braid.log truncated to " + size + " of " + len + " bytes");
        });
    }

    /** An earlier frame of the same log copied over a later one: its checksum holds in isolation. */
    @Test
    void staleLogFrames() {
        long frames = (logStore.bytes(LOG).length - LOG_HEADER) / FRAME;
        Random rnd = new Random(SEED + 4);
        List<Long> cases = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            long to = 1 + rnd.nextInt((int) frames - 1);
            cases.add(to * frames + rnd.nextInt((int) to)); // from < to
        }
        forEachCase("stale log frames", cases, c -> {
            long to = c / frames;
            long from = c % frames;
            FaultyFileSystem fs = copy(logStore);
            fs.overwrite(LOG, LOG_HEADER + to * FRAME, fs.range(LOG, LOG_HEADER + from * FRAME, FRAME));
            probe(fs, LOG_DAMAGE, "seed " + SEED + ", braid.log frame " + to + " replaced by frame " + from);
        });
    }

    // ------------------------------------------------------------------ foreign files

    @Test
    void textFileNamedLikeThePageFile() {
        FaultyFileSystem fs = new FaultyFileSystem();
        fs.writeFile(PAGES, ascii("Dear diary, this is not a Braid store.\n".repeat(40)));
        expectIncompatibleAndUnchanged(fs, "a text file as braid.pages");
    }

    @Test
    void textFileNamedLikeTheLog() {
        FaultyFileSystem fs = copy(logStore);
        fs.truncateFile(LOG, 0);
        fs.overwrite(LOG, 0, ascii("2024-06-01 INFO nothing to see here\n".repeat(40)));
        expectIncompatibleAndUnchanged(fs, "a text file as braid.log");
    }

    @Test
    void newerPageFileFormatVersion() {
        FaultyFileSystem fs = copy(pageStore);
        assertArrayEquals(ascii("BRAIDPAG"), fs.range(PAGES, 0, 8));
        int version = ByteBuffer.wrap(fs.range(PAGES, 8, 4)).getInt();
        assertEquals(PAGE, ByteBuffer.wrap(fs.range(PAGES, 12, 4)).getInt());
        fs.overwrite(PAGES, 8, ByteBuffer.allocate(4).putInt(version + 1).array());
        expectIncompatibleAndUnchanged(fs, "braid.pages of format version " + (version + 1));
    }

    @Test
    void newerLogFormatVersion() {
        FaultyFileSystem fs = copy(logStore);
        assertArrayEquals(ascii("BRAIDLOG"), fs.range(LOG, 0, 8));
        int version = ByteBuffer.wrap(fs.range(LOG, 8, 4)).getInt();
        fs.overwrite(LOG, 8, ByteBuffer.allocate(4).putInt(version + 1).array());
        expectIncompatibleAndUnchanged(fs, "braid.log of format version " + (version + 1));
    }

    private static void expectIncompatibleAndUnchanged(FaultyFileSystem fs, String what) {
        Map<Path, byte[]> before = files(fs);
        assertTimeoutPreemptively(CASE_LIMIT, () -> {
            try (Braid store = Braid.open(DIR, options(fs))) {
                fail(what + ": opened at commit " + committedSeq(store) + " instead of IncompatibleFormatException");
            } catch (IncompatibleFormatException expected) {
                assertNotNull(expected.getMessage());
            } catch (Throwable t) {
                fail(what + ": expected IncompatibleFormatException, got " + FaultTestSupport.stackTrace(t));
            }
        }, () -> what + ": open hung");
        Map<Path, byte[]> after = files(fs);
        after.remove(Path.of("braid.lock")); // taking the lock may create it
        before.remove(Path.of("braid.lock"));
        assertEquals(before.keySet(), after.keySet(), what + ": files were created or removed");
        for (Map.Entry<Path, byte[]> e : before.entrySet()) {
            assertArrayEquals(e.getValue(), after.get(e.getKey()), what + ": " + e.getKey() + " was changed");
        }
    }

    private static Map<Path, byte[]> files(FaultyFileSystem fs) {
        Map<Path, byte[]> files = new HashMap<>();
        try {
            for (Path name : fs.list(DIR)) {
                files.put(name, fs.bytes(DIR.resolve(name)));
            }
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        return files;
    }
}
