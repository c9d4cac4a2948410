package dev.braid.perf.harness;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The harness command line: what reaches the stores. */
class HarnessConfigTest {
    @Test
    void braidPropertiesReachOnlyTheBraidStores() {
        HarnessConfig c = HarnessConfig.parse(new String[] {"--smoke", "--braid", "braid.write.mode=merge-tree",
                "--braid", "braid.write.buffer.bytes=65536"});
        Map<String, String> want = Map.of("braid.write.mode", "merge-tree", "braid.write.buffer.bytes", "65536");
        assertEquals(want, c.braidConfigs());
        assertEquals(want, StoreKind.BRAID.appConfigs(0, c.braidConfigs()));
        assertEquals(Map.of(), StoreKind.ROCKSDB.appConfigs(0, c.braidConfigs()));
        assertEquals(Map.of(), StoreKind.IN_MEMORY.appConfigs(0, c.braidConfigs()));
        assertEquals(List.of("--smoke", "--braid", "braid.write.mode=merge-tree", "--braid",
                "braid.write.buffer.bytes=65536"), c.args(), "forked JVMs get them too");
    }

    @Test
    void aBraidPropertyNeedsItsPrefixAndAValue() {
        assertThrows(IllegalArgumentException.class, () -> HarnessConfig.parse(new String[] {"--braid", "write.mode=tree"}));
        assertThrows(IllegalArgumentException.class, () -> HarnessConfig.parse(new String[] {"--braid", "braid.write.mode"}));
    }
}
