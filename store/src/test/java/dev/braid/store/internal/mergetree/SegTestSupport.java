package dev.braid.store.internal.mergetree;

import dev.braid.store.Braid;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.NavigableMap;
import java.util.Random;
import java.util.TreeMap;

/** Key and value generators and the sorted-map model shared by the merge-tree and tree builder tests. */
public final class SegTestSupport {
    private SegTestSupport() {
    }

    /** A model in the store's key order (unsigned bytes); a delete is {@link WriteBuffer#TOMBSTONE}. */
    public static NavigableMap<byte[], byte[]> newModel() {
        return new TreeMap<>(Arrays::compareUnsigned);
    }

    /** Seed from {@code -Dbraid.seed} (decimal or 0x hex), else the given default. */
    public static long seed(long defaultSeed) {
        String s = System.getProperty("braid.seed");
        return s == null || s.isBlank() ? defaultSeed : Long.decode(s.trim());
    }

    /**
     * A random key of 1..maxLen bytes (skewed lengths, bytes from a small alphabet with 0x00, 0x7F,
     * 0x80 and 0xFF so that unsigned order, shared prefixes and prefix keys all show up).
     */
    public static byte[] randomKey(Random rnd, int maxLen) {
        int len = rnd.nextInt(8) == 0 ? 1 + rnd.nextInt(3) : 1 + rnd.nextInt(maxLen);
        byte[] k = new byte[len];
        for (int i = 0; i < len; i++) {
            k[i] = randomByte(rnd);
        }
        return k;
    }

    static byte randomByte(Random rnd) {
        switch (rnd.nextInt(8)) {
            case 0:
                return 0;
            case 1:
                return (byte) 0xFF;
            case 2:
                return (byte) 0x80;
            case 3:
                return (byte) 0x7F;
            default:
                return (byte) rnd.nextInt(256);
        }
    }

    /** A key of exactly {@link Braid#MAX_KEY_BYTES} bytes: a random prefix, then filler, then a random tail. */
    public static byte[] maxKey(Random rnd) {
        byte[] k = new byte[Braid.MAX_KEY_BYTES];
        k[0] = randomByte(rnd);
        Arrays.fill(k, 1, k.length - 4, (byte) 'x');
        for (int i = k.length - 4; i < k.length; i++) {
            k[i] = randomByte(rnd);
        }
        return k;
    }

    public static byte[] randomValue(Random rnd, int len) {
        byte[] v = new byte[len];
        rnd.nextBytes(v);
        return v;
    }

    /** A short printable form of a key or value for messages. */
    public static String show(byte[] b) {
        if (b == null) {
            return "null";
        }
        if (b == WriteBuffer.TOMBSTONE) {
            return "TOMBSTONE";
        }
        String hex = HexFormat.of().formatHex(b, 0, Math.min(b.length, 24));
        return b.length <= 24 ? hex : hex + "...(" + b.length + " bytes)";
    }
}
