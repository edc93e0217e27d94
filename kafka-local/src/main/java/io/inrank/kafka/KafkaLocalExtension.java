package io.inrank.kafka;

import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * JUnit 5 extension: {@code @ExtendWith(KafkaLocalExtension.class)} starts one real broker per test run (shared by every
 * class that uses the extension, closed when the run ends) and injects {@link KafkaLocal} into test and lifecycle method
 * parameters.
 */
public final class KafkaLocalExtension implements BeforeAllCallback, ParameterResolver {

    private static final ExtensionContext.Namespace NS = ExtensionContext.Namespace.create(KafkaLocalExtension.class);

    @Override
    public void beforeAll(ExtensionContext context) {
        broker(context);
    }

    @Override
    public boolean supportsParameter(ParameterContext pc, ExtensionContext ec) {
        return pc.getParameter().getType() == KafkaLocal.class;
    }

    @Override
    public Object resolveParameter(ParameterContext pc, ExtensionContext ec) {
        return broker(ec);
    }

    private static KafkaLocal broker(ExtensionContext context) {
        return context.getRoot()
                .getStore(NS)
                .getOrComputeIfAbsent("broker", k -> new SharedBroker(), SharedBroker.class)
                .broker;
    }

    /** Stored in the root store so JUnit closes it once, after the last test of the run. */
    static final class SharedBroker implements AutoCloseable, ExtensionContext.Store.CloseableResource {
        final KafkaLocal broker;

        SharedBroker() {
            try {
                broker = KafkaLocal.start();
            } catch (Exception e) {
                throw new IllegalStateException("kafka-local broker did not start: " + e.getMessage(), e);
            }
        }

        @Override
        public void close() {
            broker.close();
        }
    }
}
