package dev.braid.store.internal.format;

import java.util.zip.CRC32C;

/** CRC32C of byte ranges: the checksum of every page and log frame. Stateless, thread safe. */
public final class Crc {
    private Crc() {
    }

    public static int of(byte[] b) {
        return of(b, 0, b.length);
    }

    private static final byte[] ZEROS = new byte[64 * 1024];

    /** The CRC32C of {@code b[off, off + len)} followed by zeros up to {@code total} bytes (at most 64 KiB more). */
    public static int ofPadded(byte[] b, int off, int len, int total) {
        CRC32C c = new CRC32C();
        c.update(b, off, len);
        c.update(ZEROS, 0, total - len);
        return (int) c.getValue();
    }

    public static int of(byte[] b, int off, int len) {
        CRC32C c = new CRC32C();
        c.update(b, off, len);
        return (int) c.getValue();
    }
}
