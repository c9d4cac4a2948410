package dev.braid.store.internal.mergetree;

import dev.braid.store.internal.page.Run;

import java.util.List;

/**
 * What the manifest records of one segment (docs/format/segment.md).
 *
 * @param id unique, increasing with age: a newer segment has a larger id
 * @param runs the page runs the segment occupies (freed whole when it is merged away)
 * @param rootPage first page of the root block; {@code rootPages} its length; {@code rootCrc} its CRC32C
 * @param entries entries including deletes; {@code tombstones} the deletes among them
 * @param dataBytes key plus value bytes of all entries
 * @param minKey smallest key; {@code maxKey} the largest
 * @param bloomPage first page of the bloom filter, {@code bloomBytes} its length, {@code bloomCrc} its CRC32C
 * @param deltaKnown whether {@code liveDelta} is known
 * @param liveDelta how many live keys the segment adds to the store view below it (negative when it
 *        deletes more than it adds); stable, since writes to keys it holds go above it (W1)
 */
public record SegmentInfo(long id, List<Run> runs, int rootPage, int rootPages, int rootCrc, long entries,
                          long tombstones, long dataBytes, byte[] minKey, byte[] maxKey, int bloomPage,
                          int bloomBytes, int bloomCrc, boolean deltaKnown, long liveDelta) {

    public long pages() {
        long n = 0;
        for (Run r : runs) {
            n += r.pages();
        }
        return n;
    }

    public SegmentInfo withId(long newId) {
        return new SegmentInfo(newId, runs, rootPage, rootPages, rootCrc, entries, tombstones, dataBytes, minKey,
                maxKey, bloomPage, bloomBytes, bloomCrc, deltaKnown, liveDelta);
    }

    public SegmentInfo withDelta(long delta) {
        return new SegmentInfo(id, runs, rootPage, rootPages, rootCrc, entries, tombstones, dataBytes, minKey,
                maxKey, bloomPage, bloomBytes, bloomCrc, true, delta);
    }
}
