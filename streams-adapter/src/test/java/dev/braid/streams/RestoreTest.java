package dev.braid.streams;

import static dev.braid.streams.StoreFixture.b;
import static dev.braid.streams.StoreFixture.s;
import static dev.braid.streams.StoreFixture.v;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.braid.store.BraidStats;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.processor.internals.ChangelogRecordDeserializationHelper;
import org.apache.kafka.streams.processor.internals.RecordBatchingStateRestoreCallback;
import org.apache.kafka.streams.query.Position;
import org.apache.kafka.streams.state.internals.PositionSerde;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Restores and standby updates through the callback the store registers at init. */
class RestoreTest {
    private static final String CHANGELOG = "app-restore-changelog";

    @TempDir
    Path dir;

    @Test
    void restoreBatchesGoThroughTheBlindWritePath() {
        TestStoreContext ctx = StoreFixture.context(dir);
        BraidKeyValueStore store = StoreFixture.open(ctx, "restore");
        try {
            RecordBatchingStateRestoreCallback callback =
                    assertInstanceOf(RecordBatchingStateRestoreCallback.class, ctx.restoreCallback());
            long offset = 0;
            for (int batch = 0; batch < 3; batch++) {
                List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
                for (int i = 0; i < 1000; i++) {
                    int k = (batch * 1000 + i) % 2500; // the third batch overwrites keys of the first
                    records.add(record(offset++, "k" + k, "v" + batch + "-" + i, null));
                }
                records.add(record(offset++, "k7", null, null)); // a tombstone
                callback.restoreBatch(records);
            }
            BraidStats afterRestore = store.stats();
            assertTrue(afterRestore.writeBufferBytes() > 0, "restored records sit in the blind-write buffer");
            assertEquals(2499, store.approximateNumEntries());
            assertEquals("v2-500", s(store.get(b("k0"))));
            assertEquals("v1-999", s(store.get(b("k1999"))));
            assertNull(store.get(b("k7")));

            store.put(b("fresh"), v("x")); // a processing write is a B+tree write: the buffer does not grow
            assertEquals(afterRestore.writeBufferBytes(), store.stats().writeBufferBytes());

            store.commit(Map.of(new TopicPartition(CHANGELOG, 0), offset - 1));
            assertEquals(0, store.stats().writeBufferBytes(), "a commit drains the buffer into the tree");
            store.close();
            store = StoreFixture.open(ctx, "restore");
            assertEquals(2500, store.approximateNumEntries());
            assertEquals("v2-500", s(store.get(b("k0"))));
            assertEquals(offset - 1, store.committedOffset(new TopicPartition(CHANGELOG, 0)));
        } finally {
            store.close();
        }
    }

    @Test
    void restoreUpdatesThePositionFromRecordHeaders() {
        TestStoreContext ctx = StoreFixture.context(dir)
                .config(StreamsConfig.InternalConfig.IQ_CONSISTENCY_OFFSET_VECTOR_ENABLED, true);
        BraidKeyValueStore store = StoreFixture.open(ctx, "position");
        try {
            RecordBatchingStateRestoreCallback callback = (RecordBatchingStateRestoreCallback) ctx.restoreCallback();
            Position written = Position.emptyPosition().withComponent("input", 3, 41L);
            callback.restoreBatch(List.of(record(0, "a", "1", written),
                    record(1, "b", "2", Position.emptyPosition().withComponent("input", 3, 42L))));
            assertEquals(Position.emptyPosition().withComponent("input", 3, 42L), store.getPosition());
            store.commit(Map.of(new TopicPartition(CHANGELOG, 0), 1L));
            store.close();
            store = StoreFixture.open(ctx, "position");
            assertEquals(Position.emptyPosition().withComponent("input", 3, 42L), store.getPosition(),
                    "the position is committed with the data");
        } finally {
            store.close();
        }
    }

    private static ConsumerRecord<byte[], byte[]> record(long offset, String key, String value, Position position) {
        RecordHeaders headers = new RecordHeaders();
        if (position != null) {
            headers.add(ChangelogRecordDeserializationHelper.CHANGELOG_VERSION_HEADER_RECORD_CONSISTENCY);
            headers.add(new RecordHeader(ChangelogRecordDeserializationHelper.CHANGELOG_POSITION_HEADER_KEY,
                    PositionSerde.serialize(position).array()));
        }
        return new ConsumerRecord<>(CHANGELOG, 0, offset, 0L, TimestampType.CREATE_TIME, -1, -1,
                key.getBytes(), value == null ? null : value.getBytes(), headers, Optional.empty());
    }
}
