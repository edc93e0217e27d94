package io.inrank.model.backend;

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
            "Lists the compute backends (nd4j, reference, cuda) and whether each can run here, or why not, without"
                    + " starting any."
        })
public final class BackendsCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        out.println("backends (--backend NAME or " + Backends.ENV + "; default now: " + Backends.resolve(null) + "):");
        for (Backends.Status s : Backends.list()) {
            out.printf(
                    "  %-10s %s%n",
                    s.name(),
                    s.available() ? "available: " + s.description() : "unavailable: " + s.unavailableReason());
        }
        out.flush();
        return 0;
    }
}
