package io.inrank.commands;

import java.io.IOException;
import java.io.UncheckedIOException;
import picocli.CommandLine;

/**
 * Runs a picocli command with the exit codes every InRank command shares: 0 done, 1 bad input (a file, a dataset, a
 * setting that is well-formed but wrong: the message says which), 2 usage (unknown option, missing value, a backend that
 * cannot run here), 3 anything else (a runtime failure, printed with its stack trace).
 */
public final class Commands {
    private Commands() {}

    public static final int OK = 0, BAD_INPUT = 1, USAGE = 2, FAILURE = 3;

    /** A well-formed request that cannot be done (exit 1); the message is printed as is. */
    public static final class BadInputException extends RuntimeException {
        public BadInputException(String message) {
            super(message);
        }

        public BadInputException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    public static CommandLine commandLine(Object command) {
        CommandLine cl = new CommandLine(command);
        cl.setUsageHelpWidth(120);
        cl.setExecutionExceptionHandler((e, line, parsed) -> {
            if (isBadInput(e)) {
                line.getErr().println("error: " + e.getMessage());
                return BAD_INPUT;
            }
            line.getErr().println("error: " + e);
            e.printStackTrace(line.getErr());
            return FAILURE;
        });
        // usage errors (picocli's code 2): one line naming the problem and where the options are listed
        cl.setParameterExceptionHandler((e, args) -> {
            CommandLine bad = e.getCommandLine();
            bad.getErr().println("error: " + e.getMessage());
            bad.getErr().println("(see: " + bad.getCommandSpec().qualifiedName() + " --help)");
            return USAGE;
        });
        return cl;
    }

    /** Parses, runs and returns the exit code. */
    public static int execute(Object command, String... args) {
        return commandLine(command).execute(args);
    }

    /** For a {@code main}: runs and exits the JVM with the command's code. */
    public static void exit(Object command, String... args) {
        System.exit(execute(command, args));
    }

    static boolean isBadInput(Exception e) {
        return e instanceof BadInputException
                || e instanceof IllegalArgumentException
                || e instanceof UncheckedIOException
                || e instanceof IOException;
    }
}
