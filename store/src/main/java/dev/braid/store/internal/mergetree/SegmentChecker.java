package dev.braid.store.internal.mergetree;

import dev.braid.store.internal.page.Run;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Verifies one segment for {@code Braid.check()}: every block passes its checksum (thrown as a
 * corruption error by the reader), levels step down by one, blocks lie inside the segment's runs,
 * keys ascend across the whole segment, and the counts, key range and bloom filter agree with the
 * manifest record. Reads without caching; changes nothing.
 */
public final class SegmentChecker {
    private final Segment segment;
    private final List<String> problems = new ArrayList<>();
    private byte[] prev;
    private long entries;
    private long tombstones;
    private long dataBytes;

    public SegmentChecker(Segment segment) {
        this.segment = segment;
    }

    public List<String> run() throws IOException {
        SegmentInfo info = segment.info();
        SegmentBlock root = segment.root(false);
        within(root.pageNo(), info.rootPages());
        walk(root, 0);
        if (prev == null || !Arrays.equals(prev, info.maxKey())) {
            problems.add("last key differs from the recorded largest key");
        }
        if (entries != info.entries() || tombstones != info.tombstones() || dataBytes != info.dataBytes()) {
            problems.add("holds " + entries + " entries (" + tombstones + " deletes, " + dataBytes
                    + " bytes) but its record says " + info.entries() + " (" + info.tombstones() + ", "
                    + info.dataBytes() + ")");
        }
        within(info.bloomPage(), 1);
        return problems;
    }

    private void walk(SegmentBlock b, int depth) throws IOException {
        if (depth > 64) {
            problems.add("index deeper than 64 levels");
            return;
        }
        if (b.isData()) {
            SegmentInfo info = segment.info();
            long hash;
            for (int i = 0; i < b.n; i++) {
                byte[] k = b.key(i);
                if (prev == null && !Arrays.equals(k, info.minKey())) {
                    problems.add("first key differs from the recorded smallest key");
                }
                if (prev != null && Arrays.compareUnsigned(prev, k) >= 0) {
                    problems.add("keys out of order in the block at page " + b.pageNo());
                }
                hash = Bloom.hash(k);
                if (!segment.mayContain(k, hash)) {
                    problems.add("bloom filter or key range excludes a key it holds (block at page " + b.pageNo() + ")");
                }
                prev = k;
                entries++;
                if (b.isTombstone(i)) {
                    tombstones++;
                    dataBytes += k.length;
                } else if (b.isRef(i)) {
                    dataBytes += k.length + b.valueLength(i);
                    within(b.refPage(i), 1, "value page");
                    try {
                        segment.value(b, i, false, null); // verifies the page against its checksum
                    } catch (dev.braid.store.CorruptionException e) {
                        problems.add(e.getMessage());
                    }
                } else {
                    dataBytes += k.length + b.value(i).length;
                }
            }
            return;
        }
        for (int i = 0; i < b.n; i++) {
            within(b.childPage(i), b.childPages(i));
            SegmentBlock c = segment.child(b, i, false);
            if (c.compareKey(0, b.key(i)) != 0) {
                problems.add("index entry at page " + b.pageNo() + " does not match its child's first key");
            }
            walk(c, depth + 1);
        }
    }

    private void within(int page, int pages) {
        within(page, pages, "block");
    }

    private void within(int page, int pages, String what) {
        for (Run r : segment.info().runs()) {
            if (page >= r.start() && page + pages <= r.end()) {
                return;
            }
        }
        problems.add(what + " at page " + page + " lies outside the segment's runs");
    }
}
