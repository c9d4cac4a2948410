package dev.braid.streams;

import java.util.Map;
import java.util.Objects;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.processor.StateStore;
import org.apache.kafka.streams.query.Position;

/**
 * The {@link StateStore} side of a Braid store built on {@link OpenStore} (window, session and
 * versioned stores): name, lifecycle, offsets and position, all delegated to the store opened by
 * {@code init}. Thread safety: {@code init} and {@code close} on the stream thread; the rest may be
 * called by query threads (the open store is in a volatile field).
 */
abstract class OpenStoreHolder implements StateStore {
    final String name;
    private volatile OpenStore store;

    OpenStoreHolder(String name) {
        this.name = Objects.requireNonNull(name, "name");
    }

    /** Throws when the store is already open (a second {@code init}). */
    final void checkNotOpen() {
        OpenStore s = store;
        if (s != null && s.isOpen()) {
            throw new IllegalStateException("Braid store " + name + " is already open");
        }
    }

    /** Records the store {@code init} opened. */
    final void opened(OpenStore s) {
        this.store = s;
    }

    /** The store opened last, or null before {@code init}; may be closed. */
    final OpenStore current() {
        return store;
    }

    /** The open store, or {@link InvalidStateStoreException}. */
    final OpenStore open() {
        OpenStore s = store;
        if (s == null || !s.isOpen()) {
            throw new InvalidStateStoreException("Braid store " + name + " is not open");
        }
        return s;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public boolean persistent() {
        return true;
    }

    @Override
    public boolean isOpen() {
        OpenStore s = store;
        return s != null && s.isOpen();
    }

    /** True: offsets live in the store's commits (see {@link BraidKeyValueStore#managesOffsets()}). */
    @SuppressWarnings("deprecation")
    @Override
    public boolean managesOffsets() {
        return true;
    }

    @SuppressWarnings("deprecation")
    @Override
    public void flush() {
    }

    @Override
    public void commit(Map<TopicPartition, Long> changelogOffsets) {
        open().commit(changelogOffsets);
    }

    @Override
    public Long committedOffset(TopicPartition partition) {
        return open().committedOffset(partition);
    }

    @Override
    public Position getPosition() {
        OpenStore s = store;
        return s == null ? Position.emptyPosition() : s.position();
    }

    @Override
    public void close() {
        OpenStore s = store;
        if (s != null) {
            s.close();
        }
    }
}
