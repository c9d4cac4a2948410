package dev.braid.store.internal.engine;

import dev.braid.store.internal.page.ExtentSink;
import dev.braid.store.internal.page.Pager;
import dev.braid.store.internal.page.Run;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.Lock;

/**
 * Where a job (a flush, merge, fold or direct build) writes its pages: runs taken from the segment
 * set's free runs or past the end of the file and reserved until the result is installed or
 * dropped (S3), written straight into the page file (D6). A run is taken under the store's write
 * lock, or, for a build whose thread holds that lock throughout, under a monitor shared with the
 * helper threads it waits for.
 */
final class JobSink implements ExtentSink {
    private final SegmentSet segs;
    private final Storage storage;
    private final Pager pager;
    private final Placement placement;
    private final Lock writeLock;
    private final Object monitor;
    private final List<Run> taken = new ArrayList<>(); // under itself

    /** Exactly one of {@code writeLock} and {@code monitor} is given. */
    JobSink(SegmentSet segs, Storage storage, Pager pager, Placement placement, Lock writeLock, Object monitor) {
        this.segs = segs;
        this.storage = storage;
        this.pager = pager;
        this.placement = placement;
        this.writeLock = writeLock;
        this.monitor = monitor;
    }

    @Override
    public Run allocate(int minPages, int wantPages) throws IOException {
        Run r;
        if (monitor != null) {
            synchronized (monitor) {
                r = segs.reserveRun(placement, minPages, wantPages);
            }
        } else {
            writeLock.lock();
            try {
                r = segs.reserveRun(placement, minPages, wantPages);
            } finally {
                writeLock.unlock();
            }
        }
        synchronized (taken) {
            taken.add(r);
        }
        return r;
    }

    /** Every run this sink handed out: what to free when the job is given up. */
    List<Run> taken() {
        synchronized (taken) {
            return List.copyOf(taken);
        }
    }

    @Override
    public void write(int firstPage, byte[] buf, int off, int pages) throws IOException {
        storage.writeDirect(firstPage, buf, off, pages);
    }

    @Override
    public void wroteValuePage(int pageNo, byte[] buf, int off, int len, int crc) {
        pager.warmValue(pageNo, buf, off, len, crc); // kept if the cache has room
    }

    @Override
    public void wroteNodePage(int pageNo, byte[] image, int crc) {
        pager.warmNode(pageNo, image); // kept if the cache has room
    }

    @Override
    public int pageSize() {
        return storage.pageSize();
    }
}
