package dev.braid.streams;

import dev.braid.store.BraidException;
import dev.braid.store.CorruptionException;
import dev.braid.store.StoreClosedException;
import dev.braid.store.StoreFailedException;
import java.util.Set;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.errors.ProcessorStateException;
import org.apache.kafka.streams.errors.TaskCorruptedException;
import org.apache.kafka.streams.processor.TaskId;

/**
 * Turns the engine's exceptions into the ones Kafka Streams acts on. Corruption and a failed store
 * become {@link TaskCorruptedException}, so Kafka closes the task dirty, wipes the offsets and
 * restores: a {@link ProcessorStateException} would go to the processing exception handler, which may
 * drop the record and carry on over a broken store. A closed store becomes
 * {@link InvalidStateStoreException}, which interactive queries retry. Remembers whether it saw
 * corruption, so that the store moves its damaged files aside when it is closed (otherwise Kafka
 * would revive the task on the same files and the same page would fail again, for ever). Thread safe.
 */
final class ErrorMapping {
    private final String storeName;
    private final TaskId taskId;
    private volatile boolean damageSeen;

    ErrorMapping(String storeName, TaskId taskId) {
        this.storeName = storeName;
        this.taskId = taskId;
    }

    /** Whether a translated error was corruption of the store's files. */
    boolean damageSeen() {
        return damageSeen;
    }

    RuntimeException translate(BraidException e) {
        if (e instanceof StoreClosedException) {
            return new InvalidStateStoreException("Braid store " + storeName + " is closed", e);
        }
        if (e instanceof CorruptionException || e.getCause() instanceof CorruptionException) {
            damageSeen = true;
        }
        if (e instanceof CorruptionException || e instanceof StoreFailedException) {
            ProcessorStateException cause = new ProcessorStateException(
                    "Braid store " + storeName + " of task " + taskId + " is corrupted or failed: " + e.getMessage(), e);
            return taskId == null ? cause : new TaskCorruptedException(Set.of(taskId), cause);
        }
        return new ProcessorStateException("Braid store " + storeName + " failed: " + e.getMessage(), e);
    }
}
