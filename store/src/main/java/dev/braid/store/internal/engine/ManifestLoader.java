package dev.braid.store.internal.engine;

import dev.braid.store.internal.btree.BTree;
import dev.braid.store.internal.btree.BlobRef;
import dev.braid.store.internal.mergetree.Manifest;
import dev.braid.store.internal.mergetree.Segment;
import dev.braid.store.internal.mergetree.SegmentInfo;
import dev.braid.store.internal.mergetree.SegmentReader;
import dev.braid.store.internal.page.HeaderPage;
import dev.braid.store.internal.page.PageCache;
import dev.braid.store.internal.page.Run;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Opening the committed manifest that a header names (a writer's open, a read-only snapshot): its
 * blob read and decoded, every run checked to lie inside the file, its segments opened (their bloom
 * filters loaded and charged to the cache's budget). Stateless.
 */
final class ManifestLoader {
    private ManifestLoader() {
    }

    /** The manifest and its segments, newest first. */
    record Loaded(Manifest manifest, List<Segment> segments) {
    }

    static Loaded load(HeaderPage h, BTree tree, Storage storage, SegmentReader reader, PageCache cache)
            throws IOException {
        if (h.manifestLength == 0) {
            return new Loaded(Manifest.EMPTY, List.of());
        }
        byte[] bytes = tree.blobs().read(new BlobRef(h.manifestPage, h.manifestCrc, h.manifestLength));
        Manifest m;
        try {
            m = Manifest.decode(bytes);
        } catch (IllegalArgumentException e) {
            throw storage.corrupt(h.manifestPage, "manifest: " + e.getMessage());
        }
        List<Segment> open = new ArrayList<>();
        for (SegmentInfo s : m.segments()) {
            for (Run r : s.runs()) {
                if (r.end() > h.pageCount) {
                    throw storage.corrupt(r.start(), "segment " + s.id() + " lies past the end of the file");
                }
            }
            Segment seg = Segment.open(s, reader);
            cache.reserve(seg.heapBytes());
            open.add(seg);
        }
        for (List<Run> runs : List.of(m.reservations(), m.free())) {
            for (Run r : runs) {
                if (r.end() > h.pageCount) {
                    throw storage.corrupt(r.start(), "manifest run " + r + " lies past the end of the file");
                }
            }
        }
        return new Loaded(m, List.copyOf(open));
    }
}
