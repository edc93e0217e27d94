package io.inrank.commands.bench;

import io.inrank.commands.BackendOption;
import io.inrank.model.backend.BackendBench;
import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.ParameterException;

/**
 * The command line of a backend's own bench ({@link BackendBench}, plain Java in the backend's module): one
 * {@code --NAME N} option per parameter with its default and minimum, plus {@code --backend}/{@code --precision}.
 */
public final class BackendBenchCommand {
    private BackendBenchCommand() {}

    /** {@code bench NAME ...} for this bench; prints its one JSON line. */
    public static CommandLine of(BackendBench bench) {
        BackendOption backend = new BackendOption();
        CommandSpec[] self = new CommandSpec[1];
        Callable<Integer> run = () -> {
            Map<String, Integer> values = new LinkedHashMap<>();
            for (BackendBench.Parameter p : bench.parameters()) {
                int v = self[0].findOption("--" + p.name()).getValue();
                if (v < p.min())
                    throw new ParameterException(
                            self[0].commandLine(), "--" + p.name() + " must be at least " + p.min() + ", got " + v);
                values.put(p.name(), v);
            }
            String line;
            try {
                line = bench.run(backend.open(), values);
            } catch (IllegalArgumentException e) {
                throw new ParameterException(self[0].commandLine(), e.getMessage());
            }
            PrintWriter out = self[0].commandLine().getOut();
            out.println(line);
            out.flush();
            return 0;
        };
        CommandSpec spec = CommandSpec.wrapWithoutInspection(run);
        self[0] = spec;
        spec.name(bench.name()).mixinStandardHelpOptions(true);
        spec.usageMessage().description(bench.description().toArray(String[]::new));
        for (BackendBench.Parameter p : bench.parameters())
            spec.addOption(OptionSpec.builder("--" + p.name())
                    .paramLabel("N")
                    .type(int.class)
                    .defaultValue(Integer.toString(p.defaultValue()))
                    .description(p.description() + " (default: ${DEFAULT-VALUE})")
                    .build());
        spec.addMixin("backend", CommandSpec.forAnnotatedObject(backend));
        return new CommandLine(spec);
    }
}
