package dev.braid.store.internal.page;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** The page table mirrors the cache for its store: entries come and go with it, chunk bytes are charged. */
class PageTableTest {
    /** A page that knows its number, charged 1,000 bytes, or holding a payload and charged for it. */
    static final class TestPage extends Page {
        private final byte[] payload;

        TestPage(int pageNo) {
            this(pageNo, 0);
        }

        TestPage(int pageNo, int payloadBytes) {
            super(pageNo);
            payload = payloadBytes == 0 ? null : new byte[payloadBytes];
        }

        @Override
        public int encodedSize() {
            return 0;
        }

        @Override
        public void encode(byte[] image) {
        }

        @Override
        public long heapBytes() {
            return payload == null ? 1000 : 16L + payload.length + 24;
        }
    }

    @Test
    void entriesFollowPutRemoveEvictionAndStoreRemoval() {
        PageCache cache = new PageCache(100_000 + 2 * PageTable.CHUNK_BYTES);
        int store = cache.newStoreId();
        PageTable t = cache.newTable(store);
        List<TestPage> pages = new ArrayList<>();
        for (int i = 1; i <= 300; i++) {
            TestPage p = new TestPage(i * 37);
            pages.add(p);
            cache.put(store, p);
        }
        int present = 0;
        for (TestPage p : pages) {
            Page got = t.get(p.pageNo());
            if (got != null) {
                assertSame(p, got);
                assertSame(p, cache.get(store, p.pageNo()), "table and cache agree");
                present++;
            } else {
                assertNull(cache.get(store, p.pageNo()), "an evicted page leaves both");
            }
        }
        assertTrue(present > 50 && present < 300, "eviction left " + present);
        assertTrue(cache.usedBytes() <= cache.capacityBytes(), "chunks are charged within the budget");
        TestPage last = pages.get(pages.size() - 1);
        cache.remove(store, last.pageNo());
        assertNull(t.get(last.pageNo()));
        // A dirty page sits in the table, not in the cache, and is never evicted.
        TestPage dirty = new TestPage(5);
        cache.adoptDirty(store, dirty, 1000);
        for (int i = 0; i < 500; i++) {
            cache.put(store, new TestPage(100_000 + i));
        }
        assertSame(dirty, t.get(5));
        assertNull(cache.get(store, 5));
        cache.putAll(store, List.of(dirty), 1000);
        assertSame(dirty, cache.get(store, 5), "committed: now a cached page");
        cache.removeStore(store);
        for (TestPage p : pages) {
            assertNull(t.get(p.pageNo()));
        }
        assertEquals(0, cache.usedBytes(), "every byte released, chunks included");
    }

    @Test
    void farApartPagesUseSeparateChunksThatAreDroppedWhenEmpty() {
        PageCache cache = new PageCache(1L << 30);
        int store = cache.newStoreId();
        PageTable t = cache.newTable(store);
        cache.put(store, new TestPage(1));
        long one = cache.usedBytes();
        cache.put(store, new TestPage(1 + 10 * PageTable.CHUNK));
        assertEquals(one + 1000 + PageCache.SLOT_BYTES + PageTable.CHUNK_BYTES, cache.usedBytes(), "the page, its slot and a chunk");
        cache.remove(store, 1 + 10 * PageTable.CHUNK);
        assertEquals(one, cache.usedBytes());
        assertNull(t.get(1 + 10 * PageTable.CHUNK));
        assertNull(t.get(-7), "no page has a negative number");
        assertEquals(1, t.get(1).pageNo());
    }

    @Test
    void lockFreeReadersNeverSeeAnotherPageWhileAnotherStoreEvicts() throws Exception {
        PageCache cache = new PageCache(400_000);
        int store = cache.newStoreId();
        PageTable t = cache.newTable(store);
        int other = cache.newStoreId();
        AtomicBoolean stop = new AtomicBoolean();
        AtomicReference<String> wrong = new AtomicReference<>();
        Thread evictor = new Thread(() -> {
            SplittableRandom r = new SplittableRandom(1);
            while (!stop.get()) {
                cache.put(other, new TestPage(1 + r.nextInt(50_000)));
            }
        });
        Thread[] readers = new Thread[2];
        for (int i = 0; i < readers.length; i++) {
            int seed = i;
            readers[i] = new Thread(() -> {
                SplittableRandom r = new SplittableRandom(seed + 10);
                while (!stop.get()) {
                    int pageNo = 1 + r.nextInt(20_000);
                    Page p = t.get(pageNo);
                    if (p == null) {
                        cache.put(store, new TestPage(pageNo));
                    } else if (p.pageNo() != pageNo) {
                        wrong.set("asked for " + pageNo + ", got " + p.pageNo());
                    }
                }
            });
        }
        evictor.start();
        for (Thread r : readers) {
            r.start();
        }
        Thread.sleep(1500);
        stop.set(true);
        evictor.join();
        for (Thread r : readers) {
            r.join();
        }
        assertNull(wrong.get());
        assertTrue(cache.usedBytes() <= cache.capacityBytes());
        cache.removeStore(store);
        cache.removeStore(other);
        assertEquals(0, cache.usedBytes());
    }
}
