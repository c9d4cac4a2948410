package dev.braid.streams;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.streams.query.Position;
import org.junit.jupiter.api.Test;

/** The layout of docs/format/streams-metadata.md. */
class CommitMetadataTest {
    @Test
    void roundTripsOffsetsAndPositionWithAwkwardTopicNames() {
        Map<TopicPartition, Long> offsets = Map.of(new TopicPartition("my.app-store-changelog", 12), 4711L,
                new TopicPartition("a_b-c.d", 0), 0L);
        Position position = Position.emptyPosition().withComponent("words.in-1", 3, 9000L)
                .withComponent("words.in-1", 4, 1L).withComponent("x", 0, Long.MAX_VALUE);
        Map<String, String> encoded = new CommitMetadata(offsets, position).encode();
        assertEquals("1", encoded.get("streams.format"));
        assertEquals("4711", encoded.get("offset/my.app-store-changelog/12"));
        assertEquals("9000", encoded.get("position/words.in-1/3"));
        CommitMetadata decoded = CommitMetadata.decode(encoded);
        assertEquals(offsets, decoded.offsets());
        assertEquals(position, decoded.position());
    }

    @Test
    void anEmptyMapIsANewStore() {
        CommitMetadata m = CommitMetadata.decode(Map.of());
        assertTrue(m.offsets().isEmpty());
        assertTrue(m.position().isEmpty());
    }

    @Test
    void unknownVersionsAndMalformedEntriesAreRefused() {
        assertThrows(IllegalStateException.class, () -> CommitMetadata.decode(Map.of("streams.format", "2")));
        assertThrows(IllegalStateException.class, () -> CommitMetadata.decode(Map.of("offset/t/x", "1")));
        assertThrows(IllegalStateException.class, () -> CommitMetadata.decode(Map.of("offset/t/1", "one")));
        assertThrows(IllegalStateException.class, () -> CommitMetadata.decode(Map.of("position/t", "1")));
    }

    @Test
    void unknownKeysAreIgnored() {
        assertEquals(Map.of(new TopicPartition("t", 1), 5L),
                CommitMetadata.decode(Map.of("offset/t/1", "5", "something.else", "x")).offsets());
    }
}
