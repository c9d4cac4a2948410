package dev.braid.store.internal.engine;

import dev.braid.store.CorruptionException;
import dev.braid.store.IntegrityFinding;
import dev.braid.store.internal.btree.BTree;
import dev.braid.store.internal.btree.BlobRef;
import dev.braid.store.internal.btree.TreeChecker;
import dev.braid.store.internal.page.HeaderPage;
import dev.braid.store.internal.page.Pager;
import dev.braid.store.internal.mergetree.Segment;
import dev.braid.store.internal.mergetree.SegmentChecker;
import dev.braid.store.internal.page.Run;
import java.io.IOException;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;

/**
 * {@code Braid.check()}: every page of the file is accounted for exactly once (header, tree nodes,
 * overflow pages, metadata blob, free-list trunks and the pages they list), every reachable page
 * passes its checksum and structural checks (see {@link TreeChecker}), and the entry count matches.
 * Runs under the store's write lock; changes nothing.
 */
final class IntegrityChecker {
    private final Pager pager;
    private final BTree tree;
    private final HeaderPage committed;
    private final List<IntegrityFinding> findings = new ArrayList<>();
    private final BitSet used = new BitSet();

    private final SegmentSet segs;

    IntegrityChecker(Pager pager, BTree tree, HeaderPage committed, SegmentSet segs) {
        this.pager = pager;
        this.tree = tree;
        this.committed = committed;
        this.segs = segs;
    }

    List<IntegrityFinding> run() throws IOException {
        used.set(0);
        TreeChecker checker = new TreeChecker(tree, this::claim, this::add);
        long entries = checker.run();
        if (entries != tree.count()) {
            findings.add(new IntegrityFinding(null, -1, "tree holds " + entries + " entries but the count says "
                    + tree.count()));
        }
        if (committed.manifestLength > 0) {
            checker.claimBlob(new BlobRef(committed.manifestPage, committed.manifestCrc, committed.manifestLength));
        }
        for (Run r : segs.reservations()) {
            claimRun(r, "reserved page");
        }
        for (Run r : segs.freeRuns()) {
            claimRun(r, "page of a free run");
        }
        for (Segment s : segs.segments()) {
            for (Run r : s.info().runs()) {
                claimRun(r, "page of segment " + s.info().id());
            }
            try {
                for (String problem : new SegmentChecker(s).run()) {
                    findings.add(new IntegrityFinding(null, -1, "segment " + s.info().id() + ": " + problem));
                }
            } catch (CorruptionException e) {
                add(e);
            }
        }
        if (committed.metaInBlob) {
            checker.claimBlob(new BlobRef(committed.metaBlobPage, committed.metaBlobCrc, committed.metaBlobLength));
        }
        int[] free = {0};
        try {
            pager.freeList().walkCurrent(p -> {
                free[0]++;
                claimFree(p, "free-list trunk");
            }, p -> {
                free[0]++;
                claimFree(p, "free page");
            });
            if (free[0] != pager.freeList().count()) {
                findings.add(new IntegrityFinding(null, -1, "free list holds " + free[0]
                        + " pages but its count says " + pager.freeList().count()));
            }
        } catch (CorruptionException e) {
            add(e);
        }
        int pageCount = pager.pageCount();
        if (used.length() > pageCount) {
            findings.add(new IntegrityFinding(null, -1, "pages beyond the end of the file (" + pageCount
                    + " pages) are in use"));
        }
        int leaked = 0;
        for (int p = used.nextClearBit(1); p < pageCount; p = used.nextClearBit(p + 1)) {
            if (leaked++ < 10) {
                findings.add(new IntegrityFinding(null, -1, "page " + p + " is neither in use nor free"));
            }
        }
        if (leaked > 10) {
            findings.add(new IntegrityFinding(null, -1, (leaked - 10) + " more pages are neither in use nor free"));
        }
        return findings;
    }

    private void claimRun(Run r, String what) {
        for (int p = r.start(); p < r.end(); p++) {
            claimFree(p, what);
        }
    }

    private boolean claim(int page) {
        if (page < 0 || used.get(page)) {
            return false;
        }
        used.set(page);
        return true;
    }

    private void claimFree(int page, String what) {
        if (page <= 0 || page >= pager.pageCount()) {
            findings.add(new IntegrityFinding(null, -1, what + " " + page + " is outside the file"));
        } else if (!claim(page)) {
            findings.add(new IntegrityFinding(null, -1, what + " " + page + " is also in use elsewhere"));
        }
    }

    private void add(CorruptionException e) {
        findings.add(new IntegrityFinding(e.file(), e.offset(), e.getMessage()));
    }
}
