package io.inrank.cli.commands;

import io.inrank.cli.launch.JavaProcess;
import io.inrank.cli.launch.Layout;
import io.inrank.protocol.PipelineService;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Unmatched;

/** One generation on the command line: the inference module's GenerateMain, whose options and help pass through. */
@Command(
        name = "generate",
        description = {
            "One generation on the command line from a checkpoint (default: the demo's).",
            "",
            "  ./inrank generate \"The history of\" --max-new-tokens 40      Options: generate --help."
        })
public final class GenerateCommand implements Callable<Integer> {
    @Unmatched
    List<String> args = new ArrayList<>();

    @Override
    public Integer call() {
        Layout layout = Layout.current();
        return JavaProcess.builder("generate", layout.jvm())
                .directory(layout.home())
                .tool(layout, PipelineService.Tool.GENERATE)
                .args(args)
                .run();
    }
}
