package dev.braid.store.internal.engine;

import dev.braid.store.internal.format.Bytes;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.TreeMap;

/**
 * Commit metadata as bytes: a varint count, then for each entry in key order a varint length and
 * UTF-8 bytes of the key, then of the value (docs/format/page-file.md). Stateless.
 */
final class MetadataCodec {
    private MetadataCodec() {
    }

    static byte[] encode(Map<String, String> meta) {
        TreeMap<String, String> sorted = new TreeMap<>(meta);
        int size = Bytes.varintSize(sorted.size());
        for (Map.Entry<String, String> e : sorted.entrySet()) {
            int k = e.getKey().getBytes(StandardCharsets.UTF_8).length;
            int v = e.getValue().getBytes(StandardCharsets.UTF_8).length;
            size += Bytes.varintSize(k) + k + Bytes.varintSize(v) + v;
        }
        byte[] b = new byte[size];
        int p = Bytes.putVarint(b, 0, sorted.size());
        for (Map.Entry<String, String> e : sorted.entrySet()) {
            p = putString(b, p, e.getKey());
            p = putString(b, p, e.getValue());
        }
        return b;
    }

    private static int putString(byte[] b, int p, String s) {
        byte[] u = s.getBytes(StandardCharsets.UTF_8);
        p = Bytes.putVarint(b, p, u.length);
        System.arraycopy(u, 0, b, p, u.length);
        return p + u.length;
    }

    /** Decodes; throws IllegalStateException on malformed bytes (the caller reports corruption). */
    static Map<String, String> decode(byte[] b) {
        TreeMap<String, String> m = new TreeMap<>();
        if (b.length == 0) {
            return m;
        }
        int[] pos = {0};
        long n = Bytes.getVarint(b, pos, b.length);
        for (long i = 0; i < n; i++) {
            String k = getString(b, pos);
            m.put(k, getString(b, pos));
        }
        if (pos[0] != b.length) {
            throw new IllegalStateException("trailing bytes after metadata");
        }
        return m;
    }

    private static String getString(byte[] b, int[] pos) {
        long len = Bytes.getVarint(b, pos, b.length);
        if (len < 0 || pos[0] + len > b.length) {
            throw new IllegalStateException("metadata string runs past its end");
        }
        String s = new String(b, pos[0], (int) len, StandardCharsets.UTF_8);
        pos[0] += (int) len;
        return s;
    }
}
