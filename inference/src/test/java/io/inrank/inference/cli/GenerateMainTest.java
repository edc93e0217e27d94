package io.inrank.inference.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inrank.commands.Commands;
import io.inrank.inference.bench.ServeBench;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code inrank generate} and {@code bench serve --write-checkpoint} through {@link Commands}, as their mains run them. */
class GenerateMainTest {

    record Run(int code, String out, String err) {}

    static Run run(Object command, String... args) {
        CommandLine cl = Commands.commandLine(command);
        StringWriter out = new StringWriter(), err = new StringWriter();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        return new Run(cl.execute(args), out.toString(), err.toString());
    }

    @Test
    void generatesFromTheCheckpointServeBenchWrites(@TempDir Path tmp) throws Exception {
        Run write = run(new ServeBench(), "--write-checkpoint", tmp.toString(), "--rank", "8", "--backend", "nd4j");
        assertEquals(Commands.OK, write.code(), write.err());
        assertTrue(Files.isDirectory(tmp.resolve("bench/step-000000001")), write.err());
        assertTrue(write.err().contains("(tiny, rank 8)"), write.err());

        Run gen = run(
                new GenerateMain(),
                "The history of",
                "--checkpoint",
                tmp.resolve("bench").toString(),
                "--max-new-tokens",
                "3",
                "--temperature",
                "0");
        assertEquals(Commands.OK, gen.code(), gen.err());
        assertTrue(gen.out().startsWith("The history of"), gen.out());
        assertTrue(gen.err().contains("[bench step 1, ranks ") && gen.err().contains("[3 tokens, "), gen.err());
    }

    @Test
    void anUnreadableCheckpointIsBadInput(@TempDir Path tmp) {
        Run r = run(
                new GenerateMain(), "hello", "--checkpoint", tmp.resolve("none").toString());
        assertEquals(Commands.BAD_INPUT, r.code(), r.err());
        assertTrue(r.err().startsWith("error: "), r.err());
        assertTrue(!r.err().contains("inrank demo"), "the demo hint is for the default checkpoint only: " + r.err());
    }

    @Test
    void usageErrorsExit2() {
        assertEquals(Commands.USAGE, run(new GenerateMain()).code(), "no prompt");
        assertEquals(Commands.USAGE, run(new GenerateMain(), "a", "b").code(), "two prompts");
        assertEquals(
                Commands.USAGE, run(new GenerateMain(), "a", "--top-k", "x").code());
        Run empty = run(new GenerateMain(), "");
        assertEquals(Commands.USAGE, empty.code());
        assertTrue(empty.err().startsWith("error: give a prompt"), empty.err());
        Run backend = run(new GenerateMain(), "a", "--backend", "abacus");
        assertEquals(Commands.USAGE, backend.code());
        assertTrue(backend.err().startsWith("error: --backend abacus: no such backend here"), backend.err());
        assertEquals(Commands.USAGE, run(new ServeBench(), "--clients", "1,0").code());
        assertEquals(
                Commands.USAGE,
                run(new ServeBench(), "--write-checkpoint", "x", "--preset", "huge")
                        .code());
    }

    @Test
    void helpShowsTheDefaults() {
        Run gen = run(new GenerateMain(), "--help");
        assertEquals(Commands.OK, gen.code());
        assertTrue(gen.out().startsWith("Usage: generate"), gen.out());
        for (String s : new String[] {
            "PROMPT", "(default: 40)", "(default: 0.8)", "(default: 1)", ".inrank/demo/checkpoints/demo"
        }) assertTrue(gen.out().contains(s), s + " in\n" + gen.out());
        Run serve = run(new ServeBench(), "--help");
        assertEquals(Commands.OK, serve.code());
        assertTrue(serve.out().startsWith("Usage: serve") && serve.out().contains("(default: 1,8,32)"), serve.out());
    }
}
