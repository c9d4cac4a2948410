package dev.braid.streams;

import static dev.braid.streams.StoreFixture.b;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.query.KeyQuery;
import org.apache.kafka.streams.query.PositionBound;
import org.apache.kafka.streams.query.QueryConfig;
import org.apache.kafka.streams.query.QueryResult;
import org.apache.kafka.streams.query.RangeQuery;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Interactive-query threads read the store (get, range, IQv2) while the stream thread writes. The
 * writer puts pairs of keys in one {@code putAll}, both with the same generation number repeated
 * across a 1 KiB value: a reader must never see a torn value, and a range over a pair (read in one
 * batch) must never see the two keys at different generations.
 */
class ConcurrentReadersTest {
    private static final int PAIRS = 64;
    private static final int VALUE_BYTES = 1024;

    @TempDir
    Path dir;

    @Test
    void readersSeeNoTornValuesWhileTheWriterWrites() throws Exception {
        TestStoreContext ctx = StoreFixture.context(dir);
        BraidKeyValueStore store = StoreFixture.open(ctx, "iq");
        AtomicBoolean stop = new AtomicBoolean();
        ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
        AtomicLong reads = new AtomicLong();
        for (int p = 0; p < PAIRS; p++) {
            store.putAll(pair(p, 0));
        }
        Thread writer = new Thread(() -> {
            try {
                for (long gen = 1; gen <= 2000; gen++) {
                    ctx.setRecord("input", 0, gen);
                    store.putAll(pair((int) (gen % PAIRS), gen));
                    if (gen % 500 == 0) {
                        store.commit(Map.of());
                    }
                }
            } catch (Throwable t) {
                failures.add(t);
            } finally {
                stop.set(true);
            }
        }, "stream-thread");
        List<Thread> readers = new ArrayList<>();
        for (int r = 0; r < 3; r++) {
            int id = r;
            readers.add(new Thread(() -> {
                try {
                    int i = 0;
                    while (!stop.get()) {
                        int p = i++ % PAIRS;
                        switch (id) {
                            case 0 -> generation(store.get(key(p, 'a')));
                            case 1 -> {
                                try (KeyValueIterator<Bytes, byte[]> it = store.range(key(p, 'a'), key(p, 'b'))) {
                                    long ga = generation(it.next().value);
                                    long gb = generation(it.next().value);
                                    assertEquals(ga, gb, "pair " + p + " read in one batch");
                                }
                            }
                            default -> {
                                QueryResult<byte[]> res = store.query(KeyQuery.withKey(key(p, 'b')),
                                        PositionBound.unbounded(), new QueryConfig(false));
                                generation(res.getResult());
                                if (i % 50 == 0) {
                                    QueryResult<KeyValueIterator<Bytes, byte[]>> all = store.query(
                                            RangeQuery.withNoBounds(), PositionBound.unbounded(), new QueryConfig(false));
                                    int n = 0;
                                    try (KeyValueIterator<Bytes, byte[]> it = all.getResult()) {
                                        while (it.hasNext()) {
                                            generation(it.next().value);
                                            n++;
                                        }
                                    }
                                    assertEquals(2 * PAIRS, n);
                                }
                            }
                        }
                        reads.incrementAndGet();
                    }
                } catch (Throwable t) {
                    failures.add(t);
                    stop.set(true);
                }
            }, "iq-reader-" + r));
        }
        readers.forEach(Thread::start);
        writer.start();
        writer.join(30_000);
        for (Thread t : readers) {
            t.join(10_000);
        }
        store.close();
        if (!failures.isEmpty()) {
            AssertionError e = new AssertionError("a thread failed");
            failures.forEach(e::addSuppressed);
            throw e;
        }
        assertTrue(reads.get() > 0);
    }

    @Test
    void readersRacingACloseSeeOnlyInvalidStateStoreException() throws Exception {
        BraidKeyValueStore store = StoreFixture.open(StoreFixture.context(dir), "closing");
        for (int p = 0; p < PAIRS; p++) {
            store.putAll(pair(p, 1));
        }
        ConcurrentLinkedQueue<Throwable> unexpected = new ConcurrentLinkedQueue<>();
        AtomicLong closedSeen = new AtomicLong();
        java.util.concurrent.CountDownLatch reading = new java.util.concurrent.CountDownLatch(2);
        List<Thread> readers = new ArrayList<>();
        for (int r = 0; r < 2; r++) {
            readers.add(new Thread(() -> {
                for (int i = 0; ; i++) {
                    try {
                        if (i % 2 == 0) {
                            generation(store.get(key(i % PAIRS, 'a')));
                        } else {
                            try (KeyValueIterator<Bytes, byte[]> it = store.all()) {
                                while (it.hasNext()) {
                                    generation(it.next().value);
                                }
                            }
                        }
                        if (i == 1) {
                            reading.countDown();
                        }
                    } catch (org.apache.kafka.streams.errors.InvalidStateStoreException expected) {
                        closedSeen.incrementAndGet();
                        return;
                    } catch (Throwable t) {
                        unexpected.add(t);
                        return;
                    }
                }
            }));
        }
        readers.forEach(Thread::start);
        assertTrue(reading.await(10, java.util.concurrent.TimeUnit.SECONDS));
        store.close(); // while both readers are in their loops

        for (Thread t : readers) {
            t.join(10_000);
        }
        if (!unexpected.isEmpty()) {
            AssertionError e = new AssertionError("a reader saw something other than InvalidStateStoreException");
            unexpected.forEach(e::addSuppressed);
            throw e;
        }
        assertEquals(2, closedSeen.get());
    }

    private static List<KeyValue<Bytes, byte[]>> pair(int p, long gen) {
        return List.of(KeyValue.pair(key(p, 'a'), value(gen)), KeyValue.pair(key(p, 'b'), value(gen)));
    }

    private static Bytes key(int p, char side) {
        return b(String.format("pair%03d-%c", p, side));
    }

    private static byte[] value(long gen) {
        ByteBuffer buf = ByteBuffer.allocate(VALUE_BYTES);
        while (buf.hasRemaining()) {
            buf.putLong(gen);
        }
        return buf.array();
    }

    /** The generation of a value, checking every word of it carries the same one. */
    private static long generation(byte[] value) {
        ByteBuffer buf = ByteBuffer.wrap(value);
        assertEquals(VALUE_BYTES, value.length);
        long gen = buf.getLong();
        while (buf.hasRemaining()) {
            assertEquals(gen, buf.getLong(), "torn value");
        }
        return gen;
    }
}
