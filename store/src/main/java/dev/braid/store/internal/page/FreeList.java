package dev.braid.store.internal.page;

import dev.braid.store.internal.format.Bytes;
import dev.braid.store.internal.format.Crc;
import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import java.util.function.IntConsumer;

/**
 * The free pages of a store, as a stack of trunk pages each listing free page numbers (format in
 * docs/format/page-file.md). Only the head trunk ever changes, so the header's checksum of the head
 * plus each trunk's checksum of the next protect the whole list (F1). The head trunk lives in
 * memory; a full head is written to the log before a new head is pushed over it. Single-threaded:
 * used by the store's writer only.
 */
public final class FreeList {
    static final int TYPE_TRUNK = 4;
    private static final int HDR = 20;

    private final PageIo io;
    private final int pageSize;
    private final int capacity;
    private int head;
    private int headCrc;
    private int count;
    private boolean loaded;
    private boolean headDirty;
    private int next;
    private int nextCrc;
    private int[] ids = new int[16];
    private int n;

    public FreeList(PageIo io, int pageSize, int head, int headCrc, int count) {
        this.io = io;
        this.pageSize = pageSize;
        this.capacity = (pageSize - HDR) / 4;
        this.head = head;
        this.headCrc = headCrc;
        this.count = count;
    }

    public int head() {
        return head;
    }

    public int headCrc() {
        return headCrc;
    }

    public int count() {
        return count;
    }

    /** Takes a free page, or returns 0 when none is free. */
    public int allocate() throws IOException {
        if (head == 0) {
            return 0;
        }
        load();
        count--;
        if (n > 0) {
            headDirty = true;
            return ids[--n];
        }
        int page = head; // the empty trunk page itself is handed out
        head = next;
        headCrc = nextCrc;
        loaded = false;
        headDirty = false;
        return page;
    }

    /** Takes every free page (a compaction moves them into the free runs). */
    public int[] takeAll() throws IOException {
        int[] out = new int[count];
        int n = 0;
        for (int p; n < out.length && (p = allocate()) != 0; ) {
            out[n++] = p;
        }
        return n == out.length ? out : Arrays.copyOf(out, n);
    }

    /** Returns {@code page} to the free list. */
    public void free(int page) throws IOException {
        count++;
        if (head != 0) {
            load();
            if (n < capacity) {
                if (n == ids.length) {
                    ids = Arrays.copyOf(ids, Math.min(capacity, n * 2));
                }
                ids[n++] = page;
                headDirty = true;
                return;
            }
            byte[] image = encodeHead();
            io.appendUncommitted(List.of(new PageIo.Image(head, image)));
            next = head;
            nextCrc = Crc.of(image);
        } else {
            next = 0;
            nextCrc = 0;
        }
        head = page;
        n = 0;
        loaded = true;
        headDirty = true;
    }

    /**
     * At commit: the image of the changed head trunk (its checksum becomes {@link #headCrc()}), or
     * null when the head did not change.
     */
    public PageIo.Image commitHead() {
        if (!headDirty) {
            return null;
        }
        byte[] image = encodeHead();
        headCrc = Crc.of(image);
        headDirty = false;
        return new PageIo.Image(head, image);
    }

    private byte[] encodeHead() {
        byte[] b = new byte[pageSize];
        b[0] = TYPE_TRUNK;
        Bytes.putInt(b, 4, head);
        Bytes.putInt(b, 8, next);
        Bytes.putInt(b, 12, nextCrc);
        Bytes.putInt(b, 16, n);
        for (int i = 0; i < n; i++) {
            Bytes.putInt(b, HDR + 4 * i, ids[i]);
        }
        return b;
    }

    private void load() throws IOException {
        if (loaded) {
            return;
        }
        Trunk t = readTrunk(io, pageSize, head, headCrc);
        next = t.next;
        nextCrc = t.nextCrc;
        ids = t.ids.length == 0 ? new int[16] : t.ids;
        n = t.ids.length;
        loaded = true;
    }

    /**
     * Calls {@code onTrunk} for every trunk page and {@code onFree} for every page they list, walking
     * from the committed head; used by the integrity check.
     */
    public static void walk(PageIo io, int pageSize, int head, int headCrc, IntConsumer onTrunk, IntConsumer onFree)
            throws IOException {
        int page = head;
        int crc = headCrc;
        int guard = 0;
        while (page != 0) {
            if (++guard > (1 << 28)) {
                throw io.corrupt(page, "free list does not end");
            }
            Trunk t = readTrunk(io, pageSize, page, crc);
            onTrunk.accept(page);
            for (int id : t.ids) {
                onFree.accept(id);
            }
            page = t.next;
            crc = t.nextCrc;
        }
    }

    /** Like {@link #walk}, but over the current list, whose head may not be committed yet. */
    public void walkCurrent(IntConsumer onTrunk, IntConsumer onFree) throws IOException {
        if (head == 0) {
            return;
        }
        load();
        onTrunk.accept(head);
        for (int i = 0; i < n; i++) {
            onFree.accept(ids[i]);
        }
        walk(io, pageSize, next, nextCrc, onTrunk, onFree);
    }

    private record Trunk(int next, int nextCrc, int[] ids) {
    }

    private static Trunk readTrunk(PageIo io, int pageSize, int page, int crc) throws IOException {
        byte[] b = io.read(page);
        if (Crc.of(b) != crc) {
            throw io.corrupt(page, "free-list trunk page " + page + " fails its checksum");
        }
        int cnt = Bytes.getInt(b, 16);
        if (b[0] != TYPE_TRUNK || Bytes.getInt(b, 4) != page || cnt < 0 || cnt > (pageSize - HDR) / 4) {
            throw io.corrupt(page, "page " + page + " is not a valid free-list trunk");
        }
        int[] ids = new int[cnt];
        for (int i = 0; i < cnt; i++) {
            ids[i] = Bytes.getInt(b, HDR + 4 * i);
        }
        return new Trunk(Bytes.getInt(b, 8), Bytes.getInt(b, 12), ids);
    }
}
