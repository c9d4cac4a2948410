package dev.braid.perf.harness;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class DatasetTest {
    @Test
    void keysAreDistinctAndMissingKeysAreNeverStored() {
        Dataset d = new Dataset(50_000, 100, 42);
        Set<ByteBuffer> stored = new HashSet<>();
        for (int i = 0; i < d.records(); i++) {
            assertEquals(Dataset.KEY_BYTES, d.key(i).length);
            assertTrue(stored.add(ByteBuffer.wrap(d.key(i))));
        }
        for (int i = 0; i < d.records(); i++) {
            assertFalse(stored.contains(ByteBuffer.wrap(d.missingKey(i))));
        }
    }

    @Test
    void valuesCarryTheirRecord() {
        Dataset d = new Dataset(1000, 4096, 42);
        assertTrue(d.isValueOf(d.value(17, 0), 17));
        assertTrue(d.isValueOf(d.value(17, 3), 17));
        assertFalse(d.isValueOf(d.value(18, 0), 17));
        assertFalse(d.isValueOf(null, 17));
        assertEquals(1000L * (16 + 4096), d.rawBytes());
    }
}
