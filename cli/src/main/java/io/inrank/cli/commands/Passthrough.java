package io.inrank.cli.commands;

import java.util.List;

/** Helpers for commands that hand their arguments to a tool with its own picocli options and help. */
final class Passthrough {
    private Passthrough() {}

    static boolean wantsHelp(List<String> args) {
        return args.contains("--help") || args.contains("-h");
    }

    /** {@code args} with {@code name value} appended when value is set. */
    static void add(List<String> args, String name, Object value) {
        if (value != null) {
            args.add(name);
            args.add(String.valueOf(value));
        }
    }

    static int freePort() {
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            return s.getLocalPort();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
