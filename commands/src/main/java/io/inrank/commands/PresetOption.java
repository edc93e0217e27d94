package io.inrank.commands;

import io.inrank.model.GptConfig;
import picocli.CommandLine.Option;

/**
 * {@code --preset NAME} of the benches (one declaration, one default: tiny). The name is checked where it is turned into
 * a model shape ({@code GptConfig.preset}), which names the accepted ones.
 */
public final class PresetOption {
    @Option(
            names = "--preset",
            paramLabel = "NAME",
            defaultValue = "tiny",
            description =
                    "Model size: tiny, cpu-small, gpt2-small, gpt2-medium, gpt2-large (default: ${DEFAULT-VALUE}).")
    String name;

    public String name() {
        return name;
    }

    /** The preset's shape in a mode; an unknown name throws IllegalArgumentException naming the presets. */
    public GptConfig config(GptConfig.Mode mode) {
        return GptConfig.preset(name, mode);
    }

    @Override
    public String toString() {
        return name;
    }
}
