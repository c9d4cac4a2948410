package dev.braid.store.internal.mergetree;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * The arena write buffer against a {@code TreeMap} model: overwrites (newest wins), deletes, values
 * larger than a chunk between small ones, lookups interleaved with writes (the lazy index catching
 * up), and both ways of reading it in key order.
 */
class WriteBufferTest {
    private static final byte[] DELETED = new byte[0];

    @Test
    void agreesWithAMapUnderRandomWrites() throws IOException {
        long seed = System.nanoTime();
        Random rnd = new Random(seed);
        for (int round = 0; round < 20; round++) {
            WriteBuffer buf = new WriteBuffer();
            TreeMap<byte[], byte[]> model = new TreeMap<>(Arrays::compareUnsigned);
            long charged = 0;
            int ops = 1 + rnd.nextInt(5000);
            for (int i = 0; i < ops; i++) {
                byte[] key = key(rnd);
                String ctx = "seed " + seed + " round " + round + " op " + i;
                switch (rnd.nextInt(6)) {
                    case 0 -> {
                        charged += buf.delete(key);
                        model.put(key, DELETED);
                    }
                    case 1 -> {
                        byte[] v = model.get(key);
                        byte[] got = buf.lookup(key);
                        if (v == null) {
                            assertNull(got, ctx);
                        } else if (v == DELETED) {
                            assertSame(WriteBuffer.TOMBSTONE, got, ctx);
                        } else {
                            assertArrayEquals(v, got, ctx);
                        }
                        assertEquals(v != null, buf.holds(key), ctx);
                    }
                    default -> {
                        byte[] v = new byte[rnd.nextInt(50) == 0 ? Arena.CHUNK + rnd.nextInt(1000) : rnd.nextInt(60)];
                        rnd.nextBytes(v);
                        charged += buf.put(key, v);
                        model.put(key, v);
                    }
                }
            }
            // The budget is charged in steps: never more than the buffer holds, never a step behind.
            assertTrue(charged <= buf.bytes() && buf.bytes() - charged < WriteBuffer.CHARGE_STEP_BYTES,
                    "charged " + charged + " of " + buf.bytes());
            assertEquals(model.size(), buf.distinctKeys());
            WriteBuffer.Sorted s = buf.sorted();
            List<byte[]> rawKeys = new ArrayList<>();
            List<byte[]> rawValues = new ArrayList<>();
            buf.forEachSorted((kb, ko, kl, vb, vo, vl) -> {
                rawKeys.add(Arrays.copyOfRange(kb, ko, ko + kl));
                rawValues.add(vl < 0 ? DELETED : Arrays.copyOfRange(vb, vo, vo + vl));
            });
            int i = 0;
            for (Map.Entry<byte[], byte[]> e : model.entrySet()) {
                assertArrayEquals(e.getKey(), s.keys()[i], "seed " + seed + " key #" + i);
                assertArrayEquals(e.getKey(), rawKeys.get(i));
                if (e.getValue() == DELETED) {
                    assertSame(WriteBuffer.TOMBSTONE, s.values()[i]);
                    assertSame(DELETED, rawValues.get(i));
                } else {
                    assertArrayEquals(e.getValue(), s.values()[i], "seed " + seed + " value #" + i);
                    assertArrayEquals(e.getValue(), rawValues.get(i));
                }
                i++;
            }
            assertEquals(-charged, buf.clear());
            assertNull(buf.lookup(key(rnd)));
        }
    }

    private static byte[] key(Random rnd) {
        // Short keys from a small alphabet (many overwrites), some long with a shared 12-byte prefix.
        if (rnd.nextInt(4) == 0) {
            byte[] k = Arrays.copyOf("user-0000000".getBytes(), 12 + rnd.nextInt(3));
            for (int i = 12; i < k.length; i++) {
                k[i] = (byte) rnd.nextInt(3);
            }
            return k;
        }
        byte[] k = new byte[rnd.nextInt(4)];
        for (int i = 0; i < k.length; i++) {
            k[i] = (byte) (rnd.nextBoolean() ? rnd.nextInt(3) : 0xFE + rnd.nextInt(2));
        }
        return k;
    }
}
