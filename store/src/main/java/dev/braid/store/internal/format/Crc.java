package dev.braid.store.internal.format;

import java.util.zip.CRC32C;

/** CRC32C of byte ranges: the checksum of every page and log frame. Stateless, thread safe. */
public final class Crc {
    private Crc() {
    }

    public static int of(byte[] b) {
        return of(b, 0, b.length);
    }

    public static int of(byte[] b, int off, int len) {
        CRC32C c = new CRC32C();
        c.update(b, off, len);
        return (int) c.getValue();
    }
}
