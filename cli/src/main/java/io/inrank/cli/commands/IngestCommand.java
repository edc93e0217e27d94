package io.inrank.cli.commands;

import io.inrank.cli.launch.JavaProcess;
import io.inrank.cli.launch.Layout;
import io.inrank.protocol.PipelineService;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Unmatched;

/**
 * The data-ingest service's own command line (a picocli app in its jar, so containers run the same code): its options
 * and {@code --help} are passed through unchanged.
 */
@Command(
        name = "ingest",
        description = {
            "Tokenize a corpus into GPT-2 BPE blocks on Kafka ('ingest show': manifests, a decoded block).",
            "",
            "Sources: the built-in corpus, text/parquet files, a WikiText-103 download. The data-ingest service's own",
            "options and help (ingest --help, ingest show --help) pass through unchanged."
        })
public final class IngestCommand implements Callable<Integer> {
    @Unmatched
    List<String> args = new ArrayList<>();

    @Override
    public Integer call() {
        List<String> forward = new ArrayList<>(args);
        if (forward.isEmpty()
                || !(forward.get(0).equals("show") || forward.get(0).equals("ingest"))) {
            forward.add(0, "ingest");
        }
        Layout layout = Layout.current();
        if (Passthrough.wantsHelp(forward)) return help(layout, forward.get(0));
        return JavaProcess.builder("data-ingest", layout.jvm())
                // Quarkus' start/stop banner says nothing a command-line user needs; the ingest's own lines stay
                .property("quarkus.log.category.\"io.quarkus\".level", "WARN")
                .jar(layout.app(PipelineService.DATA_INGEST).jar())
                .args(forward)
                .run();
    }

    /** A data-ingest command's usage from a plain main in its jar: the same text, no service start. */
    static int help(Layout layout, String subcommand) {
        return JavaProcess.builder("data-ingest help", layout.jvm())
                .tool(layout, PipelineService.Tool.INGEST_HELP)
                .args(List.of(subcommand))
                .run();
    }
}
