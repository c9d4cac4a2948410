package dev.braid.perf.loops;

/** The loops' records: 16-byte keys spread by a mixing function (random order, no collisions). */
final class LoopKeys {
    private LoopKeys() {
    }

    static byte[] key(long i) {
        long x = i * 0x9E3779B97F4A7C15L;
        x ^= x >>> 29;
        x *= 0xBF58476D1CE4E5B9L;
        x ^= x >>> 32;
        byte[] k = new byte[16];
        for (int b = 0; b < 8; b++) {
            k[b] = (byte) (x >>> (56 - 8 * b));
            k[8 + b] = (byte) (i >>> (56 - 8 * b));
        }
        return k;
    }
}
