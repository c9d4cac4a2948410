package dev.braid.e2e;

import dev.braid.examples.LocalBroker;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * One in-process Kafka broker for every end-to-end test class of the run (they use distinct
 * application ids and topics): started by the first class that needs it, closed when JUnit finishes.
 * Use with {@code @ExtendWith(SharedBroker.class)}, then {@link #bootstrapServers()}.
 */
final class SharedBroker implements BeforeAllCallback {
    private static LocalBroker broker;

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        synchronized (SharedBroker.class) {
            if (broker == null) {
                LocalBroker started = LocalBroker.start();
                context.getRoot().getStore(ExtensionContext.Namespace.GLOBAL)
                        .put(SharedBroker.class, (ExtensionContext.Store.CloseableResource) () -> {
                            synchronized (SharedBroker.class) {
                                broker = null;
                            }
                            started.close();
                        });
                broker = started;
            }
        }
    }

    static synchronized String bootstrapServers() {
        if (broker == null) {
            throw new IllegalStateException("no broker: annotate the test class with @ExtendWith(SharedBroker.class)");
        }
        return broker.bootstrapServers();
    }
}
