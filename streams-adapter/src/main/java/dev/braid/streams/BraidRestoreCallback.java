package dev.braid.streams;

import dev.braid.store.Braid;
import dev.braid.store.BraidException;
import dev.braid.store.WriteBatch;
import java.util.Collection;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.streams.processor.internals.ChangelogRecordDeserializationHelper;
import org.apache.kafka.streams.processor.internals.RecordBatchingStateRestoreCallback;
import org.apache.kafka.streams.query.Position;

/**
 * Applies changelog records to a store, for restores and for standby replicas (Kafka uses the same
 * callback for both). Each polled batch becomes one {@link WriteBatch} of blind writes marked
 * {@link WriteBatch#unlogged() unlogged}: a restore reads nothing, and until the next commit the
 * changelog itself can replay the batch, so nothing goes through the B+tree's page-by-page path or
 * the log twice. The IQv2 position follows the records' headers, as in Kafka's own stores. Runs on
 * the restoring thread only; not thread safe.
 */
final class BraidRestoreCallback implements RecordBatchingStateRestoreCallback {
    private final Braid braid;
    private final Position position;
    private final boolean consistencyEnabled;
    private final ErrorMapping errors;
    private final WriteBatch batch = new WriteBatch();

    BraidRestoreCallback(Braid braid, Position position, boolean consistencyEnabled, ErrorMapping errors) {
        this.braid = braid;
        this.position = position;
        this.consistencyEnabled = consistencyEnabled;
        this.errors = errors;
    }

    @Override
    public void restoreBatch(Collection<ConsumerRecord<byte[], byte[]>> records) {
        batch.clear();
        batch.unlogged();
        for (ConsumerRecord<byte[], byte[]> record : records) {
            ChangelogRecordDeserializationHelper.applyChecksAndUpdatePosition(record, consistencyEnabled, position);
            if (record.value() == null) {
                batch.blindDelete(record.key());
            } else {
                batch.blindPut(record.key(), record.value());
            }
        }
        try {
            braid.write(batch);
        } catch (BraidException e) {
            throw errors.translate(e);
        } finally {
            batch.clear(); // drop the references to the records' arrays
        }
    }
}
