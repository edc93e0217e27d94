package io.inrank.ingest.cli;

import picocli.CommandLine;

/**
 * The ingest commands' usage without starting Quarkus (which takes about a second before picocli prints a line): the
 * same command classes, built by picocli's own factory; usage reads only their annotations, so nothing injected is
 * needed. Arguments name the subcommand ({@code ingest}, {@code show}, {@code bench}); none: the top command.
 */
public final class HelpMain {
    private HelpMain() {}

    public static void main(String[] args) {
        CommandLine target = new CommandLine(new InrankIngestCommand());
        for (String a : args) {
            CommandLine sub = target.getSubcommands().get(a);
            if (sub != null) target = sub;
        }
        target.usage(System.out);
    }
}
