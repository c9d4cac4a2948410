package dev.braid.streams;

import java.nio.ByteBuffer;
import java.util.Map;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.state.internals.PrefixedSessionKeySchemas.KeyFirstSessionKeySchema;
import org.apache.kafka.streams.state.internals.PrefixedSessionKeySchemas.TimeFirstSessionKeySchema;
import org.apache.kafka.streams.state.internals.PrefixedWindowKeySchemas.KeyFirstWindowKeySchema;
import org.apache.kafka.streams.state.internals.PrefixedWindowKeySchemas.TimeFirstWindowKeySchema;
import org.apache.kafka.streams.state.internals.SegmentedBytesStore.KeySchema;
import org.apache.kafka.streams.state.internals.SessionKeySchema;
import org.apache.kafka.streams.state.internals.WindowKeySchema;

/**
 * How a window or session store lays out Kafka's key-schema keys behind the segment id
 * ({@link SegmentedKeys}), normative in {@code docs/format/time-segments.md}: the key-first schemas of
 * Kafka's plain segmented stores, or the time-first schemas of its time-ordered (emit-on-window-close)
 * stores, optionally with a key-first index of empty values in the same segment. The primary keys are
 * those of {@link #primary()}; {@link #index()} is null without an index.
 *
 * <p>Every commit records {@link #tag} under {@link #METADATA_KEY}, and a store refuses a directory
 * whose tag differs ({@link #matches}). Directories written before tags existed have none: they hold
 * the key-first layout. Written to disk: never change a tag; a new layout gets a new one. Stateless.
 */
enum SegmentLayout {
    /** {@code [key][window start 8B][seqnum 4B]}: Kafka's {@code WindowKeySchema}. */
    WINDOW("window", new WindowKeySchema(), null),
    /** {@code [key][end 8B][start 8B]}: Kafka's {@code SessionKeySchema}. */
    SESSION("session", new SessionKeySchema(), null),
    /** {@code [0x00][window start 8B][key][seqnum 4B]}: Kafka's {@code TimeFirstWindowKeySchema}. */
    TIME_ORDERED_WINDOW("time-ordered-window", new TimeFirstWindowKeySchema(), null),
    /** As {@link #TIME_ORDERED_WINDOW}, plus {@code [0x01][key][window start 8B][seqnum 4B]} index keys. */
    TIME_ORDERED_WINDOW_INDEXED("time-ordered-window-indexed", new TimeFirstWindowKeySchema(),
            new KeyFirstWindowKeySchema()),
    /**
     * {@code [0x00][end 8B][start 8B][key]} ({@code TimeFirstSessionKeySchema}), plus
     * {@code [0x01][key][end 8B][start 8B]} index keys.
     */
    TIME_ORDERED_SESSION_INDEXED("time-ordered-session-indexed", new TimeFirstSessionKeySchema(),
            new KeyFirstSessionKeySchema());

    /** The commit-metadata key of the tag. Written to disk: never change. */
    static final String METADATA_KEY = "streams.layout";

    private static final byte TIME_FIRST = 0;
    private static final byte KEY_FIRST = 1;
    private static final int TIME = Long.BYTES;
    private static final int SEQNUM = Integer.BYTES;

    final String tag;
    private final KeySchema primary;
    private final KeySchema index;

    SegmentLayout(String tag, KeySchema primary, KeySchema index) {
        this.tag = tag;
        this.primary = primary;
        this.index = index;
    }

    KeySchema primary() {
        return primary;
    }

    /** The key-first index schema, or null when the layout has no index. */
    KeySchema index() {
        return index;
    }

    boolean timeOrdered() {
        return this != WINDOW && this != SESSION;
    }

    private boolean window() {
        return this == WINDOW || this == TIME_ORDERED_WINDOW || this == TIME_ORDERED_WINDOW_INDEXED;
    }

    /**
     * Whether a store of this layout may read a directory whose commit metadata is {@code metadata}:
     * a new store (no metadata), the same tag, or no tag for the key-first layouts (written before
     * tags existed).
     */
    boolean matches(Map<String, String> metadata) {
        if (metadata.isEmpty()) {
            return true;
        }
        String found = metadata.get(METADATA_KEY);
        return found == null ? !timeOrdered() : found.equals(tag);
    }

    /** The primary key of a changelog key (Kafka logs the key-first schema keys without prefix). */
    byte[] primaryOfChangelogKey(byte[] changelogKey) {
        if (!timeOrdered()) {
            return changelogKey;
        }
        return window() ? TimeFirstWindowKeySchema.fromNonPrefixWindowKey(changelogKey)
                : TimeFirstSessionKeySchema.extractWindowBytesFromNonPrefixSessionKey(changelogKey);
    }

    /**
     * The index key of primary key {@code primaryKey}: window {@code [0x01][key][start][seqnum]} from
     * {@code [0x00][start][key][seqnum]}, session {@code [0x01][key][end][start]} from
     * {@code [0x00][end][start][key]}.
     */
    byte[] indexOfPrimary(byte[] primaryKey) {
        int keyBytes = primaryKey.length - 1 - (window() ? TIME + SEQNUM : 2 * TIME);
        ByteBuffer out = ByteBuffer.allocate(primaryKey.length).put(KEY_FIRST);
        if (window()) {
            out.put(primaryKey, 1 + TIME, keyBytes).put(primaryKey, 1, TIME).put(primaryKey, 1 + TIME + keyBytes, SEQNUM);
        } else {
            out.put(primaryKey, 1 + 2 * TIME, keyBytes).put(primaryKey, 1, 2 * TIME);
        }
        return out.array();
    }

    /** The primary key of index key {@code indexKey}; the inverse of {@link #indexOfPrimary}. */
    Bytes primaryOfIndex(Bytes indexKey) {
        byte[] k = indexKey.get();
        int keyBytes = k.length - 1 - (window() ? TIME + SEQNUM : 2 * TIME);
        ByteBuffer out = ByteBuffer.allocate(k.length).put(TIME_FIRST);
        if (window()) {
            out.put(k, 1 + keyBytes, TIME).put(k, 1, keyBytes).put(k, 1 + keyBytes + TIME, SEQNUM);
        } else {
            out.put(k, 1 + keyBytes, 2 * TIME).put(k, 1, keyBytes);
        }
        return Bytes.wrap(out.array());
    }
}
