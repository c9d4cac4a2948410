package dev.braid.store.internal.page;

import java.io.IOException;

/** Turns a verified page image into a {@link Page}; supplied by the tree layer. */
@FunctionalInterface
public interface PageDecoder {
    /**
     * Decodes {@code image}. Throws {@link dev.braid.store.CorruptionException} (via
     * {@link PageIo#corrupt}) when the image is not a valid page of the expected kind.
     */
    Page decode(int pageNo, byte[] image) throws IOException;
}
