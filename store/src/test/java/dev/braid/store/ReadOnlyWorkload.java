package dev.braid.store;

import static dev.braid.store.FaultTestSupport.ascii;

import java.nio.charset.StandardCharsets;
import java.util.NavigableMap;

/**
 * The self-checking workload of {@link ReadOnlyProcessTest}: commit {@code i} rewrites every key
 * with a value that names {@code i} and deletes the keys j with (j + i) % 7 == 0, so any state read
 * back tells which commit it claims to be and can be compared with that commit exactly. Key
 * {@code big} (on overflow pages) is always present. Every third commit writes blindly (an unlogged
 * batch: a segment, merged in the background).
 */
final class ReadOnlyWorkload {
    static final int KEYS = 100;
    static final byte[] BIG = ascii("big");

    private ReadOnlyWorkload() {
    }

    static byte[] key(int j) {
        return ascii(String.format("k%03d", j));
    }

    static boolean present(int j, int seq) {
        return (j + seq) % 7 != 0;
    }

    static byte[] value(int j, int seq) {
        return ascii(seq + ":" + j + ":" + "x".repeat((seq * 31 + j) % 23));
    }

    static byte[] bigValue(int seq) {
        return ascii((seq + ",").repeat(300));
    }

    static WriteBatch batch(int seq) {
        boolean blind = seq % 3 == 0;
        WriteBatch b = blind ? new WriteBatch().unlogged() : new WriteBatch();
        for (int j = 0; j < KEYS; j++) {
            if (present(j, seq)) {
                if (blind) {
                    b.blindPut(key(j), value(j, seq));
                } else {
                    b.put(key(j), value(j, seq));
                }
            } else if (blind) {
                b.blindDelete(key(j));
            } else {
                b.delete(key(j));
            }
        }
        return b.put(BIG, bigValue(seq));
    }

    /** The whole store after commit {@code seq}, in key order. */
    static NavigableMap<byte[], byte[]> state(int seq) {
        NavigableMap<byte[], byte[]> m = FaultTestSupport.newModel();
        for (int j = 0; j < KEYS; j++) {
            if (present(j, seq)) {
                m.put(key(j), value(j, seq));
            }
        }
        m.put(BIG, bigValue(seq));
        return m;
    }

    /** The commit a value of this workload names. */
    static int seqOf(byte[] value) {
        String s = new String(value, StandardCharsets.US_ASCII);
        int end = s.indexOf(s.contains(":") ? ':' : ',');
        return Integer.parseInt(s.substring(0, end));
    }
}
