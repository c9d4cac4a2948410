package dev.braid.e2e;

import dev.braid.examples.QueryServer;
import dev.braid.examples.RestoreCounter;
import dev.braid.streams.BraidClientSupplier;
import dev.braid.streams.BraidStores;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.ThreadMetadata;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;

/**
 * The application under test, run in a child JVM so that tests can SIGKILL it. It reads
 * {@code <app>-input} (key, sequence number), keeps a {@link Tally} per key in the Braid store
 * {@code tallies} (Processor API, logged, not cached: every update is a changelog record), and
 * forwards (key, sequence number) of every record it sees to {@code <app>-output}. With
 * {@code global=true} it also keeps the topic {@code <app>-weights} in the Braid global store
 * {@code weights}. A restarted instance keeps its place in the group (static membership).
 *
 * <p>It reports on standard output, one event a line: {@code state <state>}, {@code restore-start},
 * {@code restore-end} and {@code restore-suspended} (from {@link RestoreCounter}), {@code processed
 * <n>} (records seen by this run), {@code tasks active=[..] standby=[..]} on every change, and
 * {@code http <port>} ({@link QueryServer}). It stops cleanly on {@code stop} on standard input.
 *
 * <p>Arguments, {@code key=value}: {@code bootstrap}, {@code state}, {@code app}, {@code guarantee}
 * ({@code at_least_once}, {@code exactly_once_v2}), {@code instance} (a name), {@code standbys},
 * {@code global} ({@code true}/{@code false}), {@code recoveryLag} ({@code acceptable.recovery.lag}),
 * {@code clientSupplier} ({@code braid}: {@link BraidClientSupplier}, which lets the stores commit under
 * exactly-once; {@code kafka}, the default: Kafka's own clients).
 */
public final class SequenceApp {
    static final String TALLIES = "tallies";
    static final String WEIGHTS = "weights";
    private static final AtomicLong PROCESSED = new AtomicLong();

    private SequenceApp() {
    }

    static String input(String app) {
        return app + "-input";
    }

    static String output(String app) {
        return app + "-output";
    }

    static String weightsTopic(String app) {
        return app + "-weights";
    }

    static String changelog(String app) {
        return app + "-" + TALLIES + "-changelog";
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> a = new HashMap<>(Map.of("standbys", "0", "global", "false",
                "recoveryLag", "10000", "instance", "a", "clientSupplier", "kafka"));
        for (String arg : args) {
            a.put(arg.substring(0, arg.indexOf('=')), arg.substring(arg.indexOf('=') + 1));
        }
        String app = a.get("app");
        StreamsBuilder builder = new StreamsBuilder();
        builder.addStateStore(Stores.keyValueStoreBuilder(
                BraidStores.persistentKeyValueStore(TALLIES), Serdes.String(), Serdes.String()));
        builder.stream(input(app), Consumed.with(Serdes.String(), Serdes.Long()))
                .process(Apply::new, TALLIES)
                .to(output(app), Produced.with(Serdes.String(), Serdes.Long()));
        if (Boolean.parseBoolean(a.get("global"))) {
            builder.addGlobalStore(Stores.keyValueStoreBuilder(BraidStores.persistentKeyValueStore(WEIGHTS),
                            Serdes.String(), Serdes.String()).withLoggingDisabled(),
                    weightsTopic(app), Consumed.with(Serdes.String(), Serdes.String()), KeepWeight::new);
        }

        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, app);
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, a.get("bootstrap"));
        props.put(StreamsConfig.STATE_DIR_CONFIG, a.get("state"));
        props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, a.get("guarantee"));
        props.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, 1);
        props.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, 100);
        props.put(StreamsConfig.NUM_STANDBY_REPLICAS_CONFIG, Integer.parseInt(a.get("standbys")));
        props.put(StreamsConfig.ACCEPTABLE_RECOVERY_LAG_CONFIG, Long.parseLong(a.get("recoveryLag")));
        props.put(StreamsConfig.STATESTORE_CACHE_MAX_BYTES_CONFIG, 0);
        props.put(StreamsConfig.mainConsumerPrefix(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG),
                app + "-" + a.get("instance"));
        props.put(StreamsConfig.consumerPrefix(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG), 6_000);
        props.put(StreamsConfig.consumerPrefix(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG), 1_000);
        props.put(StreamsConfig.producerPrefix(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG), 5_000);
        props.put("braid.memory.bytes", 32L << 20);
        if (a.get("clientSupplier").equals("braid")) {
            props.put(StreamsConfig.DEFAULT_CLIENT_SUPPLIER_CONFIG, BraidClientSupplier.class);
        }

        KafkaStreams streams = new KafkaStreams(builder.build(), props);
        streams.setGlobalStateRestoreListener(new RestoreCounter(SequenceApp::report));
        streams.setStateListener((now, before) -> report("state " + now));
        streams.setUncaughtExceptionHandler(e -> {
            report("uncaught " + e);
            return StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
        });
        Thread reporter = new Thread(() -> reportLoop(streams), "reporter");
        reporter.setDaemon(true);
        try (QueryServer server = QueryServer.start(streams, 0)) {
            report("http " + server.port());
            streams.start();
            reporter.start();
            BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            for (String line; (line = in.readLine()) != null && !line.equals("stop"); ) {
                // only "stop" means something
            }
            streams.close(Duration.ofSeconds(60));
        }
        report("stopped");
    }

    /** Reports records processed and the task assignment when they change. */
    private static void reportLoop(KafkaStreams streams) {
        long processed = -1;
        String tasks = "";
        while (true) {
            long p = PROCESSED.get();
            if (p != processed) {
                report("processed " + p);
                processed = p;
            }
            try {
                TreeSet<String> active = new TreeSet<>();
                TreeSet<String> standby = new TreeSet<>();
                for (ThreadMetadata t : streams.metadataForLocalThreads()) {
                    t.activeTasks().forEach(task -> active.add(task.taskId().toString()));
                    t.standbyTasks().forEach(task -> standby.add(task.taskId().toString()));
                }
                String now = "tasks active=" + active + " standby=" + standby;
                if (!now.equals(tasks)) {
                    report(now);
                    tasks = now;
                }
                Thread.sleep(100);
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException notNow) {
                // metadata is not available in every state
            }
        }
    }

    private static synchronized void report(String event) {
        System.out.println(event);
        System.out.flush();
    }

    /** Applies each sequence number to its key's tally and forwards it. */
    private static final class Apply implements Processor<String, Long, String, Long> {
        private ProcessorContext<String, Long> context;
        private KeyValueStore<String, String> tallies;

        @Override
        public void init(ProcessorContext<String, Long> context) {
            this.context = context;
            this.tallies = context.getStateStore(TALLIES);
        }

        @Override
        public void process(Record<String, Long> record) {
            tallies.put(record.key(), Tally.decode(tallies.get(record.key())).apply(record.value()).encode());
            context.forward(record);
            PROCESSED.incrementAndGet();
        }
    }

    /** Keeps the latest value of each key of the weights topic in the global store. */
    private static final class KeepWeight implements Processor<String, String, Void, Void> {
        private KeyValueStore<String, String> weights;

        @Override
        public void init(ProcessorContext<Void, Void> context) {
            this.weights = context.getStateStore(WEIGHTS);
        }

        @Override
        public void process(Record<String, String> record) {
            weights.put(record.key(), record.value());
        }
    }
}
