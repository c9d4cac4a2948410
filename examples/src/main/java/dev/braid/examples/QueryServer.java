package dev.braid.examples;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.errors.UnknownStateStoreException;
import org.apache.kafka.streams.query.KeyQuery;
import org.apache.kafka.streams.query.QueryResult;
import org.apache.kafka.streams.query.RangeQuery;
import org.apache.kafka.streams.query.StateQueryRequest;
import org.apache.kafka.streams.query.StateQueryResult;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.ValueAndTimestamp;

/**
 * Interactive queries over HTTP: the key-value stores of one Kafka Streams instance (Braid or not,
 * with string keys) answered through IQv2 {@link KeyQuery} and {@link RangeQuery} by the JDK's
 * {@code com.sun.net.httpserver}, on the loopback address:
 *
 * <pre>
 * GET /stores/{store}/keys/{key}            {"key":"kafka","value":42}        404 if no local task holds it
 * GET /stores/{store}?from=a&amp;to=b&amp;limit=n   [{"key":"a","value":1},...]      keys in order, bounds optional
 * </pre>
 *
 * Kafka 4.3.1 answers a {@code KeyQuery} from its record cache when the store has one, but passes a
 * {@code RangeQuery} past the cache to the store: a range sees what the last commit flushed.
 * Only active tasks answer. A partition that cannot answer yet (restoring, rebalancing) makes the
 * request fail with 503 and Kafka's reason; a store the topology does not have is 404. Values are printed as JSON numbers when they are numbers,
 * else as strings; a timestamped value shows its value only.
 *
 * <p>{@code main} serves a {@link WordCount} over a few lines on a {@link LocalBroker} until Enter.
 *
 * <p>Thread safety: requests run on a small pool of their own, concurrently with the stream threads.
 */
public final class QueryServer implements AutoCloseable {
    private final HttpServer server;
    private final ExecutorService pool;
    private final KafkaStreams streams;

    private QueryServer(HttpServer server, ExecutorService pool, KafkaStreams streams) {
        this.server = server;
        this.pool = pool;
        this.streams = streams;
    }

    public static void main(String[] args) throws Exception {
        Path stateDir = Files.createTempDirectory("braid-queries");
        try (LocalBroker broker = LocalBroker.start()) {
            AppRunner.createTopics(broker.bootstrapServers(), 1, "lines");
            AppRunner.produce(broker.bootstrapServers(), "lines", List.of(Map.entry("1", "to be or not to be"),
                    Map.entry("2", "that is the question")));
            StreamsBuilder builder = new StreamsBuilder();
            WordCount.addTo(builder, "lines");
            try (KafkaStreams streams = new KafkaStreams(builder.build(),
                    AppRunner.baseConfig("queries", broker.bootstrapServers(), stateDir));
                 QueryServer server = start(streams, args.length > 0 ? Integer.parseInt(args[0]) : 0)) {
                AppRunner.startAndAwaitRunning(streams, Duration.ofSeconds(60));
                String base = "http://127.0.0.1:" + server.port() + "/stores/" + WordCount.COUNTS;
                System.out.println("try:  curl " + base + "/keys/be   or   curl '" + base + "?from=a&to=q'");
                System.out.println("press Enter to stop");
                System.in.read();
            }
        } finally {
            LocalBroker.deleteTree(stateDir);
        }
    }

