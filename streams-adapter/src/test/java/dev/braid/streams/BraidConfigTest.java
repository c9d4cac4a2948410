package dev.braid.streams;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.braid.store.BraidOptions;
import dev.braid.store.Durability;
import dev.braid.store.WriteMode;
import java.util.Map;
import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.Test;

/** The braid.* application properties and per-store overrides. */
class BraidConfigTest {
    @Test
    void defaultsNeedNoConfiguration() {
        BraidOptions o = BraidConfig.from(Map.of()).toOptions(BraidStoreOptions.defaults());
        assertEquals(4096, o.pageSizeBytes());
        assertEquals(Durability.NORMAL, o.durability());
        assertEquals(16L << 20, o.writeBufferBytes());
        assertEquals(-1, o.restoreBufferBytes(), "a restore's buffer may grow to three quarters of the budget");
        assertEquals(WriteMode.TREE, o.writeMode(), "processing writes go into the B+tree");
        assertTrue(o.recordCommits(), "small tree writes commit as records");
        assertTrue(o.cache().capacityBytes() >= 64L << 20);
    }

    @Test
    void propertiesAreReadAsStringsOrNumbers() {
        BraidOptions o = BraidConfig.from(Map.of(BraidConfig.PAGE_SIZE_BYTES, "8192", BraidConfig.DURABILITY, "full",
                BraidConfig.WRITE_BUFFER_BYTES, 1L << 20, BraidConfig.MEMORY_BYTES, "33554432",
                BraidConfig.RESTORE_BUFFER_BYTES, "0", BraidConfig.WRITE_MODE, " Merge-Tree ",
                BraidConfig.RECORD_COMMITS, "false"))
                .toOptions(BraidStoreOptions.defaults());
        assertFalse(o.recordCommits());
        assertEquals(WriteMode.MERGE_TREE, o.writeMode());
        assertEquals(0, o.restoreBufferBytes());
        assertEquals(8192, o.pageSizeBytes());
        assertEquals(Durability.FULL, o.durability());
        assertEquals(1L << 20, o.writeBufferBytes());
        assertEquals(32L << 20, o.cache().capacityBytes());
    }

    @Test
    void storesShareOneBudgetPerSizeUnlessToldOtherwise() {
        Map<String, Object> shared = Map.of(BraidConfig.MEMORY_BYTES, 24L << 20);
        assertSame(BraidConfig.from(shared).toOptions(BraidStoreOptions.defaults()).cache(),
                BraidConfig.from(shared).toOptions(BraidStoreOptions.defaults()).cache());
        Map<String, Object> own = Map.of(BraidConfig.MEMORY_BYTES, 24L << 20, BraidConfig.MEMORY_SHARED, "false");
        assertNotSame(BraidConfig.from(own).toOptions(BraidStoreOptions.defaults()).cache(),
                BraidConfig.from(own).toOptions(BraidStoreOptions.defaults()).cache());
        BraidOptions privateBudget = BraidConfig.from(shared)
                .toOptions(BraidStoreOptions.defaults().withPrivateMemoryBytes(8L << 20));
        assertEquals(8L << 20, privateBudget.cache().capacityBytes());
    }

    @Test
    void perStoreOptionsOverrideTheProperties() {
        BraidOptions o = BraidConfig.from(Map.of(BraidConfig.DURABILITY, "FULL", BraidConfig.PAGE_SIZE_BYTES, 8192))
                .toOptions(BraidStoreOptions.defaults().withDurability(Durability.NORMAL).withPageSizeBytes(16384)
                        .withWriteBufferBytes(4096).withWriteMode(WriteMode.MERGE_TREE));
        assertEquals(WriteMode.MERGE_TREE, o.writeMode());
        assertEquals(Durability.NORMAL, o.durability());
        assertEquals(16384, o.pageSizeBytes());
        assertEquals(4096, o.writeBufferBytes());
    }

    @Test
    void malformedValuesAreConfigErrors() {
        assertThrows(ConfigException.class, () -> BraidConfig.from(Map.of(BraidConfig.MEMORY_BYTES, "lots")));
        assertThrows(ConfigException.class, () -> BraidConfig.from(Map.of(BraidConfig.DURABILITY, "SOMETIMES")));
        assertThrows(ConfigException.class, () -> BraidConfig.from(Map.of(BraidConfig.MEMORY_SHARED, "maybe")));
        assertThrows(ConfigException.class, () -> BraidConfig.from(Map.of(BraidConfig.WRITE_MODE, "lsm")));
        assertThrows(ConfigException.class, () -> BraidConfig.from(Map.of(BraidConfig.RECORD_COMMITS, "often")));
        assertThrows(ConfigException.class, () -> BraidConfig.from(Map.of(BraidConfig.PAGE_SIZE_BYTES, "3000"))
                .toOptions(BraidStoreOptions.defaults()));
        assertThrows(ConfigException.class, () -> BraidConfig.from(Map.of(BraidConfig.RESTORE_BUFFER_BYTES, "12"))
                .toOptions(BraidStoreOptions.defaults()));
    }
}
