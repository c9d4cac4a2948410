package dev.braid.streams;

import dev.braid.store.BraidException;
import dev.braid.store.WriteBatch;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.processor.internals.ChangelogRecordDeserializationHelper;
import org.apache.kafka.streams.processor.internals.RecordBatchingStateRestoreCallback;

/**
 * Applies changelog records (key, value or tombstone, record timestamp = version time) to a
 * versioned store, as Kafka's versioned store does: records older than the grace period of the stream
 * time so far are skipped; versions that would expire by the end of the batch are not kept. Each
 * touched key's {@link VersionTimeline} is read once per batch and changed in memory, then the whole
 * batch is written as one unlogged {@link WriteBatch} of blind writes, after the segments that
 * expired are range-deleted. Restoring thread only; not thread safe.
 */
final class VersionedRestoreCallback implements RecordBatchingStateRestoreCallback {
    private final OpenStore.RestoreParts parts;
    private final TimeSegments segments;

    VersionedRestoreCallback(OpenStore.RestoreParts parts, TimeSegments segments) {
        this.parts = parts;
        this.segments = segments;
    }

    @Override
    public void restoreBatch(Collection<ConsumerRecord<byte[], byte[]>> records) {
        long streamTime = segments.observedStreamTime();
        for (ConsumerRecord<byte[], byte[]> record : records) {
            segments.observe(record.timestamp()); // expiry decisions use the end-of-batch time
        }
        try {
            if (segments.advanceDropped()) {
                parts.braid().deleteRange(VersionedKeys.historyBelow(segments.minLiveSegment()));
            }
            Map<Bytes, VersionTimeline> touched = new HashMap<>();
            for (ConsumerRecord<byte[], byte[]> record : records) {
                if (record.timestamp() < streamTime - segments.retentionPeriodMs()) {
                    continue; // was never written: older than the grace period
                }
                streamTime = Math.max(streamTime, record.timestamp());
                ChangelogRecordDeserializationHelper.applyChecksAndUpdatePosition(
                        record, parts.consistencyEnabled(), parts.position());
                touched.computeIfAbsent(Bytes.wrap(record.key()), k -> VersionTimeline.load(parts.braid(), k.get()))
                        .put(record.timestamp(), record.value(), segments);
            }
            WriteBatch batch = new WriteBatch().unlogged();
            for (VersionTimeline t : touched.values()) {
                t.writeTo(batch, true, segments);
            }
            parts.braid().write(batch);
        } catch (BraidException e) {
            throw parts.errors().translate(e);
        }
    }
}
