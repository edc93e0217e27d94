package io.inrank.cli.experiment;

import picocli.CommandLine.Option;

/**
 * {@code --preset NAME} of the experiments ({@code experiment}, {@code experiment rule-at-init}): the benches' option
 * ({@code commands}' PresetOption) with the experiments' default, cpu-small, the smallest model whose MLPs have room for
 * the rank rule to act. Unknown names are refused where the shape is made ({@code GptConfig.preset} lists them).
 */
public final class ExperimentPreset {
    @Option(
            names = "--preset",
            paramLabel = "NAME",
            defaultValue = "cpu-small",
            description =
                    "Model size: tiny, cpu-small, gpt2-small, gpt2-medium, gpt2-large (default: ${DEFAULT-VALUE}).")
    String name;

    public String name() {
        return name;
    }
}
