package dev.braid.streams;

import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.streams.query.Position;

/**
 * The Kafka state a store commits atomically with its data: the changelog offsets of KIP-1035 and the
 * IQv2 {@link Position}, as entries of Braid's commit metadata. The layout is normative in
 * {@code docs/format/streams-metadata.md}:
 *
 * <pre>
 * key                              value
 * streams.format                   "1"
 * offset/&lt;topic&gt;/&lt;partition&gt;       decimal changelog offset (committedOffset)
 * position/&lt;topic&gt;/&lt;partition&gt;     decimal offset of the IQv2 position
 * streams.layout                   key layout of a window or session store ({@link SegmentLayout})
 * </pre>
 *
 * Topic names cannot contain '/', so a key splits without ambiguity. Written to disk: never change a
 * key spelling; a new layout gets a new {@code streams.format}. Immutable; thread safe.
 */
final class CommitMetadata {
    static final String FORMAT_KEY = "streams.format";
    static final String FORMAT_VERSION = "1";
    private static final String OFFSET = "offset/";
    private static final String POSITION = "position/";

    private final Map<TopicPartition, Long> offsets;
    private final Position position;
    private final SegmentLayout layout;

    CommitMetadata(Map<TopicPartition, Long> offsets, Position position) {
        this(offsets, position, null);
    }

    /** @param layout the key layout to record (window and session stores), or null */
    CommitMetadata(Map<TopicPartition, Long> offsets, Position position, SegmentLayout layout) {
        this.offsets = Map.copyOf(offsets);
        this.position = position.copy();
        this.layout = layout;
    }

    /** The Braid metadata map of these offsets and this position. */
    Map<String, String> encode() {
        Map<String, String> m = new HashMap<>();
        m.put(FORMAT_KEY, FORMAT_VERSION);
        if (layout != null) {
            m.put(SegmentLayout.METADATA_KEY, layout.tag);
        }
        offsets.forEach((tp, offset) -> m.put(OFFSET + tp.topic() + "/" + tp.partition(), Long.toString(offset)));
        for (String topic : position.getTopics()) {
            position.getPartitionPositions(topic).forEach(
                    (partition, offset) -> m.put(POSITION + topic + "/" + partition, Long.toString(offset)));
        }
        return m;
    }

    /**
     * Reads what {@link #encode()} wrote; an empty map (a new store) decodes to no offsets and an
     * empty position.
     *
     * @throws IllegalStateException the map was written by a newer adapter or is malformed
     */
    static CommitMetadata decode(Map<String, String> metadata) {
        String format = metadata.get(FORMAT_KEY);
        if (format != null && !format.equals(FORMAT_VERSION)) {
            throw new IllegalStateException("store metadata has format " + format + ", this adapter reads "
                    + FORMAT_VERSION);
        }
        Map<TopicPartition, Long> offsets = new HashMap<>();
        Map<String, Map<Integer, Long>> positions = new HashMap<>();
        for (Map.Entry<String, String> e : metadata.entrySet()) {
            String key = e.getKey();
            if (key.startsWith(OFFSET)) {
                offsets.put(topicPartition(key, OFFSET.length()), parse(key, e.getValue()));
            } else if (key.startsWith(POSITION)) {
                TopicPartition tp = topicPartition(key, POSITION.length());
                positions.computeIfAbsent(tp.topic(), t -> new HashMap<>()).put(tp.partition(), parse(key, e.getValue()));
            }
        }
        return new CommitMetadata(offsets, Position.fromMap(positions));
    }

    Map<TopicPartition, Long> offsets() {
        return offsets;
    }

    Position position() {
        return position.copy();
    }

    private static TopicPartition topicPartition(String key, int start) {
        int slash = key.lastIndexOf('/');
        if (slash <= start) {
            throw new IllegalStateException("malformed store metadata key: " + key);
        }
        try {
            return new TopicPartition(key.substring(start, slash), Integer.parseInt(key.substring(slash + 1)));
        } catch (NumberFormatException e) {
            throw new IllegalStateException("malformed store metadata key: " + key, e);
        }
    }

    private static long parse(String key, String value) {
        try {
            return Long.parseLong(value);
        } catch (NumberFormatException e) {
            throw new IllegalStateException("malformed store metadata value of " + key + ": " + value, e);
        }
    }
}
