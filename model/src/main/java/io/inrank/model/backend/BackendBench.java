package io.inrank.model.backend;

import java.util.List;
import java.util.Map;

/**
 * A measurement that only makes sense for one backend (nd4j's spectrum against ND4J's own full SVD), offered by its
 * provider ({@link BackendProvider#benches}) as plain Java: the command line that runs it ({@code inrank bench NAME})
 * is built from {@link #parameters} in the commands module, so no library holds command-line code.
 */
public interface BackendBench {

    /** An integer setting of the bench: {@code --NAME N}, at least {@code min}. */
    record Parameter(String name, int defaultValue, int min, String description) {}

    String name();

    /** What it measures and prints, one sentence per entry. */
    List<String> description();

    List<Parameter> parameters();

    /**
     * Runs on the backend with a value for every parameter (each checked against its minimum); returns one JSON line.
     *
     * @throws IllegalArgumentException for values that are in range but do not fit together, naming them
     */
    String run(Backend backend, Map<String, Integer> values);
}
