package dev.braid.streams;

import static dev.braid.streams.StoreFixture.b;
import static dev.braid.streams.StoreFixture.s;
import static dev.braid.streams.StoreFixture.v;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.streams.KeyValue;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Commits made for exactly-once from what {@link BraidClientSupplier}'s producer reports on its thread
 * ({@link KafkaTransactions}): a store written since the previous transaction commits right after a
 * transaction commits, with the acknowledged offset of its changelog partition; nothing else commits it.
 * Each check reopens the store without a commit (as after a SIGKILL) to see what is durable.
 */
class TransactionCommitTest {
    private static final TopicPartition CHANGELOG = new TopicPartition("app-store-changelog", 0);
    private static final TopicPartition OTHER = new TopicPartition("app-other-changelog", 0);

    @TempDir
    Path dir;

    @Test
    void aCommittedTransactionCommitsTheStoresWrittenInIt() {
        TestStoreContext ctx = StoreFixture.context(dir);
        KafkaTransactions.begun();
        BraidKeyValueStore store = restored(ctx, "s");
        store.put(b("a"), v("1"));
        store.putAll(List.of(KeyValue.pair(b("b"), v("2")), KeyValue.pair(b("c"), v("3"))));
        KafkaTransactions.committed(Map.of(CHANGELOG, 13L, OTHER, 99L));
        assertEquals(13L, store.committedOffset(CHANGELOG));
        store.delete(b("a")); // the next transaction, never committed: the process dies
        store.close(); // like a crash: writes since the last commit are dropped

        BraidKeyValueStore reopened = StoreFixture.open(ctx, "s");
        try {
            assertEquals(13L, reopened.committedOffset(CHANGELOG));
            assertEquals("1", s(reopened.get(b("a"))), "the delete of the uncommitted transaction is not there");
            assertEquals("2", s(reopened.get(b("b"))));
            assertEquals("3", s(reopened.get(b("c"))));
            assertEquals("base", s(reopened.get(b("restored"))));
        } finally {
            reopened.close();
        }
    }

    @Test
    void withoutACommittedTransactionNothingCommits() {
        TestStoreContext ctx = StoreFixture.context(dir);
        KafkaTransactions.begun();
        BraidKeyValueStore store = restored(ctx, "s");
        store.put(b("a"), v("1"));
        store.put(b("b"), v("2"));
        store.close();
        assertDurable(ctx, "s", 10L, null);
    }

    @Test
    void aTransactionThatDidNotWriteTheChangelogCommitsNothing() {
        TestStoreContext ctx = StoreFixture.context(dir);
        KafkaTransactions.begun();
        BraidKeyValueStore store = restored(ctx, "s");
        store.put(b("a"), v("1"));
        KafkaTransactions.committed(Map.of(OTHER, 7L));
        store.put(b("b"), v("2"));
        KafkaTransactions.committed(Map.of(CHANGELOG, 9L)); // not past Kafka's own commit at 10
        store.close();
        assertDurable(ctx, "s", 10L, null);
    }

    /** Writes of an aborted transaction are never committed by the store, until Kafka commits it. */
    @Test
    void aStoreWithAbortedWritesDoesNotCommitThem() {
        TestStoreContext ctx = StoreFixture.context(dir);
        KafkaTransactions.begun();
        BraidKeyValueStore store = restored(ctx, "s");
        store.put(b("b"), v("aborted"));
        KafkaTransactions.aborted();
        store.put(b("x"), v("1"));
        KafkaTransactions.committed(Map.of(CHANGELOG, 20L));
        assertEquals(10L, store.committedOffset(CHANGELOG), "the store holds an aborted write");
        store.close();
        assertDurable(ctx, "s", 10L, null);

        BraidKeyValueStore revived = StoreFixture.open(ctx, "s"); // Kafka revives the task: init again
        revived.commit(Map.of(CHANGELOG, 25L)); // the end of its restore
        revived.put(b("a"), v("again"));
        KafkaTransactions.committed(Map.of(CHANGELOG, 30L));
        assertEquals(30L, revived.committedOffset(CHANGELOG));
        revived.close();
        assertDurable(ctx, "s", 30L, "again");
    }

    /** Stores join only on a thread whose producer began a transaction (not under at-least-once). */
    @Test
    void aThreadWithoutTransactionsCommitsNothing() throws InterruptedException {
        TestStoreContext ctx = StoreFixture.context(dir);
        BraidKeyValueStore store = restored(ctx, "s");
        Thread atLeastOnce = new Thread(() -> {
            store.put(b("a"), v("1"));
            KafkaTransactions.committed(Map.of(CHANGELOG, 40L));
        });
        atLeastOnce.start();
        atLeastOnce.join();
        assertEquals(10L, store.committedOffset(CHANGELOG));
        store.close();
        assertDurable(ctx, "s", 10L, null);
    }

    /** A transaction committed by another thread's producer says nothing about this thread's writes. */
    @Test
    void aTransactionOfAnotherThreadCommitsNothing() throws InterruptedException {
        TestStoreContext ctx = StoreFixture.context(dir);
        KafkaTransactions.begun();
        BraidKeyValueStore store = restored(ctx, "s");
        store.put(b("a"), v("1"));
        Thread other = new Thread(() -> {
            KafkaTransactions.begun();
            KafkaTransactions.committed(Map.of(CHANGELOG, 40L));
        });
        other.start();
        other.join();
        assertEquals(10L, store.committedOffset(CHANGELOG));
        store.close();
        assertDurable(ctx, "s", 10L, null);
    }

    /** A store whose restore Kafka committed at changelog offset 10. */
    private static BraidKeyValueStore restored(TestStoreContext ctx, String name) {
        BraidKeyValueStore store = StoreFixture.open(ctx, name);
        store.put(b("restored"), v("base"));
        store.commit(Map.of(CHANGELOG, 10L));
        return store;
    }

    private static void assertDurable(TestStoreContext ctx, String name, long offset, String a) {
        BraidKeyValueStore reopened = StoreFixture.open(ctx, name);
        try {
            assertEquals(offset, reopened.committedOffset(CHANGELOG));
            assertEquals(a, s(reopened.get(b("a"))));
            assertNull(reopened.get(b("b")));
            assertEquals("base", s(reopened.get(b("restored"))));
        } finally {
            reopened.close();
        }
    }
}
