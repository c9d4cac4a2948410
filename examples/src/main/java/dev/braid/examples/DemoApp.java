package dev.braid.examples;

import dev.braid.streams.BraidClientSupplier;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;

/**
 * The application of the {@link Demo}, run by it in a child JVM so that it can be killed for real:
 * {@link WordCount}, a {@link RestoreCounter}, and a {@link QueryServer}. It
 * reports on standard output, one event a line: {@code http <port>}, {@code state <state>},
 * {@code restore-start ...}, {@code restore-end ...}. It stops cleanly when it reads {@code stop}
 * (or end of input) on standard input.
 *
 * <p>Arguments: bootstrap servers, state directory, processing guarantee ({@code at_least_once} or
 * {@code exactly_once_v2}).
 */
public final class DemoApp {
    static final String APPLICATION_ID = "braid-demo";
    static final String LINES = "lines";

    private DemoApp() {
    }

    public static void main(String[] args) throws Exception {
        StreamsBuilder builder = new StreamsBuilder();
        WordCount.addTo(builder, LINES);
        Properties props = AppRunner.baseConfig(APPLICATION_ID, args[0], Path.of(args[1]));
        props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, args[2]);
        // a restarted instance takes its predecessor's place at once instead of after the session timeout
        props.put(StreamsConfig.mainConsumerPrefix(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG), APPLICATION_ID + "-1");
        props.put(StreamsConfig.producerPrefix(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG), 5_000);
        if (args[2].startsWith("exactly_once")) {
            // Kafka 4.3.1 commits a running task's stores under exactly-once only through this (README)
            props.put(StreamsConfig.DEFAULT_CLIENT_SUPPLIER_CONFIG, BraidClientSupplier.class);
        }

        KafkaStreams streams = new KafkaStreams(builder.build(), props);
        streams.setGlobalStateRestoreListener(new RestoreCounter(DemoApp::report));
        streams.setStateListener((now, before) -> report("state " + now));
        try (QueryServer server = QueryServer.start(streams, 0)) {
            report("http " + server.port());
            streams.start();
            BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            for (String line; (line = in.readLine()) != null && !line.equals("stop"); ) {
                // anything else is ignored
            }
            streams.close(Duration.ofSeconds(30));
        }
        report("stopped");
    }

    private static synchronized void report(String event) {
        System.out.println(event);
        System.out.flush();
    }
}
