package io.inrank.ingest.cli;

import io.quarkus.picocli.runtime.annotations.TopCommand;
import picocli.CommandLine.Command;

/** The data-ingest application's commands ({@code ./inrank ingest …}, {@code ./inrank bench ingest …}). */
@TopCommand
@Command(
        name = "data-ingest",
        mixinStandardHelpOptions = true,
        description = "Corpora -> GPT-2 BPE -> fixed-length token blocks -> Kafka.",
        subcommands = {IngestCommand.class, ShowCommand.class, BenchCommand.class})
public class InrankIngestCommand {}
