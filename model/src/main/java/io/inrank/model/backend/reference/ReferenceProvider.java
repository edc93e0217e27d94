package io.inrank.model.backend.reference;

import io.inrank.model.backend.Backend;
import io.inrank.model.backend.BackendOptions;
import io.inrank.model.backend.BackendProvider;

/** Registers {@code reference} with {@link io.inrank.model.backend.Backends}: always available (plain Java). */
public final class ReferenceProvider implements BackendProvider {
    @Override
    public String name() {
        return "reference";
    }

    @Override
    public String description() {
        return "plain-Java float64 loops, the conformance oracle; slow";
    }

    @Override
    public String unavailableReason() {
        return null;
    }

    @Override
    public Backend open(BackendOptions options) {
        return ReferenceBackend.INSTANCE;
    }

    @Override
    public int order() {
        return 10; // after the default, before accelerators
    }
}
