package dev.braid.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;
import java.util.function.Predicate;

/** What the crash and corruption tests share: the key-value model and its comparison with a store. */
final class FaultTestSupport {
    private FaultTestSupport() {
    }

    /** A model of a store's contents, in the store's key order (unsigned bytes). */
    static NavigableMap<byte[], byte[]> newModel() {
        return new TreeMap<>(Arrays::compareUnsigned);
    }

    static NavigableMap<byte[], byte[]> copy(NavigableMap<byte[], byte[]> model) {
        NavigableMap<byte[], byte[]> c = newModel();
        c.putAll(model);
        return c;
    }

    /** Seed from {@code -Dbraid.seed} (decimal or 0x hex), else the given default. */
    static long seedProperty(long defaultSeed) {
        String s = System.getProperty("braid.seed");
        return s == null || s.isBlank() ? defaultSeed : Long.decode(s.trim());
    }

    static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    /** A short printable form of a key or value for messages. */
    static String show(byte[] b) {
        if (b == null) {
            return "null";
        }
        boolean printable = true;
        for (byte x : b) {
            printable &= x >= 32 && x < 127;
        }
        String body = printable ? new String(b, StandardCharsets.US_ASCII) : HexFormat.of().formatHex(b);
        return b.length <= 40 ? "'" + body + "'" : "'" + body.substring(0, 40) + "...' (" + b.length + " bytes)";
    }

    /** The commit number a store says it is at: its "seq" metadata, 0 when there is none. */
    static int committedSeq(Braid store) {
        String seq = store.committedMetadata().get("seq");
        return seq == null ? 0 : Integer.parseInt(seq);
    }

    static Map<String, String> seqMeta(int seq) {
        return Map.of("seq", Integer.toString(seq));
    }

    /** Whether {@code t} or a cause of it matches. */
    static boolean hasCause(Throwable t, Predicate<Throwable> p) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (p.test(c)) {
                return true;
            }
            if (c.getCause() == c) {
                break;
            }
        }
        return false;
    }

    static String stackTrace(Throwable t) {
        StringWriter w = new StringWriter();
        t.printStackTrace(new PrintWriter(w));
        String s = w.toString();
        return s.length() > 4000 ? s.substring(0, 4000) + "\n\t..." : s;
    }

    /**
     * Asserts that the store holds exactly {@code model}: full forward and reverse scans, a get of
     * every key in {@code touched} and the count.
     */
    static void assertContents(Braid store, NavigableMap<byte[], byte[]> model, Collection<byte[]> touched,
            String ctx) {
        assertScan(store.iterator(KeyRange.all()), new ArrayList<>(model.entrySet()), ctx + ", forward scan");
        List<Map.Entry<byte[], byte[]>> reversed = new ArrayList<>(model.descendingMap().entrySet());
        assertScan(store.reverseIterator(KeyRange.all()), reversed, ctx + ", reverse scan");
        for (byte[] k : touched) {
            byte[] got = store.get(k);
            byte[] want = model.get(k);
            if (!Arrays.equals(want, got)) {
                fail(ctx + ": get(" + show(k) + ") returned " + show(got) + ", expected " + show(want));
            }
        }
        assertEquals(model.size(), store.count(), ctx + ": count()");
    }

    private static void assertScan(BraidIterator it, List<Map.Entry<byte[], byte[]>> want, String ctx) {
        try (it) {
            int i = 0;
            while (it.hasNext()) {
                Entry e = it.next();
                if (i >= want.size()) {
                    fail(ctx + ": unexpected extra entry " + show(e.key()) + " after " + want.size() + " entries");
                }
                Map.Entry<byte[], byte[]> w = want.get(i);
                if (!Arrays.equals(w.getKey(), e.key()) || !Arrays.equals(w.getValue(), e.value())) {
                    fail(ctx + ": entry " + i + " is " + show(e.key()) + "=" + show(e.value()) + ", expected "
                            + show(w.getKey()) + "=" + show(w.getValue()));
                }
                i++;
            }
            assertEquals(want.size(), i, ctx + ": number of entries");
        }
    }
}
