package dev.braid.streams;

import dev.braid.store.BraidException;
import dev.braid.store.KeyRange;
import dev.braid.store.WriteBatch;
import java.util.Collection;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.processor.internals.ChangelogRecordDeserializationHelper;
import org.apache.kafka.streams.processor.internals.RecordBatchingStateRestoreCallback;
import org.apache.kafka.streams.state.internals.SegmentedBytesStore.KeySchema;

/**
 * Applies changelog records to a window or session store, for restores and standby replicas: as
 * {@link BraidRestoreCallback}, one unlogged {@link WriteBatch} of blind writes per polled batch,
 * with the time rules of Kafka's segmented stores. The batch first advances the observed stream time
 * to its largest segment timestamp; records of segments that are then expired are skipped (no
 * position update, not counted as dropped, as in Kafka); segments that expired are deleted with one
 * {@code deleteRange}. The changelog key is Kafka's key-schema key; the store key gets the segment
 * prefix ({@link SegmentedKeys}). Runs on the restoring thread only; not thread safe.
 */
final class SegmentedRestoreCallback implements RecordBatchingStateRestoreCallback {
    private final OpenStore.RestoreParts parts;
    private final KeySchema schema;
    private final TimeSegments segments;
    private final WriteBatch batch = new WriteBatch();

    SegmentedRestoreCallback(OpenStore.RestoreParts parts, KeySchema schema, TimeSegments segments) {
        this.parts = parts;
        this.schema = schema;
        this.segments = segments;
    }

    @Override
    public void restoreBatch(Collection<ConsumerRecord<byte[], byte[]>> records) {
        for (ConsumerRecord<byte[], byte[]> record : records) {
            segments.observe(schema.segmentTimestamp(Bytes.wrap(record.key())));
        }
        batch.clear();
        batch.unlogged();
        for (ConsumerRecord<byte[], byte[]> record : records) {
            long segmentId = segments.segmentId(schema.segmentTimestamp(Bytes.wrap(record.key())));
            if (!segments.isLive(segmentId)) {
                continue;
            }
            ChangelogRecordDeserializationHelper.applyChecksAndUpdatePosition(
                    record, parts.consistencyEnabled(), parts.position());
            byte[] key = SegmentedKeys.key(segmentId, record.key());
            if (record.value() == null) {
                batch.blindDelete(key);
            } else {
                batch.blindPut(key, record.value());
            }
        }
        try {
            KeyRange expired = segments.takeExpired();
            if (expired != null) {
                parts.braid().deleteRange(expired);
            }
            parts.braid().write(batch);
        } catch (BraidException e) {
            throw parts.errors().translate(e);
        } finally {
            batch.clear();
        }
    }
}
