package dev.braid.store.internal.page;

/**
 * A verified page image kept as it is (a tree value's own page, read by gets): the image, or only
 * its first bytes that hold the value (a page kept as a build wrote it), and the CRC32C of the page,
 * which a reader compares with the one its reference holds. Immutable; the image is never handed
 * out, only copied from.
 */
public final class ImagePage extends Page {
    private final byte[] image;
    private final int crc;

    public ImagePage(int pageNo, byte[] image, int crc) {
        super(pageNo);
        this.image = image;
        this.crc = crc;
    }

    public int crc() {
        return crc;
    }

    /** Copies {@code len} bytes of the image from its start into {@code out}. */
    public void copyTo(byte[] out, int len) {
        System.arraycopy(image, 0, out, 0, len);
    }

    @Override
    public int encodedSize() {
        return image.length;
    }

    @Override
    public void encode(byte[] out) {
        System.arraycopy(image, 0, out, 0, image.length);
    }

    @Override
    public long heapBytes() {
        return heapBytesFor(image.length);
    }

    /** What a page kept with {@code imageBytes} of image is charged. */
    static long heapBytesFor(int imageBytes) {
        return 16L + imageBytes + 32;
    }
}
