package io.inrank.commands;

import io.inrank.model.backend.BackendOptions;
import io.inrank.model.backend.Backends;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code inrank backends}: every known backend and whether it can run here (and why not). */
@Command(
        name = "backends",
        mixinStandardHelpOptions = true,
        description = {
            "Lists the compute backends found (nd4j, reference, cuda where its module is present) and whether each can run"
                    + " here, or why not, without starting any."
        })
public final class BackendsCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        out.println("backends (--backend NAME or " + BackendOptions.BACKEND_ENV + "; default now: "
                + BackendOptions.parse(null, null) + "):");
        for (Backends.Status s : Backends.list()) {
            out.printf(
                    "  %-10s %s%n",
                    s.name(),
                    (s.available() ? "available: " + s.description() : "unavailable: " + s.unavailableReason())
                            + "; precisions: "
                            + s.precisions().stream().map(p -> p.label()).toList());
        }
        out.flush();
        return 0;
    }
}
