package dev.braid.examples;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;

/**
 * A single-node KRaft Kafka (one process that is both controller and broker) running inside this JVM,
 * from Kafka's own test kit ({@code org.apache.kafka:kafka-test-common-runtime}), so the demo and the
 * end-to-end tests need nothing installed. Its logs live in a temporary directory that {@link #close()}
 * deletes. Configured for one node and quick starts: replication factor 1 for internal topics, few
 * internal partitions, no initial rebalance delay, hanging transactions of killed producers aborted
 * within seconds.
 *
 * <p>Thread safety: {@link #start()} and {@link #close()} from one thread; the rest from any.
 */
public final class LocalBroker implements AutoCloseable {
    private final Path baseDir;
    private final KafkaClusterTestKit cluster;

    private LocalBroker(Path baseDir, KafkaClusterTestKit cluster) {
        this.baseDir = baseDir;
        this.cluster = cluster;
    }

    /** Formats and starts a fresh broker; returns once it accepts clients. */
    public static LocalBroker start() throws Exception {
        Path baseDir = Files.createTempDirectory("braid-broker");
        KafkaClusterTestKit cluster = null;
        try {
            TestKitNodes nodes = new TestKitNodes.Builder()
                    .setCombined(true)
                    .setNumControllerNodes(1)
                    .setNumBrokerNodes(1)
                    .setBaseDirectory(baseDir)
                    .build();
            cluster = new KafkaClusterTestKit.Builder(nodes)
                    .setConfigProp("offsets.topic.replication.factor", "1")
                    .setConfigProp("offsets.topic.num.partitions", "4")
                    .setConfigProp("transaction.state.log.replication.factor", "1")
                    .setConfigProp("transaction.state.log.min.isr", "1")
                    .setConfigProp("transaction.state.log.num.partitions", "4")
                    .setConfigProp("transaction.abort.timed.out.transaction.cleanup.interval.ms", "1000")
                    .setConfigProp("group.initial.rebalance.delay.ms", "0")
                    .setConfigProp("auto.create.topics.enable", "false")
                    .setConfigProp("log.segment.bytes", Integer.toString(16 << 20))
                    .build();
            formatQuietly(cluster);
            cluster.startup();
            cluster.waitForReadyBrokers();
            return new LocalBroker(baseDir, cluster);
        } catch (Exception | Error e) {
            if (cluster != null) {
                try {
                    cluster.close();
                } catch (Exception suppressed) {
                    e.addSuppressed(suppressed);
                }
            }
            deleteTree(baseDir);
            throw e;
        }
    }

    /** The {@code bootstrap.servers} of this broker. */
    public String bootstrapServers() {
        return cluster.bootstrapServers();
    }

    /** An admin client of this broker; the caller closes it. */
    public Admin admin() {
        return Admin.create(Map.of("bootstrap.servers", bootstrapServers()));
    }

    /** Stops the broker and deletes its logs. */
    @Override
    public void close() throws Exception {
        try {
            cluster.close();
        } finally {
            deleteTree(baseDir);
        }
    }

    /**
     * {@code format()} prints the bootstrap metadata records to standard output; they mean nothing to
     * a demo's reader, so standard output is muted for that call only (nothing else runs yet).
     */
    private static void formatQuietly(KafkaClusterTestKit cluster) throws Exception {
        PrintStream out = System.out;
        System.setOut(new PrintStream(OutputStream.nullOutputStream()));
        try {
            cluster.format();
        } finally {
            System.setOut(out);
        }
    }

    static void deleteTree(Path root) {
        if (!Files.exists(root)) {
            return;
        }
        try (var paths = Files.walk(root)) {
            for (Path p : paths.sorted((a, b) -> b.getNameCount() - a.getNameCount()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete " + root, e);
        }
    }
}
