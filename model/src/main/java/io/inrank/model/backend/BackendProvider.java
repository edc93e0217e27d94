package io.inrank.model.backend;

import java.util.List;

/**
 * How a backend module makes itself known to {@link Backends}: a {@code java.util.ServiceLoader} service listed in its
 * jar's {@code META-INF/services/io.inrank.model.backend.BackendProvider}. {@link #unavailableReason} must be cheap and
 * must not load native code (it runs for every listing); {@link #open} does the real start.
 */
public interface BackendProvider {

    /** The name users select it by ({@code --backend}, {@code INRANK_BACKEND}). */
    String name();

    /** One line for listings, e.g. "CPU: ND4J + OpenBLAS". */
    String description();

    /** Null when it can be opened here, otherwise why not, in one line. */
    String unavailableReason();

    /** Starts the backend (native libraries, devices); throws with a one-line message when that fails. */
    Backend open();

    /**
     * Benchmarks that only make sense for this backend (e.g. against its own library), as picocli command objects
     * for {@code inrank bench}; asked only when the backend is available, so they may load its classes.
     */
    default List<Object> benchCommands() {
        return List.of();
    }
}
