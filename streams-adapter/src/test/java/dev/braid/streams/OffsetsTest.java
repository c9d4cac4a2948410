package dev.braid.streams;

import static dev.braid.streams.StoreFixture.b;
import static dev.braid.streams.StoreFixture.s;
import static dev.braid.streams.StoreFixture.v;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.query.KeyQuery;
import org.apache.kafka.streams.query.Position;
import org.apache.kafka.streams.query.PositionBound;
import org.apache.kafka.streams.query.QueryConfig;
import org.apache.kafka.streams.query.QueryResult;
import org.apache.kafka.streams.query.RangeQuery;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Store-managed offsets (KIP-1035) and the IQv2 position, committed atomically with the data. */
class OffsetsTest {
    private static final TopicPartition P0 = new TopicPartition("app-store-changelog", 0);
    private static final TopicPartition P1 = new TopicPartition("app.other-changelog", 12);

    @TempDir
    Path dir;

    @Test
    void commitRecordsOffsetsAndAnEmptyMapWipesThem() {
        BraidKeyValueStore store = StoreFixture.open(StoreFixture.context(dir), "offsets");
        try {
            assertNull(store.committedOffset(P0), "a new store has no committed offset");
            store.put(b("a"), v("1"));
            store.commit(Map.of(P0, 10L, P1, 20L));
            assertEquals(10L, store.committedOffset(P0));
            assertEquals(20L, store.committedOffset(P1));
            store.commit(Map.of(P0, 11L));
            assertEquals(11L, store.committedOffset(P0));
            assertNull(store.committedOffset(P1), "each commit replaces the offsets");
            store.commit(Map.of());
            assertNull(store.committedOffset(P0));
            assertEquals("1", s(store.get(b("a"))));
        } finally {
            store.close();
        }
    }

    @Test
    void reopenSeesTheLastCommitAndNothingAfterIt() {
        TestStoreContext ctx = StoreFixture.context(dir);
        BraidKeyValueStore store = StoreFixture.open(ctx, "reopen");
        ctx.setRecord("input", 0, 5);
        store.put(b("committed"), v("yes"));
        store.commit(Map.of(P0, 100L));
        ctx.setRecord("input", 0, 6);
        store.put(b("uncommitted"), v("no"));
        store.delete(b("committed"));
        store.close(); // like a crash: writes after the last commit are dropped

        store = StoreFixture.open(ctx, "reopen");
        try {
            assertEquals(100L, store.committedOffset(P0));
            assertEquals("yes", s(store.get(b("committed"))));
            assertNull(store.get(b("uncommitted")));
            assertEquals(1, store.approximateNumEntries());
            assertEquals(Position.emptyPosition().withComponent("input", 0, 5L), store.getPosition());
        } finally {
            store.close();
        }
    }

    @Test
    void wipedOffsetsStayWipedAfterReopen() {
        TestStoreContext ctx = StoreFixture.context(dir);
        BraidKeyValueStore store = StoreFixture.open(ctx, "wipe");
        store.commit(Map.of(P0, 7L));
        store.commit(Map.of());
        store.close();
        store = StoreFixture.open(ctx, "wipe");
        try {
            assertNull(store.committedOffset(P0));
        } finally {
            store.close();
        }
    }

    @Test
    void interactiveQueriesAreAnsweredWithThePosition() {
        TestStoreContext ctx = StoreFixture.context(dir);
        BraidKeyValueStore store = StoreFixture.open(ctx, "iq");
        try {
            for (int i = 0; i < 5; i++) {
                ctx.setRecord("input", 0, 100 + i); // partition = the task's, which IQv2 bounds look at
                store.put(b("k" + i), v("v" + i));
            }
            QueryResult<byte[]> key = store.query(KeyQuery.withKey(b("k2")), PositionBound.unbounded(), new QueryConfig(false));
            assertTrue(key.isSuccess());
            assertEquals("v2", s(key.getResult()));
            assertEquals(Position.emptyPosition().withComponent("input", 0, 104L), key.getPosition());

            QueryResult<KeyValueIterator<Bytes, byte[]>> range = store.query(
                    RangeQuery.withRange(b("k1"), b("k3")), PositionBound.unbounded(), new QueryConfig(true));
            assertTrue(range.isSuccess());
            assertEquals(List.of("k1=v1", "k2=v2", "k3=v3"), StoreFixture.drain(range.getResult()));

            QueryResult<KeyValueIterator<Bytes, byte[]>> reverse = store.query(
                    RangeQuery.<Bytes, byte[]>withNoBounds().withDescendingKeys(), PositionBound.unbounded(), new QueryConfig(false));
            assertEquals("k4=v4", StoreFixture.drain(reverse.getResult()).get(0));

            QueryResult<byte[]> ahead = store.query(KeyQuery.withKey(b("k2")),
                    PositionBound.at(Position.emptyPosition().withComponent("input", 0, 200L)), new QueryConfig(false));
            assertTrue(ahead.isFailure(), "a bound beyond the store's position is not served");
        } finally {
            store.close();
        }
    }
}