    /** Serves the stores of {@code streams} on 127.0.0.1:{@code port} (0: any free port). */
    public static QueryServer start(KafkaStreams streams, int port) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 16);
        ExecutorService pool = Executors.newFixedThreadPool(2, r -> {
            Thread t = new Thread(r, "query-server");
            t.setDaemon(true);
            return t;
        });
        QueryServer qs = new QueryServer(server, pool, streams);
        server.createContext("/stores/", qs::handle);
        server.setExecutor(pool);
        server.start();
        return qs;
    }

    /** The port it listens on. */
    public int port() {
        return server.getAddress().getPort();
    }

    @Override
    public void close() {
        server.stop(0);
        pool.shutdownNow();
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String[] parts = exchange.getRequestURI().getRawPath().split("/", 5); // "", stores, name, keys, key
            if (!"GET".equals(exchange.getRequestMethod()) || parts.length < 3 || parts[2].isEmpty()) {
                reply(exchange, 400, error("use GET /stores/{store}/keys/{key} or GET /stores/{store}?from=&to="));
                return;
            }
            String store = decode(parts[2]);
            try {
                if (parts.length == 5 && "keys".equals(parts[3])) {
                    key(exchange, store, decode(parts[4]));
                } else if (parts.length == 3) {
                    range(exchange, store, query(exchange.getRequestURI().getRawQuery()));
                } else {
                    reply(exchange, 404, error("no such resource"));
                }
            } catch (UnknownStateStoreException e) {
                reply(exchange, 404, error(e.getMessage()));
            } catch (Unavailable | InvalidStateStoreException e) { // not started, rebalancing, shutting down
                reply(exchange, 503, error(e.getMessage()));
            } catch (RuntimeException e) {
                reply(exchange, 500, error(e.toString()));
            }
        }
    }

    private void key(HttpExchange exchange, String store, String key) throws IOException {
        StateQueryResult<Object> result = streams.query(StateQueryRequest.inStore(store)
                .withQuery(KeyQuery.<String, Object>withKey(key)).requireActive());
        for (QueryResult<Object> partition : result.getPartitionResults().values()) {
            if (partition.isSuccess() && partition.getResult() != null) {
                reply(exchange, 200, "{\"key\":" + json(key) + ",\"value\":" + json(partition.getResult()) + "}");
                return;
            }
        }
        failures(result);
        reply(exchange, 404, error("no local task of " + store + " holds " + key));
    }

    private void range(HttpExchange exchange, String store, Map<String, String> params) throws IOException {
        String from = params.get("from");
        String to = params.get("to");
        int limit = Integer.parseInt(params.getOrDefault("limit", "1000"));
        RangeQuery<String, Object> query = from == null && to == null ? RangeQuery.withNoBounds()
                : from == null ? RangeQuery.withUpperBound(to)
                : to == null ? RangeQuery.withLowerBound(from) : RangeQuery.withRange(from, to);
        StateQueryResult<KeyValueIterator<String, Object>> result =
                streams.query(StateQueryRequest.inStore(store).withQuery(query).requireActive());
        TreeMap<String, Object> merged = new TreeMap<>();
        for (QueryResult<KeyValueIterator<String, Object>> partition : result.getPartitionResults().values()) {
            if (!partition.isSuccess()) {
                continue;
            }
            try (KeyValueIterator<String, Object> it = partition.getResult()) {
                for (int n = 0; n < limit && it.hasNext(); n++) {
                    KeyValue<String, Object> kv = it.next();
                    merged.put(kv.key, kv.value);
                }
            }
        }
        failures(result);
        StringBuilder body = new StringBuilder("[");
        for (Map.Entry<String, Object> e : merged.entrySet()) {
            if (limit-- == 0) {
                break;
            }
            body.append(body.length() > 1 ? "," : "").append("{\"key\":").append(json(e.getKey()))
                    .append(",\"value\":").append(json(e.getValue())).append('}');
        }
        reply(exchange, 200, body.append(']').toString());
    }

    /** Throws {@link Unavailable} if a partition failed, or if no partition answered at all. */
    private static void failures(StateQueryResult<?> result) {
        for (var e : result.getPartitionResults().entrySet()) {
            if (e.getValue().isFailure()) {
                throw new Unavailable("partition " + e.getKey() + ": " + e.getValue().getFailureReason() + " "
                        + e.getValue().getFailureMessage());
            }
        }
        if (result.getPartitionResults().isEmpty()) {
            throw new Unavailable("no active task of the store on this instance (yet)");
        }
    }

    private static Map<String, String> query(String rawQuery) {
        Map<String, String> params = new HashMap<>();
        if (rawQuery != null) {
            for (String pair : rawQuery.split("&")) {
                int eq = pair.indexOf('=');
                if (eq > 0) {
                    params.put(decode(pair.substring(0, eq)), decode(pair.substring(eq + 1)));
                }
            }
        }
        return params;
    }

    private static String decode(String s) {
        return URLDecoder.decode(s, StandardCharsets.UTF_8);
    }

    private static String json(Object value) {
        Object v = value instanceof ValueAndTimestamp<?> vt ? vt.value() : value;
        if (v instanceof Number) {
            return v.toString();
        }
        StringBuilder sb = new StringBuilder("\"");
        for (char c : String.valueOf(v).toCharArray()) {
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                default -> {
                    if (c < 0x20) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        return sb.append('"').toString();
    }

    private static String error(String message) {
        return "{\"error\":" + json(message) + "}";
    }

    private static void reply(HttpExchange exchange, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json; charset=utf-8");
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    /** A store partition that cannot answer now; 503. */
    private static final class Unavailable extends RuntimeException {
        Unavailable(String message) {
            super(message);
        }
    }
}
