package io.inrank.controller.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inrank.commands.Commands;
import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** {@code inrank bench rank-controller}'s options; the measurement itself needs a running controller. */
class ControllerBenchTest {

    static int run(StringWriter out, StringWriter err, String... args) {
        CommandLine cl = Commands.commandLine(new ControllerBench());
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        return cl.execute(args);
    }

    @Test
    void helpShowsTheDefaults() {
        StringWriter out = new StringWriter(), err = new StringWriter();
        assertEquals(Commands.OK, run(out, err, "--help"));
        assertTrue(out.toString().startsWith("Usage: rank-controller"), out.toString());
        for (String s : new String[] {
            "(default: env KAFKA_BOOTSTRAP_SERVERS", "(default: 100)", "(default: 1024)", "(default: 30)"
        }) assertTrue(out.toString().contains(s), s + " in\n" + out);
    }

    @Test
    void valuesThatCannotRunAreUsageErrors() {
        StringWriter out = new StringWriter(), err = new StringWriter();
        assertEquals(Commands.USAGE, run(out, err, "--values", "2"));
        assertTrue(err.toString().contains("--values at least 4"), err.toString());
        assertEquals(Commands.USAGE, run(new StringWriter(), new StringWriter(), "--rounds", "0"));
        assertEquals(Commands.USAGE, run(new StringWriter(), new StringWriter(), "--runs", "many"));
    }
}
