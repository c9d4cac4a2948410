package dev.braid.streams;

import dev.braid.store.BraidException;
import dev.braid.store.KeyRange;
import dev.braid.store.WriteBatch;
import java.util.Collection;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.processor.internals.ChangelogRecordDeserializationHelper;
import org.apache.kafka.streams.processor.internals.RecordBatchingStateRestoreCallback;

/**
 * Applies changelog records to a window or session store, for restores and standby replicas: as
 * {@link BraidRestoreCallback}, one unlogged {@link WriteBatch} of blind writes per polled batch,
 * with the time rules of Kafka's segmented stores. The batch first advances the observed stream time
 * to its largest segment timestamp; records of segments that are then expired are skipped (no
 * position update, not counted as dropped, as in Kafka); segments that expired are deleted by a range
 * delete at the head of the same batch. The changelog key is Kafka's key-first key-schema key; the store key is the
 * layout's primary key of it behind the segment prefix ({@link SegmentLayout}, {@link SegmentedKeys}),
 * plus its index key when the layout has one. Runs on the restoring thread only; not thread safe.
 */
final class SegmentedRestoreCallback implements RecordBatchingStateRestoreCallback {
    private final OpenStore.RestoreParts parts;
    private final SegmentLayout layout;
    private final TimeSegments segments;
    private static final byte[] EMPTY = new byte[0];

    private final WriteBatch batch = new WriteBatch();

    SegmentedRestoreCallback(OpenStore.RestoreParts parts, SegmentLayout layout, TimeSegments segments) {
        this.parts = parts;
        this.layout = layout;
        this.segments = segments;
    }

    @Override
    public void restoreBatch(Collection<ConsumerRecord<byte[], byte[]>> records) {
        for (ConsumerRecord<byte[], byte[]> record : records) {
            segments.observe(segmentTimestamp(record.key()));
        }
        batch.clear();
        batch.unlogged();
        KeyRange expired = segments.takeExpired();
        if (expired != null) {
            batch.deleteRange(expired); // atomic with the batch's writes
        }
        for (ConsumerRecord<byte[], byte[]> record : records) {
            long segmentId = segments.segmentId(segmentTimestamp(record.key()));
            if (!segments.isLive(segmentId)) {
                continue;
            }
            ChangelogRecordDeserializationHelper.applyChecksAndUpdatePosition(
                    record, parts.consistencyEnabled(), parts.position());
            byte[] primary = layout.primaryOfChangelogKey(record.key());
            byte[] key = SegmentedKeys.key(segmentId, primary);
            byte[] indexKey = layout.index() == null ? null : SegmentedKeys.key(segmentId, layout.indexOfPrimary(primary));
            if (record.value() == null) {
                batch.blindDelete(key);
                if (indexKey != null) {
                    batch.blindDelete(indexKey);
                }
            } else {
                if (indexKey != null) {
                    batch.blindPut(indexKey, EMPTY);
                }
                batch.blindPut(key, record.value());
            }
        }
        try {
            parts.braid().write(batch);
        } catch (BraidException e) {
            throw parts.errors().translate(e);
        } finally {
            batch.clear();
        }
    }

    /** The segment timestamp of a changelog key: Kafka's key-first schemas and the primary ones agree. */
    private long segmentTimestamp(byte[] changelogKey) {
        return layout.primary().segmentTimestamp(Bytes.wrap(layout.primaryOfChangelogKey(changelogKey)));
    }
}
