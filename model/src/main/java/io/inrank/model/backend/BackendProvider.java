package io.inrank.model.backend;

import java.util.List;
import java.util.Set;

/**
 * How a backend module makes itself known to {@link Backends}: a {@code java.util.ServiceLoader} service listed in its
 * jar's {@code META-INF/services/io.inrank.model.backend.BackendProvider}. The provider declares its name, what it
 * computes with and whether it can run here; {@link Backends} knows no backend by name. {@link #unavailableReason} must
 * be cheap and must not load native code (it runs for every listing); {@link #open} does the real start.
 */
public interface BackendProvider {

    /** The name users select it by ({@code --backend}, {@code INRANK_BACKEND}): lower case, as {@link BackendOptions}. */
    String name();

    /** One line for listings, e.g. "CPU: ND4J + OpenBLAS". */
    String description();

    /** Null when it can be opened here, otherwise why not, in one line. */
    String unavailableReason();

    /** The GEMM precisions it has; fp32 only unless it says more. */
    default Set<Precision> precisions() {
        return Set.of(Precision.FP32);
    }

    /**
     * Starts the backend (native libraries, devices) with options {@link Backends} has checked (the name is this
     * provider's, the precision one of {@link #precisions}); throws with a one-line message when the start fails.
     */
    Backend open(BackendOptions options);

    /**
     * This backend's listing position: lower first (the CPU default before the oracle before accelerators); ties by
     * name. Only the order of {@code inrank backends} and of messages depends on it.
     */
    default int order() {
        return 100;
    }

    /** Measurements only this backend can make ({@code inrank bench NAME}); asked only when it is available. */
    default List<BackendBench> benches() {
        return List.of();
    }
}
